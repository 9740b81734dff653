/**
 * A set-aside outbox entry IT repairs months later must not overwrite a newer decision: the outbox forgets a
 * delivered entry after 90 days, while one set aside waits for the records window (400 days). A repaired
 * disposition is checked against the decisions (its revision), so a newer one delivered and forgotten since still
 * drops it; a 3103 carries no revision, so the 3103s delivered after a set-aside one are kept while it waits, and
 * the repaired one loses the warns they name. A real sidecar over a real SQLite file, real 3101/3103
 * over loopback HTTP for real national items, a platform and a gateway stand-in on loopback; the 90 days pass by
 * dating the stored rows back, and the forwarder's own pass forgets the delivered entries.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { DELIVERED_RETENTION_MS } from '../src/outbox/outbox-forwarder';
import type { SidecarServer } from '../src/server';
import { DATABASE_FILE_NAME } from '../src/store/database';
import { OUTBOX_KINDS, OutboxStore, UNREADABLE_PAYLOAD } from '../src/store/outbox';
import { analysisEnvelope, feedbackEnvelope } from './fixtures/his-requests';
import { capturingLogger } from './helpers/capturing-logger';
import { type FakeGateway, startEncounterGateway } from './helpers/fake-gateway';
import { type PlatformReceiver, startPlatformReceiver } from './helpers/platform-receiver';
import { type ConfigPatch, callOverHttp, tempDataDir, testServer } from './helpers/test-server';
import { until } from './helpers/until';

const DAY_MS = 24 * 3600_000;
/** A day past the 90 the forwarder keeps a delivered entry. */
const MONTHS_AGO = DELIVERED_RETENTION_MS + DAY_MS;

let dataDir: string | undefined;
let platform: PlatformReceiver | undefined;
let gateway: FakeGateway | undefined;
afterEach(async () => {
  await platform?.close();
  await gateway?.close();
  platform = undefined;
  gateway = undefined;
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A real sidecar listening on loopback: its forwarders start only then. */
async function listening(config: ConfigPatch, logger?: Logger): Promise<SidecarServer> {
  const server = await testServer(config, logger === undefined ? {} : { logger });
  await server.listen();
  return server;
}

/**
 * Dates everything the decisions and the outbox hold back by MONTHS_AGO (as if they were made then), and sets
 * `setAside` aside as unreadable, as IT left it once repaired: not delivered, due again. On the file, with the
 * sidecar closed: a running forwarder would meet the repaired entry while the newer one is still there.
 */
function monthsLaterWithRepaired(dir: string, setAside: string): void {
  const db = new Database(path.join(dir, DATABASE_FILE_NAME));
  try {
    db.transaction(() => {
      db.prepare(
        `UPDATE outbox SET created_at = created_at - @shift, next_attempt_at = next_attempt_at - @shift,
           delivered_at = delivered_at - @shift`,
      ).run({ shift: MONTHS_AGO });
      db.prepare('UPDATE dispositions SET at = at - ?').run(MONTHS_AGO);
      const repaired = db
        .prepare('UPDATE outbox SET delivered_at = NULL, last_error = ?, next_attempt_at = created_at WHERE id = ?')
        .run(UNREADABLE_PAYLOAD, setAside);
      expect(repaired.changes).toBe(1);
    })();
  } finally {
    db.close();
  }
}

const hasRow = (server: SidecarServer, id: string) =>
  server.db.prepare('SELECT 1 FROM outbox WHERE id = ?').get(id) !== undefined;

/**
 * Every entry of this kind marked delivered: the stand-in having received one is not enough, since a decision
 * stored before the forwarder marks it would supersede it in the outbox (add()), which is not the case under test.
 */
const allDelivered = (server: SidecarServer, kind: string) =>
  server.db.prepare('SELECT COUNT(*) FROM outbox WHERE kind = ? AND delivered_at IS NULL').pluck().get(kind) === 0;

/** The forwarder's own forgetting of delivered entries over 90 days old, run on the file now. */
function forgetDeliveredOn(db: Database.Database): number {
  return new OutboxStore(db, OUTBOX_KINDS).pruneDelivered(Date.now() - DELIVERED_RETENTION_MS, OUTBOX_KINDS);
}

describe('a set-aside entry repaired after the newer decision was delivered and forgotten', () => {
  it('is dropped, not sent, when it is a disposition', async () => {
    dataDir = tempDataDir();
    platform = await startPlatformReceiver();
    const config = { dataDir, platform: { url: platform.url, retryMinMs: 50, retryMaxMs: 200 } };
    const first = await listening(config);
    let jrId: string | undefined;
    let older: string | undefined;
    let newer: string | undefined;
    try {
      const answer = await callOverHttp(first, analysisEnvelope({ encounterId: 'MZ-FORGOTTEN-1' }));
      expect(answer.body.infcode, answer.body.err_msg).toBe(0);
      jrId = answer.body.output.result![0]!.jr_id;
      const ids = (): string[] =>
        first.db
          .prepare("SELECT id FROM outbox WHERE kind = 'disposition' AND json_extract(payload, '$.warn_rslt_id') = ?")
          .pluck()
          .all(jrId) as string[];
      for (const [way, reason] of [
        ['1', '患者知情同意'],
        ['2', '已改用其他药品'],
      ] as const) {
        const fb = await callOverHttp(first, feedbackEnvelope([{ jrId, way, reason }]));
        expect(fb.body.infcode, fb.body.err_msg).toBe(0);
        const n = way === '1' ? 1 : 2;
        await until(() => platform!.deliveries.filter((d) => d.body.payload.warn_rslt_id === jrId).length === n);
        await until(() => allDelivered(first, 'disposition'));
      }
      [older, newer] = ids().sort();
      expect(older).toMatch(/:r1$/);
      expect(newer).toMatch(/:r2$/);
    } finally {
      await first.close();
    }
    monthsLaterWithRepaired(dataDir, older!);

    const { logger, lines } = capturingLogger();
    const second = await listening(config, logger);
    try {
      // The forwarder's pass forgets the newer entry (delivered over 90 days ago), then meets the repaired one.
      const sentFor = () => platform!.deliveries.filter((d) => d.body.payload.warn_rslt_id === jrId!);
      await until(() => !hasRow(second, older!) || sentFor().length > 2);
      expect(hasRow(second, newer!)).toBe(false);
      await pause(300);
      const sent = sentFor();
      expect(sent.map((d) => d.body.payload.dspo_way)).toEqual(['1', '2']);
      expect(lines.some((line) => line.outbox_id === older! && line.kind === 'disposition')).toBe(true);
      expect(lines.some((line) => (line.level as number) >= 50 || typeof line.err === 'object')).toBe(false);
    } finally {
      await second.close();
    }
  });

  it('is sent without the warns a later 3103 named, when it is a 3103', async () => {
    const sent3103: string[][] = [];
    gateway = await startEncounterGateway((warnIds) => {
      sent3103.push(warnIds);
      return undefined;
    });
    dataDir = tempDataDir();
    const config = { dataDir, upstream: { url: gateway.url, timeoutMs: 5_000 } };
    const first = await listening(config);
    let older: string | undefined;
    let newer: string | undefined;
    try {
      for (const encounter of ['FORGOT-1', 'FORGOT-2'])
        await callOverHttp(first, analysisEnvelope({ encounterId: encounter }));
      const both = await callOverHttp(
        first,
        feedbackEnvelope([
          { jrId: 'GW-FORGOT-1', way: '2' },
          { jrId: 'GW-FORGOT-2', way: '2' },
        ]),
      );
      expect(both.body.infcode, both.body.err_msg).toBe(0);
      await until(() => sent3103.length === 1);
      await until(() => allDelivered(first, 'upstream_feedback'));
      const later = await callOverHttp(
        first,
        feedbackEnvelope([{ jrId: 'GW-FORGOT-1', way: '1', reason: '患者知情同意' }]),
      );
      expect(later.body.infcode, later.body.err_msg).toBe(0);
      await until(() => sent3103.length === 2);
      await until(() => allDelivered(first, 'upstream_feedback'));
      expect(sent3103).toEqual([['GW-FORGOT-1', 'GW-FORGOT-2'], ['GW-FORGOT-1']]);
      [older, newer] = first.db
        .prepare("SELECT id FROM outbox WHERE kind = 'upstream_feedback' ORDER BY created_at, rowid")
        .pluck()
        .all() as string[];
    } finally {
      await first.close();
    }
    monthsLaterWithRepaired(dataDir, older!);
    // Delivered over 90 days ago, the newer 3103 is kept all the same while the set-aside one waits.
    const file = new Database(path.join(dataDir, DATABASE_FILE_NAME));
    try {
      expect(forgetDeliveredOn(file)).toBe(0);
    } finally {
      file.close();
    }

    const { logger, lines } = capturingLogger();
    const second = await listening(config, logger);
    try {
      await until(() => sent3103.length === 3);
      // Only the warn no later 3103 named: GW-FORGOT-1's newer decision stands at the gateway.
      expect(sent3103[2]).toEqual(['GW-FORGOT-2']);
      await pause(300);
      expect(sent3103).toHaveLength(3);
      expect(lines.some((line) => line.outbox_id === older! && line.kind === 'upstream_feedback')).toBe(true);
      // Once the repaired one is delivered, nothing waits on the newer one: it is forgotten as usual.
      await until(() => allDelivered(second, 'upstream_feedback'));
      forgetDeliveredOn(second.db);
      expect(hasRow(second, newer!)).toBe(false);
    } finally {
      await second.close();
    }
  });
});

describe('a repaired set-aside 3103 and a later 3103 of the same millisecond', () => {
  it('are ordered by when they were queued, not by their random ids', async () => {
    dataDir = tempDataDir();
    const server = await listening({ dataDir });
    try {
      const answer = await callOverHttp(server, analysisEnvelope({ encounterId: 'MZ-SAME-MS-1' }));
      expect(answer.body.infcode, answer.body.err_msg).toBe(0);
      const jrId = answer.body.output.result![0]!.jr_id;
      const feedback = (way: '1' | '2', reason: string) => ({
        infno: '3103',
        data: { warn_type: '1', warns: [{ warn_rslt_id: jrId, dspo_way: way, dspo_way_rea: reason }] },
      });
      const outbox = new OutboxStore(server.db, OUTBOX_KINDS);
      const at = Date.now();
      // The earlier one sorts after the later one by id, as a random UUID does half the time.
      const earlier = 'upstream-feedback:b';
      const whole = JSON.stringify(feedback('1', '患者知情同意'));
      server.db
        .prepare(
          `INSERT INTO outbox (id, kind, payload, created_at, next_attempt_at, last_error)
           VALUES (?, 'upstream_feedback', ?, ?, ?, ?)`,
        )
        .run(earlier, whole.slice(0, whole.length / 2), at, at, UNREADABLE_PAYLOAD);
      // Queued in the same millisecond, while the earlier one could not be read to be trimmed; then delivered.
      server.db.transaction(() => outbox.add('upstream-feedback:a', 'upstream_feedback', feedback('2', ''), at))();
      outbox.markDelivered('upstream-feedback:a', at);
      server.db.prepare('UPDATE outbox SET payload = ? WHERE id = ?').run(whole, earlier);

      const repaired = outbox.due(at, 10, ['upstream_feedback']).find((entry) => entry.id === earlier);
      expect(repaired?.wasSetAside).toBe(true);
      expect(outbox.supersededSinceSetAside(repaired!, JSON.parse(repaired!.payload))).toBeUndefined();
      expect(hasRow(server, earlier)).toBe(false);
    } finally {
      await server.close();
    }
  });

  it('are ordered by insertion when the clock stepped back, and a string warn in the later one is passed over', async () => {
    dataDir = tempDataDir();
    const server = await listening({ dataDir });
    try {
      const warn = (id: string, way: '1' | '2') => ({ warn_rslt_id: id, dspo_way: way, dspo_way_rea: '' });
      const outbox = new OutboxStore(server.db, OUTBOX_KINDS);
      const at = Date.now();
      const earlier = 'upstream-feedback:stepped-1';
      const whole = JSON.stringify({
        infno: '3103',
        data: { warn_type: '1', warns: [warn('GW-A', '2'), warn('GW-B', '2')] },
      });
      server.db
        .prepare(
          `INSERT INTO outbox (id, kind, payload, created_at, next_attempt_at, last_error)
           VALUES (?, 'upstream_feedback', ?, ?, ?, ?)`,
        )
        .run(earlier, whole.slice(0, whole.length / 2), at, at, UNREADABLE_PAYLOAD);
      // Queued later, on a clock stepped back a minute, delivered; then hand-repaired with a stray string warn.
      const later = 'upstream-feedback:stepped-2';
      server.db.transaction(() =>
        outbox.add(
          later,
          'upstream_feedback',
          { infno: '3103', data: { warn_type: '1', warns: [warn('GW-A', '1')] } },
          at - 60_000,
        ),
      )();
      outbox.markDelivered(later, at - 60_000);
      server.db
        .prepare('UPDATE outbox SET payload = ? WHERE id = ?')
        .run(JSON.stringify({ infno: '3103', data: { warn_type: '1', warns: ['GW-B', warn('GW-A', '1')] } }), later);
      // Delivered long ago by its own clock, it is kept while the earlier one waits.
      expect(outbox.pruneDelivered(at + DELIVERED_RETENTION_MS * 2, OUTBOX_KINDS)).toBe(0);
      server.db.prepare('UPDATE outbox SET payload = ? WHERE id = ?').run(whole, earlier);

      const repaired = outbox.due(at, 10, ['upstream_feedback']).find((entry) => entry.id === earlier);
      expect(repaired?.wasSetAside).toBe(true);
      const sent = outbox.supersededSinceSetAside(repaired!, JSON.parse(repaired!.payload));
      // GW-A's later decision stands; the string "GW-B" names no decision, so GW-B's goes.
      expect(JSON.parse(sent!).data.warns).toEqual([warn('GW-B', '2')]);
    } finally {
      await server.close();
    }
  });

  it('is not sent from the copy in hand once a later 3103 dropped it from the outbox', async () => {
    dataDir = tempDataDir();
    const server = await listening({ dataDir });
    try {
      const warn = (way: '1' | '2') => ({ warn_rslt_id: 'GW-STALE', dspo_way: way, dspo_way_rea: '' });
      const outbox = new OutboxStore(server.db, OUTBOX_KINDS);
      const at = Date.now();
      const earlier = 'upstream-feedback:stale-1';
      server.db
        .prepare(
          `INSERT INTO outbox (id, kind, payload, created_at, next_attempt_at, last_error)
           VALUES (?, 'upstream_feedback', ?, ?, ?, ?)`,
        )
        .run(earlier, JSON.stringify({ data: { warns: [warn('2')] } }), at, at, UNREADABLE_PAYLOAD);
      // Read by the forwarder's pass (repaired), then superseded whole while an entry before it was being sent.
      const inHand = outbox.due(at, 10, ['upstream_feedback']).find((entry) => entry.id === earlier);
      expect(inHand?.wasSetAside).toBe(true);
      server.db.transaction(() =>
        outbox.add('upstream-feedback:stale-2', 'upstream_feedback', { data: { warns: [warn('1')] } }, at + 1),
      )();
      expect(hasRow(server, earlier)).toBe(false);
      expect(outbox.supersededSinceSetAside(inHand!, JSON.parse(inHand!.payload))).toBeUndefined();
    } finally {
      await server.close();
    }
  });
});
