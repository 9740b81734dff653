/**
 * An outbox entry set aside as unreadable must not outlive the decisions made after it: a newer revision of the same
 * reminder drops it by its id alone (its payload cannot be read to match), and one IT repaired (or an earlier build
 * left repaired) is checked against later entries before it is sent, so it never overwrites a newer decision at the
 * platform. Entries already set aside at start are warned of once (a count). IT can delete one that cannot be
 * repaired through an admin route, and only such a one. A real sidecar over a real SQLite file, real 3101/3103 over
 * loopback HTTP for real national items, a platform stand-in on loopback.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DATABASE_FILE_NAME } from '../src/store/database';
import { feedbackEnvelope } from './fixtures/his-requests';
import type { PlatformReceiver } from './helpers/platform-receiver';
import {
  decisionsQueuedWhileDown,
  type LoggedSidecar,
  loggedSidecarOn,
  madeForEachTest,
} from './helpers/sidecar-with-queued-decisions';
import { callOverHttp } from './helpers/test-server';
import { until } from './helpers/until';

const ADMIN_TOKEN = 'admin-token-superseded-0123456789';

const made = madeForEachTest();

const startSidecar = (dir: string, url: string) => loggedSidecarOn(dir, url, ADMIN_TOKEN);

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface OutboxRow {
  id: string;
  kind: string;
  payload: string;
  created_at: number;
  next_attempt_at: number;
  attempts: number;
}

/** Two reminders answered, a decision on each queued while the platform is down; returns their jr_ids. */
const decideWhilePlatformDown = (dir: string, receiver: PlatformReceiver): Promise<[string, string]> =>
  decisionsQueuedWhileDown(dir, receiver, {
    encounterId: 'MZ-SUPERSEDED-1',
    reason: '患者知情同意',
    adminToken: ADMIN_TOKEN,
  });

/** Cuts the payload of each jr_id's queued disposition short (a full disk); returns the rows as they were. */
function damage(dir: string, jrIds: string[]): OutboxRow[] {
  const db = new Database(path.join(dir, DATABASE_FILE_NAME));
  try {
    // All read before any is cut: json_extract fails on a row cut already.
    const rows = jrIds.map(
      (jrId) =>
        db
          .prepare("SELECT * FROM outbox WHERE kind = 'disposition' AND json_extract(payload, '$.warn_rslt_id') = ?")
          .get(jrId) as OutboxRow,
    );
    for (const row of rows)
      db.prepare('UPDATE outbox SET payload = ? WHERE id = ?').run(
        row.payload.slice(0, row.payload.length / 2),
        row.id,
      );
    return rows;
  } finally {
    db.close();
  }
}

function setAsideWarns(sidecar: LoggedSidecar): unknown[] {
  return sidecar.lines.filter((line) => line.level === 40 && line.table === 'outbox').map((line) => line.row_id);
}

describe('an outbox entry set aside as unreadable', () => {
  it('is dropped by a newer decision on its reminder, and a repaired one is not sent over a newer one', async () => {
    const dataDir = made.dataDir();
    const platform = await made.platform();
    const [jrId, otherJrId] = await decideWhilePlatformDown(dataDir, platform);
    const [r1, other] = damage(dataDir, [jrId, otherJrId]);
    expect(r1!.id).toMatch(/:r1$/);

    await platform.up();
    const second = await startSidecar(dataDir, platform.url);
    try {
      await until(() => setAsideWarns(second).length === 2);
      // The doctor changes the decision: its second revision drops the set-aside first one, by its id alone.
      const fb = await callOverHttp(second.server, feedbackEnvelope([{ jrId, way: '2', reason: '已改用其他药品' }]));
      expect(fb.body.infcode, fb.body.err_msg).toBe(0);
      await until(() => platform.deliveries.some((d) => d.body.payload.warn_rslt_id === jrId));
      expect(second.server.db.prepare('SELECT 1 FROM outbox WHERE id = ?').get(r1!.id)).toBeUndefined();
      expect(second.server.db.prepare('SELECT 1 FROM outbox WHERE id = ?').get(other!.id)).toBeDefined();
    } finally {
      await second.server.close();
    }
    const delivered = platform.deliveries.filter((d) => d.body.payload.warn_rslt_id === jrId);
    expect(delivered.map((d) => d.body.payload.dspo_way)).toEqual(['2']);

    // As an earlier build left it: the first revision set aside, then repaired by IT, after the second was sent.
    const db = new Database(path.join(dataDir, DATABASE_FILE_NAME));
    db.prepare(
      `INSERT INTO outbox (id, kind, payload, created_at, next_attempt_at, attempts, last_error)
       VALUES (?, ?, ?, ?, ?, 1, 'payload is not readable JSON')`,
    ).run(r1!.id, r1!.kind, r1!.payload, r1!.created_at, r1!.created_at);
    db.close();

    const third = await startSidecar(dataDir, platform.url);
    try {
      // Entries set aside before this start are said at start, once, as a count (the other reminder's is one).
      const atStart = third.lines.filter((line) => line.level === 40 && line.unreadable !== undefined);
      expect(atStart.map((line) => line.unreadable)).toEqual([1]);
      await until(() => third.server.db.prepare('SELECT 1 FROM outbox WHERE id = ?').get(r1!.id) === undefined);
      await pause(300);
      expect(platform.deliveries.filter((d) => d.body.payload.warn_rslt_id === jrId)).toHaveLength(1);
      expect(third.lines.some((line) => line.outbox_id === r1!.id && line.kind === 'disposition')).toBe(true);
      expect(third.lines.some((line) => (line.level as number) >= 50 || typeof line.err === 'object')).toBe(false);
    } finally {
      await third.server.close();
    }
  });

  it('can be deleted by IT through the admin route, one id at a time, and only when set aside', async () => {
    const dataDir = made.dataDir();
    const platform = await made.platform();
    const [jrId, otherJrId] = await decideWhilePlatformDown(dataDir, platform);
    const [damaged] = damage(dataDir, [jrId]);
    await platform.up();
    const sidecar = await startSidecar(dataDir, platform.url);
    const { server, base } = sidecar;
    const remove = (query: string, token = ADMIN_TOKEN) =>
      fetch(`${base}/v1/admin/outbox/delete-set-aside${query}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
    try {
      await until(() => setAsideWarns(sidecar).length === 1);
      await until(() => platform.deliveries.some((d) => d.body.payload.warn_rslt_id === otherJrId));
      const sent = server.db
        .prepare("SELECT id FROM outbox WHERE json_valid(payload) AND json_extract(payload, '$.warn_rslt_id') = ?")
        .pluck()
        .get(otherJrId) as string;

      expect((await remove(`?id=${encodeURIComponent(damaged!.id)}`, 'wrong-token')).status).toBe(401);
      const missing = await remove('');
      expect(missing.status).toBe(400);
      expect(((await missing.json()) as { error: string }).error).toMatch(/\bid\b/);
      const unknown = await remove('?id=disposition%3Anobody%3Ar1');
      expect(unknown.status).toBe(404);
      expect(((await unknown.json()) as { error: string }).error).toMatch(/^id: .*disposition:nobody:r1/);
      // Delivered, not set aside: refused, kept.
      const notSetAside = await remove(`?id=${encodeURIComponent(sent)}`);
      expect(notSetAside.status).toBe(409);
      expect(((await notSetAside.json()) as { error: string }).error).toMatch(/^id: .*not set aside/);
      expect(server.db.prepare('SELECT 1 FROM outbox WHERE id = ?').get(sent)).toBeDefined();

      const deleted = await remove(`?id=${encodeURIComponent(damaged!.id)}`);
      expect(deleted.status).toBe(200);
      expect(await deleted.json()).toEqual({ deleted: damaged!.id, kind: 'disposition', unreadable: 0 });
      expect(server.db.prepare('SELECT 1 FROM outbox WHERE id = ?').get(damaged!.id)).toBeUndefined();
      const logged = sidecar.lines.filter((line) => line.outbox_id === damaged!.id);
      expect(logged.map((line) => [line.level, line.kind])).toEqual([[40, 'disposition']]);
      // The decision itself stays in the local records.
      expect(server.db.prepare('SELECT dspo_way FROM dispositions WHERE jr_id = ?').pluck().get(jrId)).toBe('1');
      const status = (await (await fetch(`${base}/v1/status`)).json()) as { outbox: { unreadable: number } };
      expect(status.outbox.unreadable).toBe(0);
      expect(platform.deliveries.some((d) => d.body.payload.warn_rslt_id === jrId)).toBe(false);
    } finally {
      await server.close();
    }
  });
});
