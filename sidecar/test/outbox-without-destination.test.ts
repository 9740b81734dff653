import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE_NAME } from '../src/store/database';
import { analysisEnvelope, feedbackEnvelope } from './fixtures/his-requests';
import { freeLoopbackPort } from './helpers/free-port';
import { post, type RunningSidecar, spawnSidecar } from './helpers/spawn-sidecar';
import { tempDataDir } from './helpers/test-server';
import { until } from './helpers/until';

const NATIONAL = '/fsi/api/rsfComIfsService/callService';
const running: RunningSidecar[] = [];
afterEach(async () => {
  for (const sidecar of running.splice(0)) await sidecar.stop();
});

async function start(dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<RunningSidecar> {
  const sidecar = await spawnSidecar(dataDir, [], env);
  running.push(sidecar);
  // Everything the start logs is in by then.
  await until(() => sidecar.output().includes('prealert sidecar listening'));
  return sidecar;
}

/** A 3101 with two reminders, both decided 返回修改 by a 3103; returns the jr_ids. */
async function decideTwo(sidecar: RunningSidecar, encounterId: string): Promise<string[]> {
  const answer = await post(`${sidecar.url}${NATIONAL}`, analysisEnvelope({ encounterId, taskId: `T-${encounterId}` }));
  const jrIds = (answer.output.result ?? []).map((r) => r.jr_id);
  expect(jrIds).toHaveLength(2);
  const decided = await post(`${sidecar.url}${NATIONAL}`, feedbackEnvelope(jrIds.map((jrId) => ({ jrId, way: '2' }))));
  expect(decided.infcode).toBe(0);
  return jrIds;
}

async function outboxStatus(sidecar: RunningSidecar): Promise<{ pending: number; oldest_pending_age_s: number }> {
  const status = (await (await fetch(`${sidecar.url}/v1/status`)).json()) as {
    outbox: { pending: number; oldest_pending_age_s: number };
  };
  return status.outbox;
}

async function metric(sidecar: RunningSidecar, name: string): Promise<number> {
  const text = await (await fetch(`${sidecar.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  expect(line, name).toBeDefined();
  return Number(line!.split(' ')[1]);
}

function outboxRows(dataDir: string): number {
  const db = new Database(path.join(dataDir, DATABASE_FILE_NAME), { readonly: true });
  try {
    return db.prepare('SELECT COUNT(*) FROM outbox').pluck().get() as number;
  } finally {
    db.close();
  }
}

describe('the outbox with no destination configured (the default)', () => {
  it('queues nothing for a 3103, and reports no backlog in /v1/status and /metrics', async () => {
    const dataDir = tempDataDir();
    const sidecar = await start(dataDir);
    await decideTwo(sidecar, 'MZ-NODEST-1');
    expect(await outboxStatus(sidecar)).toMatchObject({ pending: 0, oldest_pending_age_s: 0 });
    expect(await metric(sidecar, 'prealert_outbox_pending')).toBe(0);
    expect(await metric(sidecar, 'prealert_outbox_oldest_pending_age_seconds')).toBe(0);
    expect(await sidecar.stop()).toBe(0);
    expect(outboxRows(dataDir)).toBe(0);
  }, 240_000);

  it('drops entries queued while a platform was configured once it no longer is, logging the count once', async () => {
    const dataDir = tempDataDir();
    // A platform URL nothing listens at: the decisions are queued and stay pending.
    const platform = `http://127.0.0.1:${await freeLoopbackPort()}/collect`;
    const first = await start(dataDir, { PREALERT_PLATFORM_URL: platform });
    await decideTwo(first, 'MZ-NODEST-2');
    expect((await outboxStatus(first)).pending).toBe(2);
    expect(await first.stop()).toBe(0);
    expect(outboxRows(dataDir)).toBe(2);

    const second = await start(dataDir);
    const dropped = second
      .output()
      .split('\n')
      .filter((l) => l.includes('outbox entries for no configured destination'));
    expect(dropped).toHaveLength(1);
    expect(JSON.parse(dropped[0]!)).toMatchObject({ level: 40, outbox_dropped: 2 });
    expect(await outboxStatus(second)).toMatchObject({ pending: 0, oldest_pending_age_s: 0 });
    expect(await metric(second, 'prealert_outbox_pending')).toBe(0);
    expect(await second.stop()).toBe(0);
    expect(outboxRows(dataDir)).toBe(0);

    // Nothing left to drop at the next start: no line again.
    const third = await start(dataDir);
    expect(third.output()).not.toContain('outbox entries for no configured destination');
  }, 240_000);
});
