/**
 * @prealert/client given a real sidecar answer shortened to fit (sidecar capacity-fit.ts: the SDK declares its
 * `maxResponseBytes` as X-Out-Capacity): the discharge 3102 of a stay with one drug flagged on 380 lines is cut down
 * to that result's skeleton, no detail rows. parseAnswer must still hand it to the HIS, marked `linesOmitted`, with its rule, severity,
 * amount and the doctor's earlier decision, while the stay's other results keep their lines. Real built sidecar
 * (spawned on loopback, its own SQLite file), real national codes (the shipped library).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  type AnalysisInput,
  attachWarnings,
  EnvelopeBuilder,
  type JudgeResultDto,
  linesOf,
  PrealertClient,
  warningsByLine,
  worstSeverityByLine,
} from '@prealert/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSidecar, startSidecar } from '../examples/web-his/sidecar-process.mjs';
import { mixedDischarge } from '../sidecar/test/fixtures/long-stay';

const repoRoot = path.resolve(import.meta.dirname, '..');
const sidecarCli = path.join(repoRoot, 'sidecar', 'dist', 'cli.js');

let sidecar: RunningSidecar;
let dataDir: string;
let client: PrealertClient;

beforeAll(async () => {
  if (!fs.existsSync(sidecarCli)) throw new Error('sidecar/dist/cli.js missing: run `pnpm build` first');
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-client-shortened-'));
  sidecar = await startSidecar({ cli: sidecarCli, port: '0', dataDir, corsOrigins: [] });
  // The SDK declares its response limit as the buffer to fit (X-Out-Capacity): a HIS that sets it low gets what the
  // shim's caller gets, results shortened down to skeletons. 12,000 bytes leave the stay's 380-line result no rows.
  client = new PrealertClient({ baseUrl: sidecar.url, analyzeTimeoutMs: 5000, maxResponseBytes: 12_000 });
});

afterAll(async () => {
  await client?.close();
  await sidecar?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

const discharge = (taskId: string) => (mixedDischarge(380, taskId) as { input: AnalysisInput }).input;

describe('a 3102 answer shortened to a skeleton, through the SDK', () => {
  it('comes out of analyze() marked linesOmitted, with rule, severity, amount and the earlier decision', async () => {
    const first = await client.analyze(discharge('T-CLIENT-SKEL-1'), { infno: '3102' });
    expect(first).toMatchObject({ status: 'ok', truncated: true });
    expect(first.results).toHaveLength(9);
    // The sidecar cut the huge result to its skeleton: no lines listed, and the SDK says so.
    const skeletons = first.results.filter((r) => r.linesOmitted);
    expect(skeletons.length).toBeGreaterThan(0);
    for (const r of skeletons) {
      expect(r.judge_result_detail_dtos).toEqual([]);
      expect(linesOf(r)).toEqual([]);
      expect(r.rule_id).toMatch(/\S/);
      expect(['1', '2', '3']).toContain(r.sev_deg);
      expect(Number.isFinite(r.vola_amt) && r.vola_amt > 0).toBe(true);
    }
    // The others kept their 违规项 rows and are not marked.
    const listed = first.results.filter((r) => !r.linesOmitted);
    expect(listed.length).toBeGreaterThan(0);
    for (const r of listed) expect(linesOf(r, 'violation').length).toBeGreaterThan(0);
    const marked = new Set([...warningsByLine(first.results).values()].flat().map((w) => w.result.jr_id));
    for (const r of skeletons) expect(marked.has(r.jr_id)).toBe(false);

    // The sidecar recorded the skeleton's result whole: GET /v1/tasks/:task_id lists its lines (README).
    const task = (await (await fetch(`${sidecar.url}/v1/tasks/T-CLIENT-SKEL-1`)).json()) as {
      results: { jr_id: string; judge_result_detail_dtos?: unknown[] }[];
    };
    for (const r of skeletons) {
      expect(task.results.find((t) => t.jr_id === r.jr_id)?.judge_result_detail_dtos?.length).toBeGreaterThan(0);
    }

    const reason = '患者为男性变性术后，临床需要';
    const decided = await client.decide(
      first,
      first.results.map((r) => ({ jrId: r.jr_id, disposition: 'continue' as const, reason })),
    );
    expect(decided).toMatchObject({ status: 'ok', sent: 9 });

    const again = await client.analyze(discharge('T-CLIENT-SKEL-2'), { infno: '3102' });
    expect(again).toMatchObject({ status: 'ok', truncated: true });
    const skeleton = again.results.find((r) => r.linesOmitted);
    expect(skeleton).toMatchObject({ prior_dspo: true, dspo_way: '1', dspo_way_rea: reason, linesOmitted: true });
  });

  it("the helpers take the sidecar's raw answer as a browser page gets it (skeletons without detail rows)", async () => {
    // What <prealert-reminder>'s callService hands a B/S page: the national envelope's output.result as sent, typed
    // JudgeResultDto[], where a skeleton has no judge_result_detail_dtos at all (not read by the SDK's readResult).
    const response = await fetch(`${sidecar.url}/fsi/api/rsfComIfsService/callService`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-out-capacity': '12000' },
      body: JSON.stringify(new EnvelopeBuilder().build('3102', discharge('T-CLIENT-SKEL-RAW'))),
    });
    const body = (await response.json()) as {
      infcode: number;
      output: { truncated?: boolean; result: JudgeResultDto[] };
    };
    expect(body, JSON.stringify(body).slice(0, 300)).toMatchObject({ infcode: 0 });
    expect(body.output.truncated).toBe(true);
    const raw = body.output.result;
    const skeletons = raw.filter((r) => r.judge_result_detail_dtos === undefined);
    expect(skeletons.length).toBeGreaterThan(0);

    const byLine = warningsByLine(raw);
    const marked = new Set([...byLine.values()].flat().map((w) => w.result.jr_id));
    for (const r of skeletons) expect(marked.has(r.jr_id)).toBe(false);
    for (const r of raw.filter((r) => r.judge_result_detail_dtos !== undefined)) expect(marked.has(r.jr_id)).toBe(true);
    expect(worstSeverityByLine(raw).size).toBeGreaterThan(0);
    const rows = attachWarnings(
      [...byLine.keys()].map((rx_id) => ({ rx_id })),
      raw,
    );
    expect(rows.every((row) => row.warnings.length > 0)).toBe(true);
  });
});
