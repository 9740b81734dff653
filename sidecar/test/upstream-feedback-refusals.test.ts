import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFUSED_ALIKE } from '../src/outbox/outbox-forwarder';
import { analysisEnvelope, feedbackEnvelope } from './fixtures/his-requests';
import { capturingLogger } from './helpers/capturing-logger';
import { type FakeGateway, startEncounterGateway } from './helpers/fake-gateway';
import { callService, testServer } from './helpers/test-server';
import { until } from './helpers/until';

/**
 * The gateway's 3103 outbox (provincial-gateway.ts feedbackDestination, at the default upstream.retryMinMs 1 s
 * doubling up to upstream.retryMaxMs 300 s), against a stand-in gateway on loopback: a refusal is `infcode` -1
 * whatever it is about, so whether it is the entry's or the gateway's shows only across entries.
 */
const RETRY = { retryMinMs: 1_000, retryMaxMs: 300_000 };

/** Set by each test: the 3103 answer for the warn_rslt_ids it carries; 3101 always gets one result per encounter. */
let answer3103: (warnIds: string[]) => { infcode: unknown; err_msg: unknown };
let gateway: FakeGateway;
const sent3103: string[][] = [];

beforeAll(async () => {
  gateway = await startEncounterGateway((ids) => {
    sent3103.push(ids);
    return answer3103(ids);
  });
});
afterAll(() => gateway.close());

type Server = Awaited<ReturnType<typeof testServer>>;

/** A 3101 and the doctor's 3103 on the gateway's result, for each encounter: one gateway outbox entry each. */
async function decide(server: Server, encounters: string[], overMs: number): Promise<void> {
  for (const encounter of encounters) {
    await callService(server, analysisEnvelope({ encounterId: encounter }));
    const fb = await callService(server, feedbackEnvelope([{ jrId: `GW-${encounter}`, way: '2' }]));
    expect(fb.body.infcode).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, overMs / encounters.length));
  }
}

const pending = (server: Server) =>
  server.db
    .prepare("SELECT COUNT(*) FROM outbox WHERE kind = 'upstream_feedback' AND delivered_at IS NULL")
    .pluck()
    .get() as number;

const accepted = { infcode: 0, err_msg: '' };

/** The outbox's lines about the gateway: warnings, and the one saying it takes entries again. */
function gatewayLines(lines: Record<string, unknown>[]) {
  const ours = lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('upstream gateway 3103 '));
  return {
    warnings: ours.filter((l) => (l.level as number) >= 40),
    back: ours.filter((l) => l.level === 30),
  };
}

/** As in outbox-outage.test.ts: the first failure, one probe per interval (≥ 80 % of it), one under way at the end. */
function probesWithin(downMs: number): number {
  let attempts = 1;
  let elapsed = 0;
  for (let n = 1; ; n++) {
    elapsed += 0.8 * Math.min(RETRY.retryMaxMs, RETRY.retryMinMs * 2 ** (n - 1));
    if (elapsed > downMs) return attempts + 1;
    attempts++;
  }
}

describe("the gateway's 3103 outbox when the gateway refuses", () => {
  it('every entry alike (FSI-签名错误): it pauses, probes once per interval, warns once, and drains when the gateway takes them', async () => {
    const { logger, lines } = capturingLogger('info');
    answer3103 = () => ({ infcode: -1, err_msg: 'FSI-签名错误' });
    sent3103.length = 0;
    const server = await testServer({ upstream: { url: gateway.url, timeoutMs: 5_000 } }, { logger });
    try {
      await server.listen();
      const encounters = Array.from({ length: 16 }, (_, i) => `MZ-SIG-${i}`);
      const from = Date.now();
      await decide(server, encounters, 3_000);
      const downMs = Date.now() - from;
      expect(pending(server)).toBe(encounters.length);
      // Entry by entry, each of the 16 went at once and again after 1 s and 2 s: about 40 refusals, a warning each.
      const refused = sent3103.length;
      expect(refused).toBeLessThan(encounters.length);
      expect(refused).toBeLessThanOrEqual(REFUSED_ALIKE - 1 + probesWithin(downMs));
      expect(gatewayLines(lines).warnings).toHaveLength(1);

      const metrics = (await server.app.inject({ url: '/metrics' })).payload;
      expect(metrics).toMatch(/prealert_outbox_paused\{destination="upstream gateway 3103"\} 1/);
      const status = JSON.parse((await server.app.inject({ url: '/v1/status' })).payload) as {
        outbox: { destinations: { name: string; paused: boolean; reason: string }[] };
      };
      const state = status.outbox.destinations.find((d) => d.name === 'upstream gateway 3103');
      expect(state).toMatchObject({ paused: true, reason: expect.stringMatching(/^infcode -1 .*alike/) });

      const beforeAccepting = gatewayLines(lines).warnings;
      expect(beforeAccepting).toHaveLength(1);
      expect(beforeAccepting[0]).toMatchObject({
        msg: expect.stringMatching(/refuses every entry alike/),
        pending: expect.any(Number),
      });

      answer3103 = () => accepted;
      await until(() => pending(server) === 0, 20_000);
      await until(() => gatewayLines(lines).back.length === 1);
      const log = gatewayLines(lines);
      expect(log.warnings).toHaveLength(1);
      expect(log.back).toHaveLength(1);
      expect(log.back[0]).toMatchObject({ msg: expect.stringMatching(/takes entries again/) });
      // Each decision reached the gateway (taken once, after its refusals).
      expect(new Set(sent3103.flat())).toEqual(new Set(encounters.map((e) => `GW-${e}`)));
      expect(JSON.stringify(lines)).not.toContain('签名错误');
      const after = (await server.app.inject({ url: '/metrics' })).payload;
      expect(after).toMatch(/prealert_outbox_paused\{destination="upstream gateway 3103"\} 0/);
    } finally {
      await server.close();
    }
  }, 40_000);

  it('an entry refused with its own error among accepted ones backs off alone, however often it is refused', async () => {
    const { logger, lines } = capturingLogger('info');
    let badEntries: string[] = [];
    const bad = ['MZ-OWN-B1', 'MZ-OWN-B2', 'MZ-OWN-B3'];
    // Each refusal names its own patient: not alike, however many come in a row.
    answer3103 = (ids) => {
      const refusedFor = bad.find((e) => ids.includes(`GW-${e}`));
      return refusedFor ? { infcode: -1, err_msg: `参保人${refusedFor}的预警结果不存在` } : accepted;
    };
    sent3103.length = 0;
    const server = await testServer({ upstream: { url: gateway.url, timeoutMs: 5_000 } }, { logger });
    try {
      await server.listen();
      const good = ['MZ-OWN-G1', 'MZ-OWN-G2'];
      await decide(server, [good[0]!, ...bad, good[1]!], 200);
      // The bad ones are tried again after 1 s, 2 s, …: each is refused alike over and over, by itself.
      await until(() => sent3103.filter((ids) => ids[0] === `GW-${bad[0]}`).length >= 3, 10_000);
      const goodLater = ['MZ-OWN-G3', 'MZ-OWN-G4'];
      await decide(server, goodLater, 0);
      // New entries leave at once: nothing paused the outbox.
      await until(() => pending(server) === bad.length, 2_000);
      badEntries = server.db
        .prepare("SELECT id FROM outbox WHERE kind = 'upstream_feedback' AND delivered_at IS NULL")
        .pluck()
        .all() as string[];

      const status = JSON.parse((await server.app.inject({ url: '/v1/status' })).payload) as {
        outbox: { destinations: { name: string; paused: boolean }[] };
      };
      expect(status.outbox.destinations.find((d) => d.name === 'upstream gateway 3103')?.paused).toBe(false);
      const tried = new Set(sent3103.flat());
      for (const e of [...good, ...goodLater]) expect(tried.has(`GW-${e}`)).toBe(true);
      const delivered = server.db
        .prepare("SELECT COUNT(*) FROM outbox WHERE kind = 'upstream_feedback' AND delivered_at IS NOT NULL")
        .pluck()
        .get();
      expect(delivered).toBe(good.length + goodLater.length);
    } finally {
      await server.close();
    }
    // Closed: every refusal has been answered and logged. A warning per refusal, naming its entry; none about the
    // gateway as a whole.
    const log = gatewayLines(lines);
    expect(log.warnings.every((l) => /refused an entry/.test(l.msg as string))).toBe(true);
    expect(log.warnings).toHaveLength(sent3103.filter((ids) => bad.some((e) => ids.includes(`GW-${e}`))).length);
    expect(new Set(log.warnings.map((l) => l.outbox_id))).toEqual(new Set(badEntries));
  }, 30_000);
  it('a refusal whose fields are JSON objects is still a refusal of the entry, and the entry goes once accepted', async () => {
    // Number() and String() of a JSON object with a "toString" key throw: the refusal must still be read as one.
    let odd = true;
    answer3103 = () => (odd ? { infcode: { toString: 1 }, err_msg: { toString: 1 } } : accepted);
    sent3103.length = 0;
    const server = await testServer({ upstream: { url: gateway.url, timeoutMs: 5_000 } });
    try {
      await server.listen();
      await decide(server, ['MZ-ODD-1'], 0);
      const lastError = () =>
        server.db
          .prepare("SELECT last_error FROM outbox WHERE kind = 'upstream_feedback' AND last_error IS NOT NULL")
          .pluck()
          .get() as string | undefined;
      await until(() => lastError() !== undefined, 5_000);
      expect(lastError()).toMatch(/^infcode /);
      odd = false;
      await until(() => pending(server) === 0, 10_000);
    } finally {
      await server.close();
    }
  }, 20_000);
});
