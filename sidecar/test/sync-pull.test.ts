import fs from 'node:fs';
import path from 'node:path';
import { analyze } from '@prealert/core';
import type { WrittenBundle } from '@prealert/rules-cache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProvincialPlatform, startPlatform } from '../../examples/provincial-platform/src/platform-server';
import { analysisInput } from '../../packages/core/test/support/requests';
import type { LibraryHolder } from '../src/library-holder';
import type { LibrarySync, PollOutcome } from '../src/sync/library-sync';
import {
  ADDED_BY_REVISION,
  BundleFactory,
  DROPPED_BY_REVISION,
  heldBackLabel,
  provincialCsv,
  requestsAfter,
  V1,
  V2,
  Workstations,
  waitFor,
} from './sync-support';

let platform: ProvincialPlatform;
let bundles: BundleFactory;
let v1: WrittenBundle;
let v2: WrittenBundle;
let v3: WrittenBundle;
const workstations = new Workstations();
const freshDataDir = (name: string) => workstations.freshDataDir(name);

beforeAll(async () => {
  bundles = new BundleFactory();
  v1 = bundles.write('v1', bundles.library(V1));
  v2 = bundles.write('v2', bundles.library(V2, { revision: true }), v1);
  v3 = bundles.write(
    'v3',
    bundles.library('prov44-2026.11', { revision: true, extra: [provincialCsv(bundles.dir)] }),
    v2,
  );
  platform = await startPlatform();
});

afterAll(async () => {
  await workstations.cleanup();
  await platform?.close();
  fs.rmSync(bundles.dir, { recursive: true, force: true });
});

function newSync(dataDir: string, env: Record<string, string> = {}, adminEnabled = false, useWorker = true) {
  return workstations.follow(platform, bundles.keys, dataDir, { env, adminEnabled, useWorker, timeoutS: 1 });
}

/** The outcomes that tell the versions apart (see sync-support.ts). */
function fires(holder: LibraryHolder, item: { code: string; gend: string }): boolean {
  const input = analysisInput({ gend: item.gend, lines: [{ code: item.code }] });
  const out = analyze(holder.get()!.compiled, input, { infno: '3101', now: new Date('2026-11-20T10:00:00+08:00') });
  if (!out.ok) throw new Error(out.message);
  return out.output.result.length > 0;
}

function firesForWoman(holder: LibraryHolder): boolean {
  return fires(holder, ADDED_BY_REVISION);
}

function requestsSince(n: number) {
  return requestsAfter(platform, n);
}

describe('pulling bundles from the platform', () => {
  const dataDir = freshDataDir('pull');
  let holder: LibraryHolder;
  let sync: LibrarySync;

  beforeAll(async () => {
    ({ holder, sync } = newSync(dataDir));
    await sync.restore();
  });

  it('starts on the bundled national library and records it as current', () => {
    expect(holder.get()!.info).toMatchObject({ version: V2, source: 'bundled' });
    expect(sync.store.current).toMatchObject({ version: V2, sha256: null, origin: 'bundled' });
    expect(sync.status().library).toMatchObject({ origin: 'bundled' });
  });

  it('activates the published batches (full), then costs a 304 per poll', async () => {
    platform.publish(v1.dir);
    const mark = platform.requests.length;
    const outcome = await sync.pollNow();
    expect(outcome).toMatchObject({
      outcome: 'activated',
      report: { version: V1, path: 'full', version_before: V2, reader: 'worker' },
    });
    expect(holder.get()!.info).toMatchObject({ version: V1, source: 'sync' });
    expect(firesForWoman(holder)).toBe(false);
    expect(fires(holder, DROPPED_BY_REVISION)).toBe(true);
    expect(await sync.pollNow()).toEqual({ outcome: 'not_modified' });
    expect(requestsSince(mark)).toEqual(['manifest 200', 'library 200', 'manifest 304']);
    expect(sync.store.current).toMatchObject({ version: V1, sha256: v1.manifest.signed.library.sha256 });
    expect(sync.store.previous).toMatchObject({ version: V2, origin: 'bundled' });
    const status = sync.status();
    expect(status.current_etag).toMatch(/^"/);
    expect(status.last_error).toBeNull();
    expect(status.stale).toBe(false);
  });

  it('takes the 2026-01 revision as a delta, and the outcome flips', async () => {
    platform.publish(v2.dir);
    const mark = platform.requests.length;
    const outcome = await sync.pollNow();
    expect(outcome).toMatchObject({ outcome: 'activated', report: { version: V2, path: 'delta', reader: 'worker' } });
    const report = (outcome as Extract<PollOutcome, { outcome: 'activated' }>).report;
    expect(report.bytes_received).toBe(v2.manifest.signed.delta!.size);
    expect(requestsSince(mark)).toEqual(['manifest 200', 'delta 200']);
    expect(firesForWoman(holder)).toBe(true);
    expect(fires(holder, DROPPED_BY_REVISION)).toBe(false);
    // The stored library is the full file, byte for byte, though only the delta travelled.
    const stored = fs.readFileSync(sync.store.files(sync.store.current!)!.library);
    expect(stored.equals(fs.readFileSync(path.join(v2.dir, v2.libraryFile)))).toBe(true);
  });

  it('reads the library on its own thread, in slices, when told not to start a worker: same versions, same answers', async () => {
    const { holder: own, sync: inThread } = newSync(freshDataDir('pull-in-thread'), {}, false, false);
    await inThread.restore();
    platform.publish(v1.dir);
    expect(await inThread.pollNow()).toMatchObject({
      outcome: 'activated',
      report: { version: V1, path: 'full', reader: 'in-thread' },
    });
    expect(firesForWoman(own)).toBe(false);
    expect(fires(own, DROPPED_BY_REVISION)).toBe(true);
    platform.publish(v2.dir);
    expect(await inThread.pollNow()).toMatchObject({
      outcome: 'activated',
      report: { version: V2, path: 'delta', reader: 'in-thread' },
    });
    expect(firesForWoman(own)).toBe(true);
    expect(fires(own, DROPPED_BY_REVISION)).toBe(false);
  });

  const faults = [
    { name: 'HTTP 5xx', fault: { kind: 'status', status: 503 }, error: /HTTP 503/ },
    { name: 'a slow answer', fault: { kind: 'slow', delayMs: 2_500 }, error: /no answer within 1000 ms/ },
    { name: 'a cut connection', fault: { kind: 'reset' }, error: /GET .*manifest\.json/ },
    { name: 'a bad signature', fault: { kind: 'bad_signature' }, error: /does not verify/ },
    {
      name: 'a truncated body',
      fault: { kind: 'truncate', target: 'payload' },
      error: /delta-|library-|closed|terminated/,
    },
    { name: 'a wrong hash', fault: { kind: 'wrong_hash', target: 'payload' }, error: /sha256 .* differs/ },
  ] as const;

  for (const { name, fault, error } of faults) {
    it(`keeps the active library on ${name}, and says so in status`, async () => {
      platform.publish(v3.dir);
      platform.inject(fault);
      const outcome = await sync.pollNow();
      platform.clearFaults();
      expect(outcome.outcome).toBe('failed');
      expect(holder.get()!.info.version).toBe(V2);
      const status = sync.status();
      expect(status.last_error).toMatch(error);
      expect(status.consecutive_failures).toBeGreaterThan(0);
      expect(status.library?.version).toBe(V2);
      expect(fs.readdirSync(path.join(sync.store.dir, 'staging'))).toEqual([]);
    });
  }

  it('falls back from a damaged delta to the full library', async () => {
    platform.inject({ kind: 'wrong_hash', target: 'delta', times: 1 });
    const outcome = await sync.pollNow();
    expect(outcome).toMatchObject({ outcome: 'activated', report: { version: 'prov44-2026.11', path: 'full' } });
    expect((outcome as Extract<PollOutcome, { outcome: 'activated' }>).report.delta_error).toMatch(/differs/);
    expect(sync.status()).toMatchObject({ last_error: null, consecutive_failures: 0 });
  });

  it('refuses a manifest older than one already pulled (a replay)', async () => {
    platform.publish(v1.dir);
    const outcome = await sync.pollNow();
    expect(outcome).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/replayed/) });
    expect(holder.get()!.info.version).toBe('prov44-2026.11');
  });

  it('refuses a bundle signed by a key it does not trust', async () => {
    const stranger = new BundleFactory();
    const foreign = stranger.write(
      'foreign',
      stranger.library('foreign-1', { createdAt: new Date(Date.now() + 86_400_000).toISOString() }),
    );
    platform.publish(foreign.dir);
    const outcome = await sync.pollNow();
    expect(outcome).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/untrusted key/) });
    expect(holder.get()!.info.version).toBe('prov44-2026.11');
    fs.rmSync(stranger.dir, { recursive: true, force: true });
  });

  it('rolls back to the previous version and does not pull the one it left again', async () => {
    platform.publish(v3.dir);
    const report = await sync.rollback();
    expect(report).toMatchObject({ version_before: 'prov44-2026.11', version: V2, path: 'stored' });
    expect(holder.get()!.info).toMatchObject({ version: V2, source: 'rollback' });
    expect(await sync.pollNow()).toMatchObject({ outcome: 'held_back', version: 'prov44-2026.11' });
    expect(holder.get()!.info.version).toBe(V2);
    expect(sync.status().held_back).toEqual([heldBackLabel(v3)]);
  });

  it('restarts on the last-good library, without the network', async () => {
    const { holder: again, sync: restarted } = newSync(dataDir, {
      PREALERT_SYNC_URL: '',
      PREALERT_SYNC_PUBKEY: bundles.keys.publicKeyFile,
    });
    await restarted.restore();
    expect(again.get()!.info).toMatchObject({ version: V2, source: 'last-good' });
    expect(firesForWoman(again)).toBe(true);
  });

  it('restarts on the version before when the last-good files are damaged', async () => {
    const current = sync.store.current!;
    const file = sync.store.files(current)!.library;
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 10));
    const { holder: again, sync: restarted } = newSync(dataDir);
    await restarted.restore();
    expect(again.get()!.info).toMatchObject({ version: 'prov44-2026.11', source: 'last-good' });
    expect(restarted.status().last_error).toMatch(/unusable/);
  });
});

describe('staleness', () => {
  it('a library not confirmed within the maximum age is stale; serving or not is configurable', async () => {
    platform.clearFaults();
    platform.publish(v1.dir);
    const { sync } = newSync(freshDataDir('stale'), {
      PREALERT_SYNC_MAX_AGE_S: '1',
      PREALERT_SYNC_WHEN_STALE: 'refuse',
    });
    await sync.restore();
    // Just installed: the bundled library's maximum age counts from this first start (see sync-fresh-install-stale).
    expect(sync.staleness()).toMatchObject({ stale: false, serving: true });
    await sync.pollNow();
    expect(sync.staleness().stale).toBe(false);
    platform.inject({ kind: 'status', status: 502 });
    await sync.pollNow();
    await new Promise((r) => setTimeout(r, 1_100));
    const s = sync.staleness();
    platform.clearFaults();
    expect(s).toMatchObject({ stale: true, serving: false });
    expect(s.reason).toMatch(/not confirmed current .*HTTP 502/);
    expect(sync.status()).toMatchObject({ stale: true, stale_policy: 'refuse' });
  });
});

describe('polling by itself', () => {
  it('polls on its interval, backs off on errors and recovers', async () => {
    platform.clearFaults();
    platform.publish(v2.dir);
    const { holder, sync } = newSync(freshDataDir('timer'), {
      PREALERT_SYNC_INTERVAL_S: '0.2',
      PREALERT_SYNC_RETRY_MIN_S: '0.2',
      PREALERT_SYNC_RETRY_MAX_S: '0.4',
    });
    await sync.restore();
    platform.inject({ kind: 'status', status: 500, times: 2 });
    const mark = platform.requests.length;
    sync.startPolling();
    // Stopped whatever fails: a sync left polling the shared platform would count in the next tests' requests.
    try {
      const deadline = Date.now() + 10_000;
      while (holder.get()!.info.source !== 'sync' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(holder.get()!.info).toMatchObject({ version: V2, source: 'sync' });
      expect(platform.requests.slice(mark).filter((r) => r.status === 500)).toHaveLength(2);
      const polls = platform.requests.length;
      await new Promise((r) => setTimeout(r, 700));
      expect(platform.requests.length).toBeGreaterThan(polls);
      expect(platform.requests.at(-1)).toMatchObject({ target: 'manifest', status: 304 });
      // While a poll is under way no next one is planned (next_poll_at null): on a loaded machine the status may be
      // read then, so it is read until that poll has ended.
      const scheduled = Date.now() + 5_000;
      while (sync.status().next_poll_at === null && Date.now() < scheduled) await new Promise((r) => setTimeout(r, 20));
      expect(sync.status().next_poll_at).not.toBeNull();
    } finally {
      await sync.stop();
    }
  });
});

describe("an admin's sync now while a poll is under way", () => {
  it('answers with the activation it waited for, then polls again; a later sync now is not modified', async () => {
    platform.clearFaults();
    platform.publish(v1.dir);
    const { holder, sync } = newSync(freshDataDir('joined'));
    await sync.restore();
    try {
      const mark = platform.requests.length;
      // The timer's poll (as the first one after a start is) has begun when IT's request comes.
      const timers = sync.pollNow();
      const asked = sync.pollNow({ fresh: true });
      const taken = { outcome: 'activated', report: { version: V1, version_before: V2 } };
      expect(await timers).toMatchObject(taken);
      expect(await asked).toMatchObject(taken);
      // IT's request did poll the platform again after the timer's poll, and found nothing newer.
      expect(requestsSince(mark)).toEqual(['manifest 200', 'library 200', 'manifest 304']);
      expect(holder.get()!.info).toMatchObject({ version: V1, source: 'sync' });
      expect(await sync.pollNow({ fresh: true })).toEqual({ outcome: 'not_modified' });
    } finally {
      await sync.stop();
    }
  });

  it('is not modified when the library it waited for was rolled back while its own manifest request was out', async () => {
    platform.clearFaults();
    platform.publish(v1.dir);
    // A manifest answered within 10 s is an answer (newSync gives up after 1 s).
    const { holder, sync } = workstations.follow(platform, bundles.keys, freshDataDir('joined-rolled-back'), {
      env: {},
      adminEnabled: false,
      useWorker: true,
      timeoutS: 10,
    });
    await sync.restore();
    try {
      const timers = sync.pollNow();
      const asked = sync.pollNow({ fresh: true });
      expect(await timers).toMatchObject({ outcome: 'activated', report: { version: V1 } });
      // IT's own poll started as the timer's ended, its manifest request carrying V1's ETag; the platform is slow to
      // answer it, and a rollback lands meanwhile.
      platform.inject({ kind: 'slow', target: 'manifest', delayMs: 5_000, times: 1 });
      expect(await sync.rollback()).toMatchObject({ version: V2, version_before: V1 });
      expect(await asked).toEqual({ outcome: 'not_modified' });
      expect(holder.get()!.info).toMatchObject({ version: V2 });
    } finally {
      platform.clearFaults();
      await sync.stop();
    }
  });
});

describe('a bundle that fails verification the same way every time', () => {
  const libraryGets = (since: number) => platform.requests.slice(since).filter((r) => r.target === 'library').length;

  it('is downloaded three times, then skipped until the platform publishes another or IT asks', async () => {
    platform.clearFaults();
    const mangled = bundles.write('mangled', bundles.library('nhsa-mangled'));
    const next = bundles.write('after-mangled', bundles.library('nhsa-after-mangled'));
    const dataDir = freshDataDir('skip-mangled');
    const first = newSync(dataDir);
    await first.sync.restore();
    platform.publish(mangled.dir);
    // A proxy on the way changes a byte of the library file, every time.
    platform.inject({ kind: 'wrong_hash', target: 'library' });
    const mark = platform.requests.length;
    for (let i = 1; i <= 3; i++) {
      const outcome = await first.sync.pollNow();
      expect(outcome).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/sha256 .* differs/) });
      expect(libraryGets(mark)).toBe(i);
    }
    const skippedNow =
      /nhsa-mangled \(library sha256 [0-9a-f]{12}…\) failed verification 3 times in a row \(hash_mismatch\), so it is not downloaded again until the platform publishes another bundle or IT asks for a sync/;
    const third = first.sync.status().last_error;
    const skipped = {
      outcome: 'failed',
      error: expect.stringMatching(/^skipped: nhsa-mangled .* [34] times in a row/),
    };

    // Only the manifest from now on, also after a restart.
    let since = platform.requests.length;
    const fourth = await first.sync.pollNow();
    expect(requestsSince(since)).toEqual(['manifest 200']);
    expect(fourth).toMatchObject(skipped);
    expect(third).toMatch(skippedNow);
    expect(first.sync.status()).toMatchObject({
      last_error: expect.stringMatching(skippedNow),
      library: { origin: 'bundled' },
    });
    await first.sync.stop();
    const { holder, sync } = newSync(dataDir);
    await sync.restore();
    since = platform.requests.length;
    expect(await sync.pollNow()).toMatchObject(skipped);
    expect(requestsSince(since)).toEqual(['manifest 200']);

    // IT asks for a sync (POST /v1/admin/sync): one more download, which fails the same way.
    since = platform.requests.length;
    expect(await sync.pollNow({ fresh: true })).toMatchObject({
      outcome: 'failed',
      error: expect.stringMatching(/differs.* 4 times in a row/),
    });
    expect(requestsSince(since)).toEqual(['manifest 200', 'library 200']);
    since = platform.requests.length;
    expect(await sync.pollNow()).toMatchObject(skipped);
    expect(requestsSince(since)).toEqual(['manifest 200']);

    // The platform publishes another bundle: taken at the next poll.
    platform.clearFaults();
    platform.publish(next.dir);
    expect(await sync.pollNow()).toMatchObject({ outcome: 'activated', report: { version: 'nhsa-after-mangled' } });
    expect(holder.get()!.info).toMatchObject({ version: 'nhsa-after-mangled', source: 'sync' });
    expect(sync.status()).toMatchObject({ last_error: null, consecutive_failures: 0 });
  });

  it('a cut connection, an HTTP error or a timeout is retried with the whole download every time', async () => {
    platform.clearFaults();
    const flaky = bundles.write('flaky', bundles.library('nhsa-flaky'));
    const { holder, sync } = newSync(freshDataDir('skip-transient'));
    await sync.restore();
    platform.publish(flaky.dir);
    platform.inject({ kind: 'reset', target: 'library', times: 2 });
    platform.inject({ kind: 'status', status: 503, target: 'library', times: 1 });
    platform.inject({ kind: 'slow', delayMs: 2_500, target: 'library', times: 1 });
    const mark = platform.requests.length;
    for (let i = 1; i <= 4; i++) {
      expect(await sync.pollNow()).toMatchObject({ outcome: 'failed' });
      expect(sync.status().last_error).not.toMatch(/skipped|times in a row/);
    }
    // The platform records the slow answer once it has given it.
    await waitFor('four library requests', () => (libraryGets(mark) === 4 ? true : undefined), 10_000);
    expect(await sync.pollNow()).toMatchObject({ outcome: 'activated', report: { version: 'nhsa-flaky' } });
    expect(libraryGets(mark)).toBe(5);
    expect(holder.get()!.info.version).toBe('nhsa-flaky');
  });
});
