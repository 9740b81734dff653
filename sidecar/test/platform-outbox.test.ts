import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging';
import { queueDailyFigures } from '../src/outbox/daily-figures';
import { OutboxForwarder } from '../src/outbox/outbox-forwarder';
import { platformDestination } from '../src/outbox/platform-forwarder';
import { PatientPseudonymizer } from '../src/patient-pseudonym';
import { shanghaiDay } from '../src/stats/days';
import { openFiguresReader } from '../src/stats/figures-reader';
import { openDatabase } from '../src/store/database';
import { OUTBOX_KINDS, OutboxStore } from '../src/store/outbox';
import { analysisEnvelope, feedbackEnvelope } from './fixtures/his-requests';
import { type PlatformReceiver, startPlatformReceiver } from './helpers/platform-receiver';
import { callService, tempDataDir, testServer } from './helpers/test-server';
import { until } from './helpers/until';

/** A 数据归集 receiver on loopback that records what arrives (and fails the next failNext requests). */
let platform: PlatformReceiver;
let receiverUrl: string;
let deliveries: PlatformReceiver['deliveries'];

beforeAll(async () => {
  platform = await startPlatformReceiver();
  receiverUrl = platform.url;
  deliveries = platform.deliveries;
});
afterAll(() => platform.close());

describe('outbox to the 数据归集 platform', () => {
  it('forwards each 3103 disposition exactly once by id, retrying with backoff through failures', async () => {
    deliveries.length = 0;
    platform.failNext = 2;
    const server = await testServer({ platform: { url: receiverUrl, retryMinMs: 50, retryMaxMs: 200 } });
    try {
      await server.listen();
      const results = (await callService(server, analysisEnvelope({ encounterId: 'MZ-O-1' }))).body.output.result!;
      const fb = await callService(
        server,
        feedbackEnvelope([
          { jrId: results[0]!.jr_id, way: '2' },
          { jrId: results[1]!.jr_id, way: '1', reason: '已核实' },
        ]),
      );
      expect(fb.body.infcode).toBe(0);
      await until(() => new Set(deliveries.map((d) => d.key)).size === 2);
      // The receiver keeps an entry before it answers: the sidecar marks it delivered a moment later.
      const pending = () => server.db.prepare('SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL').pluck().get();
      await until(() => pending() === 0);
      const attempts = server.db.prepare("SELECT SUM(attempts) AS n FROM outbox WHERE kind = 'disposition'").get() as {
        n: number;
      };
      expect(attempts.n).toBe(4); // two 503s, then one delivery each
      for (const d of deliveries) {
        expect(d.body.id).toBe(d.key);
        expect(d.body.kind).toBe('disposition');
        expect(d.body.payload).toMatchObject({ warn_type: '1', rule_id: 'GZ10000301004000', dept_code: 'A03.01' });
        // Patient identifiers stay on the workstation.
        expect(JSON.stringify(d.body)).not.toMatch(/44010000000001234567|王测试/);
      }
      expect(deliveries.map((d) => d.body.payload.dspo_way).sort()).toEqual(['1', '2']);
    } finally {
      await server.close();
    }
  });

  it('a changed decision supersedes its earlier revision still waiting to go, so the platform ends with the newest', async () => {
    deliveries.length = 0;
    platform.failNext = 1;
    const server = await testServer({ platform: { url: receiverUrl, retryMinMs: 1_000, retryMaxMs: 1_000 } });
    try {
      await server.listen();
      const jrId = (await callService(server, analysisEnvelope({ encounterId: 'MZ-O-9' }))).body.output.result![0]!
        .jr_id;
      await callService(server, feedbackEnvelope([{ jrId, way: '1', reason: '已核实' }]));
      const attempts = () =>
        server.db.prepare("SELECT COALESCE(SUM(attempts), 0) FROM outbox WHERE kind = 'disposition'").pluck().get();
      // Revision 1 met a 503 and backs off about a second; the doctor's change to 返回修改 goes out meanwhile.
      await until(() => attempts() === 1);
      await callService(server, feedbackEnvelope([{ jrId, way: '2' }]));
      // The receiver keeps an entry before it answers: the sidecar marks it delivered a moment later, waited for.
      const pending = () => server.db.prepare('SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL').pluck().get();
      await until(() => deliveries.length >= 1 && pending() === 0);
      // Past revision 1's backoff (about a second): a revision 1 still queued would have gone by now.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const arrived = deliveries.filter((d) => d.body.payload.warn_rslt_id === jrId).map((d) => d.body.payload);
      expect(arrived.map((p) => [p.revision, p.dspo_way])).toEqual([[2, '2']]);
      expect(deliveries[0]!.key).toMatch(new RegExp(`^disposition:[0-9a-f]{16}:${jrId}:r2$`));
      expect(pending()).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('queues nothing without a platform URL, and delivers the decisions made once one is configured', async () => {
    const dataDir = tempDataDir();
    const local = await testServer({ dataDir });
    const results = (await callService(local, analysisEnvelope({ encounterId: 'MZ-O-2' }))).body.output.result!;
    await callService(local, feedbackEnvelope([{ jrId: results[0]!.jr_id, way: '2' }]));
    expect(local.db.prepare('SELECT COUNT(*) AS n FROM outbox').get()).toEqual({ n: 0 });
    await local.close();

    deliveries.length = 0;
    const forwarding = await testServer({ dataDir, platform: { url: receiverUrl, retryMinMs: 50 } });
    try {
      await forwarding.listen();
      await callService(forwarding, feedbackEnvelope([{ jrId: results[1]!.jr_id, way: '2' }]));
      await until(() => deliveries.some((d) => d.body.kind === 'disposition'));
      expect(deliveries.filter((d) => d.body.kind === 'disposition').map((d) => d.body.payload.warn_rslt_id)).toEqual([
        results[1]!.jr_id,
      ]);
    } finally {
      await forwarding.close();
    }
  });

  it('redelivery after a lost acknowledgement carries the same key, so the receiver keeps one', async () => {
    const db = openDatabase(tempDataDir());
    const outbox = new OutboxStore(db, OUTBOX_KINDS);
    outbox.add('entry-1', 'disposition', { n: 1 }, Date.now());
    const forwarder = new OutboxForwarder(
      outbox,
      platformDestination({ url: receiverUrl, headers: {}, retryMinMs: 10, retryMaxMs: 10, timeoutMs: 10_000 }),
      createLogger({ level: 'silent' }),
    );
    deliveries.length = 0;
    await forwarder.deliverDue();
    // Simulate the acknowledgement being lost: the row is still pending, so it goes again.
    db.prepare('UPDATE outbox SET delivered_at = NULL').run();
    await forwarder.deliverDue();
    await forwarder.stop();
    expect(deliveries.map((d) => d.key)).toEqual(['entry-1', 'entry-1']);
    // The same entry both times, id included: a receiver that dedups by id keeps one.
    expect(deliveries[1]!.body).toEqual(deliveries[0]!.body);
    expect(deliveries[0]!.body.id).toBe('entry-1');
    db.close();
  });

  it('goes on when the database refuses the outbox bookkeeping, and delivers once it takes writes again', async () => {
    const db = openDatabase(tempDataDir());
    const outbox = new OutboxStore(db, OUTBOX_KINDS);
    let clock = Date.now();
    outbox.add('entry-full-disk', 'disposition', { n: 1 }, clock);
    const lines: { level: number; msg: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    // The disk is full: neither a failure nor a delivery can be marked, nor the next attempt read.
    const full = () => {
      throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    };
    const store = outbox as unknown as Record<'markFailed' | 'markDelivered' | 'nextAttemptAt', unknown>;
    const saved = {
      markFailed: store.markFailed,
      markDelivered: store.markDelivered,
      nextAttemptAt: store.nextAttemptAt,
    };
    Object.assign(store, { markFailed: full, markDelivered: full, nextAttemptAt: full });
    const forwarder = new OutboxForwarder(
      outbox,
      platformDestination({ url: receiverUrl, headers: {}, retryMinMs: 10, retryMaxMs: 20, timeoutMs: 10_000 }),
      logger,
      () => clock,
    );
    deliveries.length = 0;
    platform.failNext = 1;
    await forwarder.deliverDue(); // refused by the receiver, then markFailed throws: resolves all the same
    // The 503 paused the outbox: the next try is the probe, once the backoff (at most 24 ms) has passed.
    clock += 1_000;
    await forwarder.deliverDue(); // taken by the receiver, then markDelivered throws
    expect(lines.filter((l) => l.level === 50 && /database refused/.test(l.msg))).toHaveLength(2);
    // The disk has room again: the entry goes once more under the same id (the receiver dedups), then is marked.
    Object.assign(store, saved);
    await forwarder.deliverDue();
    await forwarder.stop();
    expect(deliveries.map((d) => d.key)).toEqual(['entry-full-disk', 'entry-full-disk']);
    expect(outbox.pending()).toBe(0);
    db.close();
  });

  it('forgets its own entries delivered over 90 days ago, keeping newer and pending ones and other kinds', async () => {
    const db = openDatabase(tempDataDir());
    const outbox = new OutboxStore(db, OUTBOX_KINDS);
    const now = Date.parse('2026-11-29T08:00:00Z');
    const day = 24 * 3600_000;
    outbox.add('old-delivered', 'disposition', {}, now - 200 * day);
    outbox.add('recent-delivered', 'disposition', {}, now - 100 * day);
    outbox.add('old-pending', 'disposition', {}, now - 200 * day);
    outbox.add('old-upstream', 'upstream_feedback', {}, now - 200 * day);
    outbox.markDelivered('old-delivered', now - 91 * day);
    outbox.markDelivered('recent-delivered', now - 89 * day);
    outbox.markDelivered('old-upstream', now - 91 * day);
    db.prepare("UPDATE outbox SET next_attempt_at = ? WHERE id = 'old-pending'").run(now + day);
    const forwarder = new OutboxForwarder(
      outbox,
      platformDestination({ url: receiverUrl, headers: {}, retryMinMs: 10, retryMaxMs: 10, timeoutMs: 10_000 }),
      createLogger({ level: 'silent' }),
      () => now,
    );
    await forwarder.deliverDue();
    await forwarder.stop();
    const ids = db.prepare('SELECT id FROM outbox ORDER BY id').pluck().all();
    // The upstream gateway's entries are its own forwarder's to forget.
    expect(ids).toEqual(['old-pending', 'old-upstream', 'recent-delivered']);
    db.close();
  });

  it('queues the daily figures of each finished day once', async () => {
    const server = await testServer();
    try {
      await callService(server, analysisEnvelope({ encounterId: 'MZ-O-3' }));
      await server.app.inject({ url: '/v1/status' }); // flush records
      const outbox = new OutboxStore(server.db, OUTBOX_KINDS);
      const figures = openFiguresReader(server.db, createLogger({ level: 'silent' }));
      const installId = new PatientPseudonymizer(Buffer.alloc(32)).installId;
      // Today's reminders are not final yet.
      expect(await queueDailyFigures(figures, server.db, outbox, { installId })).toEqual([]);
      const tomorrow = Date.now() + 86_400_000;
      const queued = await queueDailyFigures(figures, server.db, outbox, { installId }, tomorrow);
      expect(queued).toHaveLength(1);
      expect(await queueDailyFigures(figures, server.db, outbox, { installId }, tomorrow)).toEqual([]);
      const row = server.db.prepare("SELECT id, payload FROM outbox WHERE kind = 'daily_figures'").get() as {
        id: string;
        payload: string;
      };
      expect(row.id).toBe(`figures:${installId}:${queued[0]}`);
      expect(JSON.parse(row.payload)).toMatchObject({ day: queued[0], totals: { reminders: 2, pending: 2 } });
      await figures.close();
    } finally {
      await server.close();
    }
  });

  it("queues a day's figures again, as the next revision, when a late 3103 changes them", async () => {
    const server = await testServer();
    try {
      const results = (await callService(server, analysisEnvelope({ encounterId: 'MZ-O-4' }))).body.output.result!;
      await server.app.inject({ url: '/v1/status' }); // flush records
      const outbox = new OutboxStore(server.db, OUTBOX_KINDS);
      const figures = openFiguresReader(server.db, createLogger({ level: 'silent' }));
      const installId = new PatientPseudonymizer(Buffer.alloc(32)).installId;
      const tomorrow = Date.now() + 86_400_000;
      const [day] = await queueDailyFigures(figures, server.db, outbox, { installId }, tomorrow);
      // The doctor's decision arrives after the day was sent (replayed from the shim's spool, or given late).
      expect((await callService(server, feedbackEnvelope([{ jrId: results[0]!.jr_id, way: '2' }]))).body.infcode).toBe(
        0,
      );
      expect(await queueDailyFigures(figures, server.db, outbox, { installId }, tomorrow)).toEqual([day]);
      expect(await queueDailyFigures(figures, server.db, outbox, { installId }, tomorrow)).toEqual([]);
      const rows = server.db
        .prepare("SELECT id, payload FROM outbox WHERE kind = 'daily_figures' ORDER BY id")
        .all() as { id: string; payload: string }[];
      expect(rows.map((r) => r.id)).toEqual([`figures:${installId}:${day}`, `figures:${installId}:${day}:r2`]);
      expect(rows.map((r) => JSON.parse(r.payload) as { revision: number; totals: unknown })).toMatchObject([
        { revision: 1, totals: { reminders: 2, complied: 0, pending: 2 } },
        { revision: 2, totals: { reminders: 2, complied: 1, pending: 1 } },
      ]);
      await figures.close();
    } finally {
      await server.close();
    }
  });

  it('at start, queues yesterday only once the decisions the shim spooled for it are in', async () => {
    const dataDir = tempDataDir();
    const first = await testServer({ dataDir, platform: { url: receiverUrl } });
    const yesterday = Date.now() - 86_400_000;
    let jrIds: string[];
    try {
      const results = (await callService(first, analysisEnvelope({ encounterId: 'MZ-O-5' }))).body.output.result!;
      jrIds = results.map((r) => r.jr_id);
      await first.app.inject({ url: '/v1/status' }); // flush records
      first.db.prepare('UPDATE reminders SET day = ?, first_at = ?').run(shanghaiDay(yesterday), yesterday);
    } finally {
      await first.close();
    }
    // Yesterday afternoon the sidecar was down and the native shim kept the doctor's 3103 in its spool.
    const body = Buffer.from(JSON.stringify(feedbackEnvelope(jrIds.map((jrId) => ({ jrId, way: '2' })))));
    const at = yesterday + 60_000;
    fs.mkdirSync(path.join(dataDir, 'spool'), { recursive: true });
    fs.writeFileSync(
      path.join(dataDir, 'spool', `${String(at).padStart(16, '0')}-1.req`),
      Buffer.concat([
        Buffer.from(`prealert-spool 1\ninfno: 3103\ncharset: utf-8\ntime_ms: ${at}\nlength: ${body.length}\n\n`),
        body,
      ]),
    );
    const second = await testServer({ dataDir, platform: { url: receiverUrl } });
    try {
      await second.listen();
      const queued = () =>
        second.db.prepare("SELECT payload FROM outbox WHERE kind = 'daily_figures'").pluck().all() as string[];
      const deadline = Date.now() + 10_000;
      while (queued().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(queued().map((p) => (JSON.parse(p) as { totals: unknown }).totals)).toMatchObject([
        { reminders: jrIds.length, complied: jrIds.length, pending: 0 },
      ]);
    } finally {
      await second.close();
    }
  });
});
