import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging';
import { OutboxForwarder, REFUSED_ALIKE } from '../src/outbox/outbox-forwarder';
import { platformDestination } from '../src/outbox/platform-forwarder';
import { openDatabase } from '../src/store/database';
import { OUTBOX_KINDS, OutboxStore } from '../src/store/outbox';
import { analysisEnvelope, feedbackEnvelope } from './fixtures/his-requests';
import { capturingLogger } from './helpers/capturing-logger';
import { type PlatformReceiver, startPlatformReceiver } from './helpers/platform-receiver';
import { callService, tempDataDir, testServer } from './helpers/test-server';
import { until } from './helpers/until';

/**
 * The most failed deliveries a destination backing off as a whole may make in `downMs`: the first failure, then one
 * probe per interval (retryMin·2^(n-1) capped at retryMax, each at least 80 % of that for the jitter), plus one
 * for a probe already under way when the window closes. A probe that takes time to fail (a timeout) only makes fewer.
 */
function probesWithin(downMs: number, retry: { retryMinMs: number; retryMaxMs: number }): number {
  let attempts = 1;
  let elapsed = 0;
  for (let n = 1; ; n++) {
    elapsed += 0.8 * Math.min(retry.retryMaxMs, retry.retryMinMs * 2 ** (n - 1));
    if (elapsed > downMs) return attempts + 1;
    attempts++;
  }
}

let platform: PlatformReceiver;
beforeEach(async () => {
  platform = await startPlatformReceiver();
});
afterEach(() => platform.close());

type Server = Awaited<ReturnType<typeof testServer>>;

/** M encounters, each with a 3101 and a 3103 deciding both its reminders: 2·M outbox entries, spread over `overMs`. */
async function decide(server: Server, encounters: number, overMs: number, tag: string): Promise<void> {
  for (let i = 0; i < encounters; i++) {
    const results = (await callService(server, analysisEnvelope({ encounterId: `MZ-${tag}-${i}` }))).body.output
      .result!;
    const fb = await callService(
      server,
      feedbackEnvelope([
        { jrId: results[0]!.jr_id, way: '2' },
        { jrId: results[1]!.jr_id, way: '1', reason: '已核实' },
      ]),
    );
    expect(fb.body.infcode).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, overMs / encounters));
  }
}

const pending = (server: Server) =>
  server.db.prepare('SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL').pluck().get() as number;

const failedAttempts = (server: Server) =>
  server.db.prepare('SELECT COALESCE(SUM(attempts), 0) - COUNT(delivered_at) FROM outbox').pluck().get() as number;

/** Entries in the order they were written: the order the platform must get them in. */
const writtenOrder = (server: Server) =>
  server.db.prepare('SELECT id FROM outbox ORDER BY created_at, id').pluck().all() as string[];

function outboxLines(lines: Record<string, unknown>[]) {
  const ours = lines.filter((l) => typeof l.msg === 'string' && /^platform /.test(l.msg));
  return {
    warnings: ours.filter((l) => (l.level as number) >= 40),
    unreachable: ours.filter((l) => l.level === 40 && /unreachable/.test(l.msg as string)),
    back: ours.filter((l) => l.level === 30 && /reachable again/.test(l.msg as string)),
  };
}

describe('the outbox while the 数据归集 platform is down', () => {
  it('refused connections: one probe per backoff interval whatever arrives, one line down and one back, then every entry once, oldest first', async () => {
    const retry = { retryMinMs: 100, retryMaxMs: 400 };
    const { logger, lines } = capturingLogger('info');
    await platform.down();
    const server = await testServer({ platform: { url: platform.url, ...retry } }, { logger });
    try {
      await server.listen();
      const encounters = 15;
      const downFrom = Date.now();
      await decide(server, encounters, 2_500, 'DOWN');
      const entries = 2 * encounters;
      expect(pending(server)).toBe(entries);
      const failed = failedAttempts(server);
      const downMs = Date.now() - downFrom;
      // Per entry, as before, this was one failure per entry per interval: well over a hundred here.
      expect(failed).toBeLessThanOrEqual(probesWithin(downMs, retry));
      expect(failed).toBeLessThan(entries);

      const metrics = (await server.app.inject({ url: '/metrics' })).payload;
      expect(metrics).toMatch(/prealert_outbox_paused\{destination="platform"\} 1/);
      expect(Number(/^prealert_outbox_oldest_pending_age_seconds (\S+)$/m.exec(metrics)?.[1])).toBeGreaterThan(1.5);
      const status = JSON.parse((await server.app.inject({ url: '/v1/status' })).payload);
      expect(status.outbox).toMatchObject({ pending: entries, destinations: [{ name: 'platform', paused: true }] });
      expect(status.outbox.destinations[0].reason).toMatch(/ECONNREFUSED/);
      // The same age as the gauge's, in whole seconds.
      expect(status.outbox.oldest_pending_age_s).toBeGreaterThanOrEqual(2);

      await platform.up();
      await until(() => new Set(platform.deliveries.map((d) => d.key)).size === entries, 10_000);
      await until(() => outboxLines(lines).back.length === 1);
      expect(platform.deliveries.map((d) => d.key)).toEqual(writtenOrder(server));
      expect(pending(server)).toBe(0);

      const log = outboxLines(lines);
      expect(log.unreachable).toHaveLength(1);
      expect(log.unreachable[0]).toMatchObject({
        pending: expect.any(Number),
        reason: expect.stringMatching(/ECONNREFUSED/),
      });
      expect(log.warnings).toHaveLength(1);
      expect(log.back[0]).toMatchObject({ delivered: entries, pending: 0 });
      expect(log.back[0]!.down_s).toBeGreaterThanOrEqual(2);
      const after = (await server.app.inject({ url: '/metrics' })).payload;
      expect(after).toMatch(/prealert_outbox_paused\{destination="platform"\} 0/);
      expect(after).toMatch(/^prealert_outbox_oldest_pending_age_seconds 0$/m);
      expect(JSON.parse((await server.app.inject({ url: '/v1/status' })).payload).outbox.oldest_pending_age_s).toBe(0);
    } finally {
      await server.close();
    }
  }, 30_000);

  it('a platform that hangs: each delivery times out, and a timeout pauses the outbox like a refusal', async () => {
    const retry = { retryMinMs: 300, retryMaxMs: 600 };
    const timeoutMs = 100;
    const { logger, lines } = capturingLogger('info');
    platform.hang = true;
    const server = await testServer({ platform: { url: platform.url, ...retry, timeoutMs } }, { logger });
    try {
      await server.listen();
      const encounters = 12;
      const downFrom = Date.now();
      await decide(server, encounters, 2_500, 'HANG');
      const entries = 2 * encounters;
      const downMs = Date.now() - downFrom;
      // One entry after another, each waiting out its timeout, would have made a request every 100 ms.
      expect(platform.requests).toBeLessThanOrEqual(probesWithin(downMs, retry));
      expect(platform.requests).toBeLessThan(entries);

      platform.hang = false;
      await until(() => new Set(platform.deliveries.map((d) => d.key)).size === entries, 10_000);
      await until(() => outboxLines(lines).back.length === 1);
      expect(platform.deliveries.map((d) => d.key)).toEqual(writtenOrder(server));
      const log = outboxLines(lines);
      expect(log.unreachable).toHaveLength(1);
      expect(log.unreachable[0]!.reason).toMatch(/timeout|aborted/i);
      expect(log.warnings).toHaveLength(1);
    } finally {
      await server.close();
    }
  }, 30_000);
});

describe('an entry the platform refuses', () => {
  it('backs off alone (HTTP 422): the others go on and the outbox does not pause', async () => {
    const db = openDatabase(tempDataDir());
    const outbox = new OutboxStore(db, OUTBOX_KINDS);
    const now = Date.now();
    for (const [i, id] of ['a', 'refused', 'b', 'c'].entries()) outbox.add(id, 'disposition', { i }, now + i);
    platform.refuse = (key) => (key === 'refused' ? 422 : undefined);
    const forwarder = new OutboxForwarder(
      outbox,
      platformDestination({ url: platform.url, headers: {}, retryMinMs: 60_000, retryMaxMs: 60_000, timeoutMs: 5_000 }),
      createLogger({ level: 'silent' }),
    );
    try {
      await forwarder.deliverDue();
      expect(platform.deliveries.map((d) => d.key)).toEqual(['a', 'b', 'c']);
      expect(forwarder.state().paused).toBe(false);
      const row = db.prepare("SELECT attempts, next_attempt_at, last_error FROM outbox WHERE id = 'refused'").get() as {
        attempts: number;
        next_attempt_at: number;
        last_error: string;
      };
      expect(row).toMatchObject({ attempts: 1, last_error: 'HTTP 422' });
      expect(row.next_attempt_at).toBeGreaterThan(now + 40_000);
    } finally {
      await forwarder.stop();
      db.close();
    }
  });

  it('the same 4xx for REFUSED_ALIKE different entries in a row is the platform refusing everything: the outbox pauses', async () => {
    const db = openDatabase(tempDataDir());
    const outbox = new OutboxStore(db, OUTBOX_KINDS);
    const now = Date.now();
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const [i, id] of ids.entries()) outbox.add(id, 'disposition', { i }, now - 10 + i);
    platform.refuse = () => 400;
    const { logger, lines } = capturingLogger('info');
    const forwarder = new OutboxForwarder(
      outbox,
      platformDestination({ url: platform.url, headers: {}, retryMinMs: 60_000, retryMaxMs: 60_000, timeoutMs: 5_000 }),
      logger,
    );
    try {
      await forwarder.deliverDue();
      // Entry by entry, all six were refused, a warning each, and would be again at every interval.
      expect(platform.requests).toBe(REFUSED_ALIKE);
      expect(forwarder.state()).toMatchObject({ paused: true, reason: expect.stringMatching(/^HTTP 400, alike/) });
      expect(outboxLines(lines).warnings).toHaveLength(1);
      platform.refuse = () => undefined;
      outbox.retryAllNow(Date.now());
      forwarder.retryNow();
      await until(() => platform.deliveries.length === ids.length);
      expect(platform.deliveries.map((d) => d.key)).toEqual(ids);
      expect(forwarder.state().paused).toBe(false);
    } finally {
      await forwarder.stop();
      db.close();
    }
  });

  // 401/403: the configured token; 404: the configured URL. Every entry would meet them alike.
  it.each([429, 408, 503, 401, 403, 404])(
    'HTTP %i is the platform, not the entry: the outbox pauses',
    async (status) => {
      const db = openDatabase(tempDataDir());
      const outbox = new OutboxStore(db, OUTBOX_KINDS);
      const now = Date.now();
      // Written in the past: d, written a moment later, must come after c even within the same millisecond.
      for (const [i, id] of ['a', 'b', 'c'].entries()) outbox.add(id, 'disposition', { i }, now - 10 + i);
      platform.refuse = () => status;
      const forwarder = new OutboxForwarder(
        outbox,
        platformDestination({
          url: platform.url,
          headers: {},
          retryMinMs: 60_000,
          retryMaxMs: 60_000,
          timeoutMs: 5_000,
        }),
        createLogger({ level: 'silent' }),
      );
      try {
        await forwarder.deliverDue();
        // The first answer stopped the pass: b and c were not tried.
        expect(platform.requests).toBe(1);
        expect(forwarder.state()).toMatchObject({ paused: true, reason: `HTTP ${status}`, failures: 1 });
        // A new entry while paused waits for the probe.
        outbox.add('d', 'disposition', {}, Date.now());
        forwarder.kick();
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(platform.requests).toBe(1);
        // The admin's retry (POST /v1/admin/outbox/retry) probes at once; the platform takes it and the rest follow in
        // order. The probe that got the error waited on its own as well; the admin's retry makes it due again.
        platform.refuse = () => undefined;
        outbox.retryAllNow(Date.now());
        forwarder.retryNow();
        await until(() => platform.deliveries.length === 4);
        expect(platform.deliveries.map((d) => d.key)).toEqual(['a', 'b', 'c', 'd']);
        expect(forwarder.state().paused).toBe(false);
      } finally {
        await forwarder.stop();
        db.close();
      }
    },
  );

  it('an entry the platform fails on with 500 every time does not hold up the entries behind it', async () => {
    const db = openDatabase(tempDataDir());
    const outbox = new OutboxStore(db, OUTBOX_KINDS);
    const now = Date.now();
    for (const [i, id] of ['poison', 'b', 'c'].entries()) outbox.add(id, 'disposition', { i }, now + i);
    platform.refuse = (key) => (key === 'poison' ? 500 : undefined);
    const forwarder = new OutboxForwarder(
      outbox,
      platformDestination({ url: platform.url, headers: {}, retryMinMs: 50, retryMaxMs: 100, timeoutMs: 5_000 }),
      createLogger({ level: 'silent' }),
    );
    try {
      forwarder.start();
      // The platform counts c when its request arrives; the outbox marks it delivered only once the answer is back.
      await until(() => platform.deliveries.length === 2 && outbox.pending() === 1, 5_000);
      expect(platform.deliveries.map((d) => d.key)).toEqual(['b', 'c']);
      expect(outbox.pending()).toBe(1);
    } finally {
      await forwarder.stop();
      db.close();
    }
  });
});
