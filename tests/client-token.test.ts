/**
 * The client's `token` against a real sidecar with a `shimToken` (PREALERT_SHIM_TOKEN), over loopback HTTP: the
 * client calls the token-guarded `/v1/yb/<infno>`, so a wrong token is refused and nothing is recorded, and the
 * right one gets the warnings and records the decision. Real national codes (他达拉非片 for a woman).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type AnalysisData, PrealertClient } from '@prealert/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSidecar, startSidecar } from '../examples/web-his/sidecar-process.mjs';

const sidecarCli = path.join(path.resolve(import.meta.dirname, '..'), 'sidecar', 'dist', 'cli.js');
const SHIM_TOKEN = 'per-user-token-0123456789';

function tadalafilForAWoman(taskId: string, encounter: string): AnalysisData {
  return {
    syscode: 'MYHIS',
    task_id: taskId,
    trig_scen: '2',
    patient_dtos: [
      {
        patn_id: 'P001',
        patn_name: '李秀梅',
        gend: '2',
        brdy: '1990-05-12',
        poolarea: '110105',
        curr_mdtrt_id: encounter,
        fsi_encounter_dtos: [
          {
            mdtrt_id: encounter,
            med_mdtrt_type: '1',
            med_type: '11',
            insutype: '310',
            adm_date: '2026-12-01 08:30:00',
            dscg_main_dise_codg: 'E11.900',
            dscg_main_dise_name: '2型糖尿病',
            fsi_order_dtos: [
              {
                rx_id: 'RX-1',
                rxno: 'CF001',
                hilist_type: '101',
                chrg_type: '09',
                hilist_code: 'XG04BET001A001010100299',
                hilist_name: '他达拉非片',
                cnt: 1,
                pric: 58,
                sumamt: 58,
                drord_begn_date: '2026-12-01 09:00:00',
                drord_dept_codg: 'A03',
                drord_dept_name: '内分泌科门诊',
                drord_dr_codg: 'D0001',
                drord_dr_name: '王医生',
                curr_drord_flag: '1',
              },
            ],
          },
        ],
      },
    ],
  } as AnalysisData;
}

/** GET /v1/tasks/:id: 404 when the sidecar recorded no answer under that id. */
async function recordedTask(url: string, taskId: string): Promise<{ status: number; dispositions?: object }> {
  const response = await fetch(`${url}/v1/tasks/${encodeURIComponent(taskId)}`);
  if (response.status !== 200) return { status: response.status };
  const body = (await response.json()) as { dispositions: object };
  return { status: 200, dispositions: body.dispositions };
}

let sidecar: RunningSidecar;
let dataDir: string;

beforeAll(async () => {
  if (!fs.existsSync(sidecarCli)) throw new Error('sidecar/dist/cli.js missing: run `pnpm build` first');
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-client-token-'));
  sidecar = await startSidecar({
    cli: sidecarCli,
    port: '0',
    dataDir,
    corsOrigins: [],
    env: { PREALERT_SHIM_TOKEN: SHIM_TOKEN },
  });
});

afterAll(async () => {
  await sidecar?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('client token against a sidecar with a shimToken', () => {
  it('a wrong token is refused on 3101 and 3103, and nothing is recorded', async () => {
    const client = new PrealertClient({ baseUrl: sidecar.url, token: 'someone-elses-token-0000' });
    try {
      const answer = await client.analyze(tadalafilForAWoman('TOKEN-WRONG', 'MZ-TOKEN-1'));
      expect(answer.status).toBe('rejected');
      expect(answer.error).toContain('X-Prealert-Token');
      expect(answer.results).toEqual([]);
      const decided = await client.feedback({
        warn_type: '1',
        warns: [{ warn_rslt_id: 'JRd5ebab32e9742f37b8b53249', dspo_way: '2', dspo_way_rea: '' }],
      });
      expect(decided).toMatchObject({ status: 'rejected', queued: false });
      expect(decided.error).toContain('X-Prealert-Token');
      expect(await recordedTask(sidecar.url, 'TOKEN-WRONG')).toEqual({ status: 404 });
    } finally {
      await client.close();
    }
  });

  it('the right token gets the warning and records the decision', async () => {
    const client = new PrealertClient({ baseUrl: sidecar.url, token: SHIM_TOKEN });
    try {
      const answer = await client.analyze(tadalafilForAWoman('TOKEN-RIGHT', 'MZ-TOKEN-2'));
      expect(answer.status).toBe('ok');
      expect(answer.results.map((r) => r.rule_name)).toEqual(['药品区分性别使用']);
      const jrId = answer.results[0]!.jr_id;
      const decided = await client.decide(answer, [{ jrId, disposition: 'continue', reason: '已核实，临床必需' }]);
      expect(decided).toMatchObject({ status: 'ok', sent: 1 });
      expect((await recordedTask(sidecar.url, 'TOKEN-RIGHT')).dispositions).toEqual({
        [jrId]: expect.objectContaining({ dspo_way: '1', dspo_way_rea: '已核实，临床必需' }),
      });
    } finally {
      await client.close();
    }
  });
});
