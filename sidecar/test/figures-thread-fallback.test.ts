/**
 * The figures thread is a file of its own (dist/figures-worker.js). An install without it, or with one from another
 * build, must still answer /v1/stats, computed on the request thread, and say where (log and /v1/status).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StatsReport } from '../src/stats/compliance-figures';
import { shanghaiDay } from '../src/stats/days';
import { FIGURES_PROTOCOL } from '../src/stats/figures-protocol';
import { DATABASE_FILE_NAME } from '../src/store/database';
import { FiguresWithPrunedDays } from '../src/store/pruned-figures';
import { analysisEnvelope, feedbackEnvelope } from './fixtures/his-requests';
import { assertBuilt, type NationalAnswer, post, type RunningSidecar, spawnSidecar } from './helpers/spawn-sidecar';
import { tempDataDir } from './helpers/test-server';

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const NATIONAL = '/fsi/api/rsfComIfsService/callService';

/** Copies of the built sidecar, inside sidecar/ so that its node_modules resolve from them. */
const copies: string[] = [];
let sidecar: RunningSidecar | undefined;

/** The built sidecar with its figures thread's file changed by `damage`; returns the copy's cli.js. */
function installWith(damage: (workerFile: string) => void): string {
  const copy = fs.mkdtempSync(path.join(DIST, '..', '.dist-figures-fallback-'));
  copies.push(copy);
  fs.cpSync(DIST, copy, { recursive: true });
  damage(path.join(copy, 'figures-worker.js'));
  return path.join(copy, 'cli.js');
}

beforeAll(() => assertBuilt());
afterEach(async () => {
  await sidecar?.stop();
  sidecar = undefined;
});
afterAll(() => {
  for (const copy of copies) fs.rmSync(copy, { recursive: true, force: true });
});

describe.each([
  {
    install: 'its file missing',
    damage: (file: string) => fs.rmSync(file),
    logged: [/figures thread script missing; \/v1\/stats is computed on the request thread/],
  },
  {
    install: 'its file from another build',
    damage: (file: string) => {
      const text = fs.readFileSync(file, 'utf8');
      const older = text.replace('protocol: FIGURES_PROTOCOL', 'protocol: FIGURES_PROTOCOL - 1');
      if (older === text) throw new Error(`${file} no longer says its protocol as this test expects`);
      fs.writeFileSync(file, older);
    },
    logged: [
      /figures thread could not start; \/v1\/stats is computed on the request thread/,
      // The worker file rewritten to speak the protocol before this build's.
      new RegExp(`speaks protocol ${FIGURES_PROTOCOL - 1}, not ${FIGURES_PROTOCOL}`),
    ],
  },
])('the figures thread, $install', ({ damage, logged }) => {
  it('/v1/stats answers the records’ figures from the request thread, and the log and /v1/status say so', async () => {
    const dataDir = tempDataDir();
    sidecar = await spawnSidecar(dataDir, [], {}, installWith(damage));
    const running = sidecar;
    const getJson = async <T>(url: string): Promise<T> => {
      const response = await fetch(`${running.url}${url}`);
      expect(response.status, `${url}: ${await response.clone().text()}`).toBe(200);
      return (await response.json()) as T;
    };

    // Real 3101s (two reminders each, real national codes) and the doctors' 3103s: one continued, one modified.
    // The Asia/Shanghai days they are recorded on lie between the clock's day before the first and after the last:
    // one day, but two when midnight in Shanghai comes in between (CI at 23:59).
    const from = shanghaiDay(Date.now());
    const jrIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const answer = await post(
        `${running.url}${NATIONAL}`,
        analysisEnvelope({ encounterId: `MZ-FB-${i}`, taskId: `T-FB-${i}`, doctorCode: `D-FB-${i % 2}` }),
      );
      expect(answer.infcode).toBe(0);
      jrIds.push(...answer.output.result!.map((r) => r.jr_id));
    }
    expect(jrIds).toHaveLength(6);
    const decided = await post<NationalAnswer>(
      `${running.url}${NATIONAL}`,
      feedbackEnvelope([
        { jrId: jrIds[0]!, way: '1', reason: '已核实' },
        { jrId: jrIds[1]!, way: '2' },
      ]),
    );
    expect(decided.infcode).toBe(0);

    const to = shanghaiDay(Date.now());
    const report = await getJson<StatsReport>(`/v1/stats?from=${from}&to=${to}&by=doctor`);
    expect(report.totals).toMatchObject({ reminders: 6, continued: 1, complied: 1, pending: 4 });
    // Equal to the sidecar's figures code over its database file, read here.
    const db = new Database(path.join(dataDir, DATABASE_FILE_NAME), { readonly: true });
    try {
      expect(report).toEqual(new FiguresWithPrunedDays(db).report(from, to, 'doctor'));
    } finally {
      db.close();
    }

    const status = await getJson<{ storage: { figures: string } }>('/v1/status');
    expect(status.storage.figures).toBe('request');
    // The rest of the sidecar is untouched by it.
    expect(status.storage).toMatchObject({ records: 'worker', checkpoints: 'worker' });
    // The log is written in blocks; stopping writes the rest.
    expect(await running.stop()).toBe(0);
    for (const line of logged) expect(running.output()).toMatch(line);
  }, 60_000);
});
