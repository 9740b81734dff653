/**
 * Department and doctor codes padded by a fixed-width HIS column (CHAR(n): ` A03 `, `D0701 `) are one department or
 * doctor with the same code sent unpadded by another module: stored trimmed, and looked up trimmed. A real sidecar
 * on loopback with its real SQLite file; the warning is a real national one (a male-only drug for a woman).
 */

import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SidecarServer } from '../src/server';
import type { StatsReport } from '../src/stats/compliance-figures';
import { analysisEnvelope } from './fixtures/his-requests';
import { assertBuilt, CLI } from './helpers/spawn-sidecar';
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

describe('a padded department or doctor code asked for', () => {
  it('finds the trimmed code in /v1/stats and /v1/stats.csv', async () => {
    await raise('MZ-PAD-201', 'A0702', 'D0702');
    expect(reminders(await stats('by=dept&dept=%20A0702%20'))).toEqual({ A0702: 1 });
    expect(reminders(await stats('by=doctor&doctor=D0702%20'))).toEqual({ D0702: 1 });
    const { port } = server.app.server.address() as { port: number };
    const csv = await fetch(`http://127.0.0.1:${port}/v1/stats.csv?by=doctor&doctor=D0702%20%20`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-disposition')).toContain('doctor-D0702-');
    expect(await csv.text()).toContain('D0702');
  });

  it('finds the trimmed code in prealert stats --dept/--doctor', async () => {
    await raise('MZ-PAD-301', 'A0703', 'D0703');
    // /v1/stats writes what was answered before it reads: the CLI then reads it from the file.
    expect(reminders(await stats('by=doctor&doctor=D0703'))).toEqual({ D0703: 1 });
    assertBuilt();
    const run = (...filter: string[]) => {
      const cli = spawnSync(
        process.execPath,
        [CLI, 'stats', '--data-dir', server.dataDir, '--by', 'doctor', '--format', 'json', ...filter],
        { encoding: 'utf8', timeout: 20_000 },
      );
      expect(cli.stderr).toBe('');
      return JSON.parse(cli.stdout) as StatsReport;
    };
    expect(reminders(run('--doctor', ' D0703 '))).toEqual({ D0703: 1 });
    expect(reminders(run('--dept', 'A0703 '))).toEqual({ D0703: 1 });
  });

  it('is refused naming the field when it is only spaces', async () => {
    const { port } = server.app.server.address() as { port: number };
    const response = await fetch(`http://127.0.0.1:${port}/v1/stats?dept=%20%20`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'dept is blank: give one code, or leave dept out to count them all',
    });
  });
});
