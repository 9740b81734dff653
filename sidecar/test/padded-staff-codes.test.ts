/**
 * Department and doctor codes padded by a fixed-width HIS column (CHAR(n): ` A03 `, `D0701 `) are one department or
 * doctor with the same code sent unpadded by another module: stored trimmed, and looked up trimmed. A real sidecar
 * on loopback with its real SQLite file; the warning is a real national one (a male-only drug for a woman).
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SidecarServer } from '../src/server';
import type { StatsReport } from '../src/stats/compliance-figures';
import { analysisEnvelope } from './fixtures/his-requests';
import { callOverHttp, testServer } from './helpers/test-server';

let server: SidecarServer & { dataDir: string };
beforeAll(async () => {
  server = await testServer();
  await server.listen();
});
afterAll(async () => {
  await server?.close();
});

/** One reminder in `encounterId`, its order (and encounter) in department `deptCode` by doctor `doctorCode`. */
async function raise(encounterId: string, deptCode: string, doctorCode: string): Promise<void> {
  const reply = await callOverHttp(
    server,
    analysisEnvelope({ encounterId, patientId: `P-${encounterId}`, deptCode, doctorCode, firing: 1, lines: 1 }),
  );
  expect(reply.body.infcode, reply.body.err_msg).toBe(0);
  expect(reply.body.output.result).toHaveLength(1);
}

async function stats(query: string): Promise<StatsReport> {
  const { port } = server.app.server.address() as { port: number };
  const response = await fetch(`http://127.0.0.1:${port}/v1/stats?${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as StatsReport;
}

const reminders = (report: StatsReport) => Object.fromEntries(report.rows.map((r) => [r.key, r.reminders]));

describe('a department code padded by a fixed-width HIS column', () => {
  it('is one department whether it came padded (drord_dept_codg, adm_dept_codg, dscg_dept_codg) or not', async () => {
    await raise('MZ-PAD-101', ' A0701 ', 'D0701');
    await raise('MZ-PAD-102', 'A0701', 'D0701');
    expect(reminders(await stats('by=dept&dept=A0701'))).toEqual({ A0701: 2 });
    expect(
      server.db
        .prepare("SELECT DISTINCT dept_code FROM reminders WHERE mdtrt_id IN ('MZ-PAD-101', 'MZ-PAD-102')")
        .pluck()
        .all(),
    ).toEqual(['A0701']);
  });
});
