/**
 * The SDK's line helpers given a real sidecar answer as a vendor's middleware passes it on, without readResult: codes
 * as numbers or as their labels (3101-3103.md S-16: "涉及项", "明确违规"), numbers as their digits, one detail row sent as
 * an object. They must mark the same lines, in the same roles and order, as for the answer as the sidecar sent it.
 * Real built sidecar (spawned on loopback, its own SQLite file), real national codes (the demo catalogue's).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  EnvelopeBuilder,
  type JudgeResultDto,
  type LineWarning,
  linesOf,
  warningsByLine,
  worstSeverityByLine,
} from '@prealert/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE, PATIENTS } from '../examples/web-his/public/demo-data.js';
import { buildAnalysisInput } from '../examples/web-his/public/his-request.js';
import { type RunningSidecar, startSidecar } from '../examples/web-his/sidecar-process.mjs';

const repoRoot = path.resolve(import.meta.dirname, '..');
const sidecarCli = path.join(repoRoot, 'sidecar', 'dist', 'cli.js');

const SEVERITY_LABEL: Readonly<Record<string, string>> = { '1': '明确违规', '2': '高度可疑', '3': '轻度可疑' };
const ITEM_TYPE_LABEL: Readonly<Record<string, string>> = { '1': '违规项', '2': '涉及项' };

/** 李秀梅 (female, 36, outpatient): 他达拉非片 (male only) and 葡萄糖测定 charged with the OGTT that includes it. */
function request(taskId: string) {
  const lines = [
    { rxId: 'RX-TADALAFIL', code: 'XG04BET001A001010100299' },
    { rxId: 'RX-OGTT', code: '003102050010100' },
    { rxId: 'RX-GLUCOSE', code: '002503020010000' },
  ];
  return buildAnalysisInput({
    patient: PATIENTS[0]!,
    visit: 'outpatient',
    orders: lines.map((l) => {
      const item = CATALOGUE.find((c) => c.code === l.code);
      if (!item) throw new Error(`demo catalogue lacks ${l.code}`);
      return { rxId: l.rxId, item, cnt: 1 };
    }),
    taskId,
    now: new Date(),
  });
}

/** What the helpers give, by line: role, rule and amount of each warning, in their order. */
const marks = (byLine: Map<string, LineWarning[]>) =>
  Object.fromEntries(
    [...byLine].map(([rxId, warnings]) => [rxId, warnings.map((w) => [w.role, w.result.jr_id, w.amount])]),
  );

let sidecar: RunningSidecar;
let dataDir: string;
let sent: JudgeResultDto[];

beforeAll(async () => {
  if (!fs.existsSync(sidecarCli)) throw new Error('sidecar/dist/cli.js missing: run `pnpm build` first');
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-client-line-codes-'));
  sidecar = await startSidecar({ cli: sidecarCli, port: '0', dataDir, corsOrigins: [] });
  const response = await fetch(`${sidecar.url}/fsi/api/rsfComIfsService/callService`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(new EnvelopeBuilder().build('3101', request('T-CLIENT-LINE-CODES'))),
  });
  const body = (await response.json()) as { infcode: number; output: { result: JudgeResultDto[] } };
  expect(body, JSON.stringify(body).slice(0, 300)).toMatchObject({ infcode: 0 });
  sent = body.output.result;
});

afterAll(async () => {
  await sidecar?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

/** The answer as a vendor's middleware rewrites it: codes as numbers or labels, amounts as digits, one row unlisted. */
function rewritten(codes: 'numbers' | 'labels'): JudgeResultDto[] {
  return sent.map((r) => {
    const rows = (r.judge_result_detail_dtos ?? []).map((d) => ({
      ...d,
      vola_item_type: codes === 'numbers' ? Number(d.vola_item_type) : ITEM_TYPE_LABEL[d.vola_item_type],
      vola_amt: Number(d.vola_amt).toFixed(2),
    }));
    return {
      ...r,
      sev_deg: codes === 'numbers' ? Number(r.sev_deg) : SEVERITY_LABEL[r.sev_deg],
      vola_amt: Number(r.vola_amt).toFixed(2),
      judge_result_detail_dtos: rows.length === 1 ? rows[0] : rows,
    } as unknown as JudgeResultDto;
  });
}

describe("the line helpers on a real answer's codes rewritten by a middleware, not passed through readResult", () => {
  it('the answer as sent has a 涉及项 row and results of different severities to tell apart', () => {
    const byLine = warningsByLine(sent);
    expect(byLine.get('RX-OGTT')?.map((w) => w.role)).toEqual(['involved']);
    expect(byLine.get('RX-GLUCOSE')?.map((w) => w.role)).toEqual(['violation']);
    expect(byLine.get('RX-TADALAFIL')?.map((w) => w.role)).toEqual(['violation']);
    // A result of one row, which the rewrite sends as an object, not a list of one.
    expect(sent.some((r) => r.judge_result_detail_dtos?.length === 1)).toBe(true);
  });

  for (const codes of ['numbers', 'labels'] as const) {
    it(`codes sent as ${codes}: the same lines, roles, amounts and order as the answer as sent`, () => {
      const raw = rewritten(codes);
      expect(marks(warningsByLine(raw))).toEqual(marks(warningsByLine(sent)));
      expect(Object.fromEntries(worstSeverityByLine(raw))).toEqual(Object.fromEntries(worstSeverityByLine(sent)));
      for (const [i, result] of raw.entries()) {
        expect(linesOf(result, 'violation'), result.jr_id).toEqual(linesOf(sent[i]!, 'violation'));
        expect(linesOf(result, 'involved'), result.jr_id).toEqual(linesOf(sent[i]!, 'involved'));
      }
    });
  }
});
