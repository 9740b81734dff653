// The smallest integration with the classic-script bundle: one 3101 for the rows above, shown next to them.

/**
 * The warnings of a 3101 outcome, or why there are none to show. Only an answer that carries output.result is one:
 * an envelope without it (a relay that kept only infcode 0) or a fail-open one passed on from the native shim
 * (infcode 0, empty result, shim.failopen) does not say "no warnings", it says the check did not run.
 */
function warningsOf(outcome) {
  if (outcome.kind === 'failed') return { unavailable: outcome.detail };
  if (outcome.kind === 'rejected') return { unavailable: outcome.message };
  const { output, shim } = outcome.body;
  if (shim?.failopen) return { unavailable: `fail-open: ${shim.reason}` };
  const result = output && typeof output === 'object' ? output.result : undefined;
  if (Array.isArray(result)) return { results: result };
  if (result && typeof result === 'object') return { results: [result] }; // one warning, sent as an object
  return { unavailable: '应答中没有 output.result' };
}

/** One 3101 for the rows above, its warnings shown next to them (or why there are none). */
async function check(reminder, now, taskId) {
  const { callService } = window.PrealertWidget;
  const { sidecar } = await (await fetch('/config.json')).json();
  reminder.setAttribute('sidecar', sidecar);
  reminder.lineLabel = (rxId) => document.querySelector(`tr[data-rx-id="${CSS.escape(rxId)}"] td`)?.textContent;

  const pad = (n) => String(n).padStart(2, '0');
  const time = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ${pad(now.getHours())}:${pad(now.getMinutes())}:00`;
  const line = (rx_id, hilist_code, hilist_name, pric) => ({
    rx_id,
    rxno: 'CF-EMBED',
    hilist_type: '101',
    chrg_type: '09',
    hilist_code,
    hilist_name,
    cnt: 1,
    pric,
    sumamt: pric,
    drord_begn_date: time,
    drord_dept_codg: 'A03',
    drord_dept_name: '内分泌科门诊',
    drord_dr_codg: 'D0001',
    drord_dr_name: '王医生',
    curr_drord_flag: '1',
  });
  const input = {
    data: {
      syscode: 'EMBED',
      task_id: taskId,
      trig_scen: '2',
      patient_dtos: [
        {
          patn_id: 'DEMO-P001',
          patn_name: '李秀梅',
          gend: '2',
          brdy: '1990-05-12',
          curr_mdtrt_id: 'MZ-EMBED',
          fsi_encounter_dtos: [
            {
              mdtrt_id: 'MZ-EMBED',
              med_mdtrt_type: '1',
              med_type: '11',
              insutype: '310',
              adm_date: time,
              dscg_date: time,
              dr_codg: 'D0001',
              adm_dept_codg: 'A03',
              adm_dept_name: '内分泌科门诊',
              dscg_main_dise_codg: 'E11.900',
              dscg_main_dise_name: '2型糖尿病',
              fsi_diagnose_dtos: [
                {
                  dise_id: 'D1',
                  inout_dise_type: '1',
                  maindise_flag: '1',
                  dias_srt_no: '1',
                  dise_codg: 'E11.900',
                  dise_name: '2型糖尿病',
                  dise_date: time,
                },
              ],
              fsi_order_dtos: [
                line('EMBED-1', 'XG04BET001A001010100299', '他达拉非片', 58),
                line('EMBED-2', 'XB05BAF150B002010100269', '复方氨基酸注射液(18AA)', 45),
              ],
            },
          ],
        },
      ],
    },
  };
  reminder.showChecking();
  const outcome = await callService('3101', input, { sidecar, timeoutMs: 1500 });
  const { results, unavailable } = warningsOf(outcome);
  if (results) reminder.show(results, { infno: '3101', taskId });
  else reminder.showUnavailable(unavailable);
}

(async () => {
  const reminder = document.getElementById('reminder');
  const now = new Date();
  const taskId = `EMBED-${now.getTime()}`;
  try {
    await check(reminder, now, taskId);
  } catch (error) {
    // Whatever went wrong (no configuration, a broken answer), the doctor sees it and goes on prescribing.
    reminder.showUnavailable(error instanceof Error ? error.message : String(error));
  } finally {
    document.body.dataset.taskId = taskId;
  }
})();
