/**
 * An unsent outbox entry whose payload is not readable JSON (a full disk, a disk fault, a hand edit) can never be sent
 * as it is: retrying it at the longest backoff for ever only wrote a warn line each time. It is set aside once, with
 * one warn line naming its id and kind, kept, not tried again, and counted for IT in /v1/status and /metrics; the
 * entries behind it are delivered; once IT repairs its payload it is sent. A real sidecar over a real SQLite file,
 * real 3101/3103 over loopback HTTP for real national items, a platform stand-in on loopback.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DATABASE_FILE_NAME } from '../src/store/database';
import { decisionsQueuedWhileDown, loggedSidecarOn, madeForEachTest } from './helpers/sidecar-with-queued-decisions';
import { until } from './helpers/until';

const ADMIN_TOKEN = 'admin-token-set-aside-0123456789';
/** In the damaged decision: it must not reach a log line. */
const REASON = '已联系家属同意用药';

const made = madeForEachTest();

const startSidecar = (dir: string, url: string) => loggedSidecarOn(dir, url, ADMIN_TOKEN);

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface StatusBody {
  counts: { outbox_pending: number; outbox_unreadable: number };
  outbox: { pending: number; unreadable: number; oldest_pending_age_s: number };
}

describe('an unsent outbox entry whose payload is not readable JSON', () => {
  it('is set aside once with one warn line, counted for IT, not tried again; the rest go; a repaired one is sent', async () => {
    const dataDir = made.dataDir();
    const platform = await made.platform();
    // Down while the decisions are given: they stay queued, as on a workstation whose platform was unreachable.
    // The damaged one first: the oldest queued, the one the forwarder meets first.
    const [damagedJrId, goodJrId] = await decisionsQueuedWhileDown(dataDir, platform, {
      encounterId: 'MZ-SET-ASIDE-1',
      reason: REASON,
      adminToken: ADMIN_TOKEN,
      apartMs: 5,
    });

    const db = new Database(path.join(dataDir, DATABASE_FILE_NAME));
    const entryId = db
      .prepare("SELECT id FROM outbox WHERE kind = 'disposition' AND json_extract(payload, '$.warn_rslt_id') = ?")
      .pluck()
      .get(damagedJrId) as string;
    const { payload, attempts } = db.prepare('SELECT payload, attempts FROM outbox WHERE id = ?').get(entryId) as {
      payload: string;
      attempts: number;
    };
    // What a full disk leaves of it: its first half.
    const damaged = payload.slice(0, Math.floor(payload.length / 2));
    db.prepare('UPDATE outbox SET payload = ? WHERE id = ?').run(damaged, entryId);
    db.close();

    await platform.up();
    const second = await startSidecar(dataDir, platform.url);
    const { server, lines, base } = second;
    try {
      await until(() => platform.deliveries.some((d) => d.body.payload.warn_rslt_id === goodJrId));
      // Several passes past the longest backoff (200 ms here), each also made at once by the admin retry.
      for (let pass = 0; pass < 4; pass++) {
        await pause(300);
        await server.app.inject({
          method: 'POST',
          url: '/v1/admin/outbox/retry',
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        });
      }
      await pause(300);

      const row = server.db
        .prepare('SELECT payload, attempts, delivered_at AS deliveredAt FROM outbox WHERE id = ?')
        .get(entryId) as { payload: string; attempts: number; deliveredAt: number | null };
      // Tried once since the damage (the attempts before it were the platform down), kept as it is.
      expect(row).toEqual({ payload: damaged, attempts: attempts + 1, deliveredAt: null });
      expect(platform.deliveries.some((d) => d.body.payload.warn_rslt_id === damagedJrId)).toBe(false);
      const warned = lines.filter((line) => line.level === 40 && line.table === 'outbox');
      expect(warned.map((line) => [line.row_id, line.kind])).toEqual([[entryId, 'disposition']]);
      for (const line of lines) expect(JSON.stringify(line)).not.toContain(REASON);

      // Visible to IT: set aside, not pending (its age would keep the backlog alarm ringing for good).
      const status = (await (await fetch(`${base}/v1/status`)).json()) as StatusBody;
      expect(status.counts.outbox_unreadable).toBe(1);
      expect(status.counts.outbox_pending).toBe(0);
      expect(status.outbox).toMatchObject({ pending: 0, unreadable: 1, oldest_pending_age_s: 0 });
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/^prealert_outbox_unreadable 1$/m);
      expect(metrics).toMatch(/^prealert_outbox_pending 0$/m);

      // IT repairs the payload: it is sent at the next pass (the admin retry makes one at once).
      server.db.prepare('UPDATE outbox SET payload = ? WHERE id = ?').run(payload, entryId);
      const retry = await fetch(`${base}/v1/admin/outbox/retry`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(retry.status).toBe(200);
      await until(() => platform.deliveries.some((d) => d.body.payload.warn_rslt_id === damagedJrId));
      const after = (await (await fetch(`${base}/v1/status`)).json()) as StatusBody;
      expect(after.outbox).toMatchObject({ pending: 0, unreadable: 0 });
      expect(lines.some((line) => (line.level as number) >= 50 || typeof line.err === 'object')).toBe(false);
    } finally {
      await server.close();
    }
  });
});
