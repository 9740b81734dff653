/**
 * A 医保办 reading the figures types a month where a day belongs, leaves a filter blank, or runs `prealert stats`
 * without the folder the workstation's sidecar keeps its records in. Each refusal names the field as it was given
 * (`--from` on the command line, `from` in `/v1/stats`) and says what to give instead. The real CLI from dist, and a
 * real sidecar on loopback with its real SQLite file.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SidecarServer } from '../src/server';
import { DATABASE_FILE_NAME } from '../src/store/database';
import { assertBuilt, CLI } from './helpers/spawn-sidecar';
import { testServer } from './helpers/test-server';

let server: SidecarServer & { dataDir: string };
const folders: string[] = [];
beforeAll(async () => {
  server = await testServer();
  await server.listen();
});
afterAll(async () => {
  await server?.close();
  for (const folder of folders.splice(0)) fs.rmSync(folder, { recursive: true, force: true });
});

function stats(...args: string[]) {
  assertBuilt();
  return spawnSync(process.execPath, [CLI, 'stats', ...args], { encoding: 'utf8', timeout: 20_000 });
}

async function refusal(query: string): Promise<unknown> {
  const { port } = server.app.server.address() as { port: number };
  const response = await fetch(`http://127.0.0.1:${port}/v1/stats?${query}`);
  expect(response.status).toBe(400);
  return response.json();
}

describe('prealert stats refusals', () => {
  it('names the option as typed and shows a month as its first and last day', () => {
    const month = stats('--from', '2026-02', '--data-dir', server.dataDir);
    expect(month.status).toBe(1);
    expect(month.stderr).toBe(
      'prealert: --from must be a date yyyy-MM-dd (got "2026-02"); a month is its first and last day: --from 2026-02-01 --to 2026-02-28\n',
    );
    const by = stats('--by', 'dpt', '--data-dir', server.dataDir);
    expect(by.stderr).toBe('prealert: --by must be one of day, week, month, quarter, rule, dept, doctor (got "dpt")\n');
  });

  it('says a blank filter is blank, and how to see everyone', () => {
    const blank = stats('--doctor', '  ', '--data-dir', server.dataDir);
    expect(blank.status).toBe(1);
    expect(blank.stderr).toBe('prealert: --doctor is blank: give one code, or leave --doctor out to count them all\n');
  });

  it('says where to point it when the folder holds no records database', () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-stats-none-'));
    folders.push(parent);
    const empty = path.join(parent, 'empty');
    const none = stats('--data-dir', empty);
    expect(none.status).toBe(1);
    expect(none.stderr).toBe(
      `prealert: no records database in ${empty} (${path.join(empty, DATABASE_FILE_NAME)} does not exist); give the folder the sidecar keeps its records in with --data-dir (its /v1/status names it as where.data_dir)\n`,
    );
  });
});

describe('/v1/stats refusals', () => {
  it('shows a month typed as a day in the query form', async () => {
    expect(await refusal('to=2026-12')).toEqual({
      error:
        'to must be a date yyyy-MM-dd (got "2026-12"); a month is its first and last day: from=2026-12-01&to=2026-12-31',
    });
    // Not a month: nothing to suggest.
    expect(await refusal('from=2026-13')).toEqual({ error: 'from must be a date yyyy-MM-dd (got "2026-13")' });
  });

  it('says a blank filter is blank', async () => {
    expect(await refusal('dept=%20%20')).toEqual({
      error: 'dept is blank: give one code, or leave dept out to count them all',
    });
  });

  it('names a misspelt filter rather than counting every department under it', async () => {
    expect(await refusal('department=A03')).toEqual({
      error: 'unknown field "department": the figures take from, to, by, rule, dept, doctor',
    });
    expect(await refusal('by=dept&doctor%5Ba%5D=1&dept_code=A03')).toEqual({
      error: 'unknown fields "doctor[a]", "dept_code": the figures take from, to, by, rule, dept, doctor',
    });
    const { port } = server.app.server.address() as { port: number };
    const csv = await fetch(`http://127.0.0.1:${port}/v1/stats.csv?doctorcode=D001`);
    expect(csv.status).toBe(400);
    // jQuery's cache: false appends _=<time> to every GET: a page built on it must still get its figures.
    expect((await fetch(`http://127.0.0.1:${port}/v1/stats?by=dept&_=1764547200000`)).status).toBe(200);
    // And ExtJS's _dc=<time>, common in B/S HIS.
    expect((await fetch(`http://127.0.0.1:${port}/v1/stats.csv?_dc=1764547200000`)).status).toBe(200);
  });
});
