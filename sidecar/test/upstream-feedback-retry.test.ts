/**
 * The gateway's 3103 outbox retries on the schedule the configuration gives (upstream.retryMinMs doubling up to
 * upstream.retryMaxMs), not on one fixed in code. The built sidecar, configured through its config file, against a
 * stand-in gateway on loopback that refuses a decision a few times before taking it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_FILE_NAME } from '../src/config';
import { CALL_SERVICE_ROUTE } from '../src/national/national-routes';
import { analysisEnvelope, feedbackEnvelope } from './fixtures/his-requests';
import { type FakeGateway, startEncounterGateway } from './helpers/fake-gateway';
import { post, type RunningSidecar, spawnSidecar } from './helpers/spawn-sidecar';
import { tempDataDir } from './helpers/test-server';
import { until } from './helpers/until';

/** Refusals before the gateway takes the decision: the first try and three retries. */
const REFUSALS = 4;
const RETRY_MS = 200;

let gateway: FakeGateway;
/** When each 3103 reached the gateway, and whether it was taken. */
const arrivals: { at: number; taken: boolean }[] = [];
let sidecar: RunningSidecar | undefined;

beforeAll(async () => {
  gateway = await startEncounterGateway(() => {
    const taken = arrivals.length >= REFUSALS;
    arrivals.push({ at: Date.now(), taken });
    // The entry's own refusal: it backs off by itself, nothing pauses the gateway as a whole.
    return taken ? { infcode: 0, err_msg: '' } : { infcode: -1, err_msg: '预警结果暂不可用' };
  });
});
afterAll(async () => {
  await sidecar?.stop();
  await gateway.close();
});

describe("the gateway's 3103 outbox retry schedule", () => {
  it('retries a refused decision after upstream.retryMinMs, and never waits longer than upstream.retryMaxMs', async () => {
    const dataDir = tempDataDir();
    fs.writeFileSync(
      path.join(dataDir, CONFIG_FILE_NAME),
      JSON.stringify({ upstream: { url: gateway.url, timeoutMs: 5_000, retryMinMs: RETRY_MS, retryMaxMs: RETRY_MS } }),
    );
    sidecar = await spawnSidecar(dataDir);
    const route = `${sidecar.url}${CALL_SERVICE_ROUTE}`;
    const analysed = await post(route, analysisEnvelope({ encounterId: 'MZ-RETRY-1' }));
    expect(analysed.output.result?.some((r) => r.jr_id === 'GW-MZ-RETRY-1')).toBe(true);
    const decided = await post(route, feedbackEnvelope([{ jrId: 'GW-MZ-RETRY-1', way: '2' }]));
    expect(decided.infcode).toBe(0);

    const gap = (i: number) => arrivals[i + 1]!.at - arrivals[i]!.at;
    await until(() => arrivals.length >= 2, 5_000);
    // The code's own schedule (1 s doubling) waits at least 800 ms before the first retry.
    expect(gap(0)).toBeLessThan(1.2 * RETRY_MS + 300);
    // Nothing acknowledged is lost: the decision reaches the gateway once it takes it.
    await until(() => arrivals.some((a) => a.taken), 10_000);
    expect(arrivals.map((a) => a.taken)).toEqual([...Array(REFUSALS).fill(false), true]);
    const gaps = arrivals.slice(1).map((_, i) => gap(i));
    // Each retry waits its interval (jitter takes at most 20 % off)...
    for (const wait of gaps) expect(wait).toBeGreaterThanOrEqual(0.8 * RETRY_MS - 5);
    // ...and no longer than retryMaxMs (+20 % jitter and the loopback round trip): doubling without the cap would
    // wait at least 640 ms before the third retry.
    for (const wait of gaps) expect(wait).toBeLessThan(1.2 * RETRY_MS + 300);
  }, 30_000);
});
