/**
 * Two patients whose encounters carry the same mdtrt_id: a HIS that sends its 就诊号 (3101-3103.md §2.4 allows it)
 * numbers visits per patient, so both patients' first visit is "1". Patient A's 继续执行 must not answer patient B's
 * warning (prior_dspo, A's reason), and B's reminder must be recorded and counted as well as A's: a stay question
 * (药品区分性别使用, one id per stay) and a result of its rx_ids (医疗服务项目重复收费, the same rx_ids in both
 * patients, which the continued-lines check also compares). A real sidecar with a real SQLite file over loopback
 * HTTP, answering on the analysis thread and on the request thread, live and after a restart (decisions read back).
 */
import { describe, expect, it } from 'vitest';
import type { Figures, StatsReport } from '../src/stats/compliance-figures';
import { analysisEnvelope, feedbackEnvelope, SEX_RULE_DRUG } from './fixtures/his-requests';
import { startedServers } from './helpers/started-servers';
import { callOverHttp, type NationalReply, type testServer } from './helpers/test-server';

type Server = Awaited<ReturnType<typeof testServer>>;
type Result = NonNullable<NationalReply['output']['result']>[number] & {
  patn_id: string;
  mdtrt_id: string;
  prior_dspo?: boolean;
  dspo_way_rea?: string;
  judge_result_detail_dtos: { rx_id: string; vola_item_type: string }[];
};

const CHARGE_RULE = 'GZ10000102012000';

const { start, stop } = startedServers();

/** A female patient's visit "1" with one male-only drug: one 药品区分性别使用 stay question. */
function sexVisit(patientId: string, doctor: string): Record<string, unknown> {
  return analysisEnvelope({ patientId, encounterId: '1', rxPrefix: '1', lines: 1, firing: 1, doctorCode: doctor });
}

/** An emergency visit "100" charging 急诊监护费 (rx "1") and 急诊诊查费 (rx "2"): a 重复收费 result of rx_ids. */
function emergencyVisit(patientId: string, doctor: string): Record<string, unknown> {
  const envelope = analysisEnvelope({ patientId, encounterId: '100', lines: 2, firing: 0, doctorCode: doctor });
  const data = (envelope.input as { data: { patient_dtos: { fsi_encounter_dtos: Record<string, unknown>[] }[] } }).data;
  const encounter = data.patient_dtos[0]!.fsi_encounter_dtos[0]!;
  const orders = encounter.fsi_order_dtos as Record<string, unknown>[];
  const charges = [
    { code: '001103000010000', name: '急诊监护费', pric: '30.00' },
    { code: '001102000030000', name: '急诊诊查费', pric: '20.00' },
  ];
  encounter.med_type = '13';
  encounter.fsi_order_dtos = charges.map((c, i) => ({
    ...orders[i],
    rx_id: String(i + 1),
    hilist_type: '201',
    chrg_type: '05',
    hilist_code: c.code,
    hilist_name: c.name,
    hosplist_name: c.name,
    hilist_pric: c.pric,
    pric: c.pric,
    cnt: '1',
    sumamt: c.pric,
    spec: '',
    spec_unt: '次',
  }));
  return envelope;
}

async function resultsOf(server: Server, envelope: unknown, ruleId: string): Promise<Result[]> {
  const reply = await callOverHttp(server, envelope);
  expect(reply.body.infcode, reply.body.err_msg).toBe(0);
  return (reply.body.output.result as Result[]).filter((r) => r.rule_id === ruleId);
}

async function stats(server: Server, doctor: string): Promise<Figures> {
  const address = server.app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('not listening');
  const response = await fetch(`http://127.0.0.1:${address.port}/v1/stats?by=doctor&doctor=${doctor}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as StatsReport).totals;
}

describe.each([
  ['on the analysis thread', true, false],
  ['on the request thread', false, false],
  ['on the analysis thread, after a restart', true, true],
  ['on the request thread, after a restart', false, true],
])('two patients with the same mdtrt_id, %s', (_name, analysisThread, restart) => {
  it.each([
    ['a stay question', SEX_RULE_DRUG, sexVisit],
    ['a result of its rx_ids', CHARGE_RULE, emergencyVisit],
  ] as const)("%s: A's 继续执行 does not answer B, and both reminders are counted", async (_kind, ruleId, visit) => {
    const doctor = `DR-${ruleId.slice(-8, -3)}-${Number(analysisThread)}${Number(restart)}`;
    let server = await start(analysisThread);
    const [a] = await resultsOf(server, visit('PA-0001', doctor), ruleId);
    expect(a, 'patient A is warned').toBeDefined();
    const reason = '患者A已核实，继续执行';
    const answered = await callOverHttp(server, feedbackEnvelope([{ jrId: a!.jr_id, way: '1', reason }], '1'));
    expect(answered.body.infcode, answered.body.err_msg).toBe(0);

    if (restart) {
      const dataDir = server.dataDir;
      await stop(server);
      server = await start(analysisThread, dataDir);
    }

    // Patient A again: the same id, decided (the fix must not lose a patient's own decision).
    const [aAgain] = await resultsOf(server, visit('PA-0001', doctor), ruleId);
    expect(aAgain!.jr_id).toBe(a!.jr_id);
    expect(aAgain!.prior_dspo).toBe(true);
    expect(aAgain!.dspo_way_rea).toBe(reason);

    const [b] = await resultsOf(server, visit('PB-0002', doctor), ruleId);
    expect(b!.mdtrt_id).toBe(a!.mdtrt_id);
    expect(b!.judge_result_detail_dtos.map((d) => d.rx_id)).toEqual(a!.judge_result_detail_dtos.map((d) => d.rx_id));
    expect(b!.jr_id).not.toBe(a!.jr_id);
    expect(b!.prior_dspo, `B answered with ${b!.dspo_way_rea}`).toBeUndefined();
    expect(b!.dspo_way_rea).toBeUndefined();
    expect(await stats(server, doctor)).toMatchObject({ reminders: 2, continued: 1, pending: 1 });
  });
});
