/**
 * What the sync refuses or recovers from: a damaged last-good at start, a bundle for another region, misdated
 * bundles, oversized bundles and downloads that never end; and how staleness is counted. Real bundles from the
 * NHSA files, the provincial platform simulator on loopback, a real data directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { WrittenBundle } from '@prealert/rules-cache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProvincialPlatform, startPlatform } from '../../examples/provincial-platform/src/platform-server';
import { backoff, jittered } from '../src/backoff';
import type { PayloadPipe } from '../src/sync/library-sync';
import { loadSyncConfig } from '../src/sync/sync-config';
import { BundleFactory, requestsAfter, V1, V2, Workstations, waitFor } from './sync-support';

let platform: ProvincialPlatform;
let bundles: BundleFactory;
let v1: WrittenBundle;
/** The revision as a full bundle only (no delta): what a re-download after damage has to fetch. */
let v2: WrittenBundle;
const workstations = new Workstations();
const freshDataDir = (name: string) => workstations.freshDataDir(name);

beforeAll(async () => {
  bundles = new BundleFactory();
  v1 = bundles.write('v1', bundles.library(V1));
  v2 = bundles.write('v2', bundles.library(V2, { revision: true }));
  platform = await startPlatform();
});

afterAll(async () => {
  await workstations.cleanup();
  await platform?.close();
  fs.rmSync(bundles.dir, { recursive: true, force: true });
});

function newSync(
  dataDir: string,
  env: Record<string, string> = {},
  options: { adminEnabled?: boolean; now?: () => number; startEmpty?: boolean } = {},
) {
  return workstations.follow(platform, bundles.keys, dataDir, { env, ...options });
}

function requestsSince(n: number) {
  return requestsAfter(platform, n);
}

/** A bundle directory pushed as the admin endpoint would hand it over: manifest bytes, then the library file. */
function pushParts(bundle: WrittenBundle): { manifest: Buffer; pipe: PayloadPipe } {
  const manifest = fs.readFileSync(path.join(bundle.dir, 'manifest.json'));
  const pipe: PayloadPipe = async (onChunk) => {
    for await (const chunk of fs.createReadStream(path.join(bundle.dir, bundle.libraryFile))) {
      await onChunk(chunk as Buffer);
    }
  };
  return { manifest, pipe };
}

describe('a damaged last-good at start', () => {
  it('runs the version before, re-downloads the damaged one on the next poll, and can roll back', async () => {
    platform.clearFaults();
    const dataDir = freshDataDir('damaged');
    const first = newSync(dataDir);
    await first.sync.restore();
    platform.publish(v1.dir);
    expect(await first.sync.pollNow()).toMatchObject({ outcome: 'activated', report: { version: V1 } });
    platform.publish(v2.dir);
    expect(await first.sync.pollNow()).toMatchObject({ outcome: 'activated', report: { version: V2 } });
    expect(await first.sync.pollNow()).toEqual({ outcome: 'not_modified' });
    await first.sync.stop();
    const damaged = first.sync.store.files(first.sync.store.current!)!.library;
    const bytes = fs.readFileSync(damaged);
    fs.writeFileSync(damaged, bytes.subarray(0, bytes.length - 10));

    const { holder, sync } = newSync(dataDir);
    await sync.restore();
    expect(holder.get()!.info).toMatchObject({ version: V1, source: 'last-good' });
    // The store names what runs, and the damaged version is gone (not kept as "previous" to roll back to).
    expect(sync.store.current).toMatchObject({ version: V1 });
    expect(sync.store.previous).toBeNull();
    expect(fs.readdirSync(path.join(sync.store.dir, 'versions'))).toEqual([v1.manifest.signed.library.sha256]);
    const before = sync.status();
    expect(before.current_etag).toBeNull();
    expect(before.last_error).toMatch(/unusable/);

    const mark = platform.requests.length;
    expect(await sync.pollNow()).toMatchObject({ outcome: 'activated', report: { version: V2, path: 'full' } });
    expect(requestsSince(mark)).toEqual(['manifest 200', 'library 200']);
    const after = sync.status();
    expect(after).toMatchObject({ last_error: null, library: { version: V2 }, previous: { version: V1 } });
    expect(fs.readFileSync(sync.store.files(sync.store.current!)!.library)).toEqual(
      fs.readFileSync(path.join(v2.dir, v2.libraryFile)),
    );

    expect(await sync.rollback()).toMatchObject({ version_before: V2, version: V1, path: 'stored' });
    expect(holder.get()!.info).toMatchObject({ version: V1, source: 'rollback' });
    // Five activations of the whole national library and two starts: 11–17 s on a quiet runner, 33 s with the
    // machine's two cores shared by three other jobs (the 30 s default cut it off there).
  }, 90_000);

  it('falls back to the bundled library when both stored versions are damaged, and records that', async () => {
    platform.clearFaults();
    const dataDir = freshDataDir('damaged-both');
    const first = newSync(dataDir);
    await first.sync.restore();
    platform.publish(v1.dir);
    await first.sync.pollNow();
    platform.publish(v2.dir);
    await first.sync.pollNow();
    await first.sync.stop();
    for (const entry of [first.sync.store.current!, first.sync.store.previous!]) {
      fs.writeFileSync(first.sync.store.files(entry)!.library, 'not a library\n');
    }
    const { holder, sync } = newSync(dataDir);
    await sync.restore();
    expect(holder.get()!.info.source).toBe('bundled');
    expect(sync.store.current).toMatchObject({ sha256: null, origin: 'bundled' });
    expect(fs.readdirSync(path.join(sync.store.dir, 'versions'))).toEqual([]);
    expect(sync.status().current_etag).toBeNull();
    expect(await sync.pollNow()).toMatchObject({ outcome: 'activated', report: { version: V2 } });
  });

  it('a start that left the bundled library uncompiled for last-good compiles it only when last-good is unusable', async () => {
    platform.clearFaults();
    const dataDir = freshDataDir('deferred-bundled');
    const first = newSync(dataDir);
    expect(first.sync.hasStoredLibrary()).toBe(false);
    await first.sync.restore();
    platform.publish(v1.dir);
    await first.sync.pollNow();
    await first.sync.stop();

    const healthy = newSync(dataDir, {}, { startEmpty: true });
    expect(healthy.sync.hasStoredLibrary()).toBe(true);
    await healthy.sync.restore();
    expect(healthy.holder.get()!.info).toMatchObject({ version: V1, source: 'last-good' });
    await healthy.sync.stop();

    fs.writeFileSync(healthy.sync.store.files(healthy.sync.store.current!)!.library, 'not a library\n');
    const { holder, sync } = newSync(dataDir, {}, { startEmpty: true });
    await sync.restore();
    expect(holder.get()!.info.source).toBe('bundled');
    expect(holder.loadError).toBeUndefined();
    expect(sync.store.current).toMatchObject({ sha256: null, origin: 'bundled' });
  });
});

describe('region', () => {
  it('refuses a pulled bundle for another region before downloading it, and says so in status', async () => {
    platform.clearFaults();
    platform.publish(v1.dir);
    const { holder, sync } = newSync(freshDataDir('region'), { PREALERT_SYNC_REGION: '440000' });
    await sync.restore();
    const mark = platform.requests.length;
    const outcome = await sync.pollNow();
    expect(outcome).toMatchObject({ outcome: 'failed' });
    expect(requestsSince(mark)).toEqual(['manifest 200']);
    expect(holder.get()!.info.source).toBe('bundled');
    expect(sync.status().last_error).toMatch(/region "national", this workstation takes "440000"/);
  });

  it('refuses a pushed bundle for another region, and says so in status', async () => {
    const { holder, sync } = newSync(
      freshDataDir('region-push'),
      { PREALERT_SYNC_URL: '', PREALERT_SYNC_REGION: '440000' },
      { adminEnabled: true },
    );
    await sync.restore();
    const { manifest, pipe } = pushParts(v1);
    await expect(sync.push(manifest, 'full', pipe)).rejects.toThrow(/region "national".*PREALERT_SYNC_REGION/);
    expect(holder.get()!.info.source).toBe('bundled');
    expect(sync.status().last_error).toMatch(/region "national"/);
  });

  it('takes a bundle of the configured region', async () => {
    platform.publish(v1.dir);
    const { sync } = newSync(freshDataDir('region-ok'), { PREALERT_SYNC_REGION: 'national' });
    await sync.restore();
    expect(await sync.pollNow()).toMatchObject({ outcome: 'activated', report: { version: V1 } });
  });
});

describe('dates', () => {
  it('refuses a bundle dated in the future, and it does not block the next one', async () => {
    platform.clearFaults();
    const future = bundles.write(
      'future',
      bundles.library('nhsa-future', { createdAt: new Date(Date.now() + 86_400_000).toISOString() }),
    );
    const { holder, sync } = newSync(freshDataDir('future'));
    await sync.restore();
    platform.publish(future.dir);
    const outcome = await sync.pollNow();
    expect(outcome).toMatchObject({
      outcome: 'failed',
      error: expect.stringMatching(/ahead of this workstation's clock/),
    });
    expect(holder.get()!.info.source).toBe('bundled');
    const later = bundles.write('after-future', bundles.library('nhsa-after-future'));
    platform.publish(later.dir);
    expect(await sync.pollNow()).toMatchObject({ outcome: 'activated', report: { version: 'nhsa-after-future' } });
  });

  it('a pushed bundle moves the replay mark: an older one offered later is refused', async () => {
    const older = bundles.write('older', bundles.library('nhsa-older'));
    const newer = bundles.write('newer', bundles.library('nhsa-newer'));
    const { holder, sync } = newSync(freshDataDir('push-mark'), {}, { adminEnabled: true });
    await sync.restore();
    const { manifest, pipe } = pushParts(newer);
    expect(await sync.push(manifest, 'full', pipe)).toMatchObject({ outcome: 'activated' });
    platform.publish(older.dir);
    const outcome = await sync.pollNow();
    expect(outcome).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/older than .* already taken/) });
    expect(holder.get()!.info.version).toBe('nhsa-newer');
  });

  it('a poll that read an older manifest while an IT push was activating does not replace the pushed library', async () => {
    platform.clearFaults();
    const older = bundles.write('race-older', bundles.library('nhsa-race-older'));
    const newer = bundles.write('race-newer', bundles.library('nhsa-race-newer'));
    const { holder, sync } = newSync(freshDataDir('push-poll-race'), {}, { adminEnabled: true });
    await sync.restore();
    platform.publish(older.dir);
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { manifest, pipe } = pushParts(newer);
    // The push takes the activation lock at once and then waits for its bytes.
    const pushing = sync.push(manifest, 'full', async (onChunk) => {
      await held;
      await pipe(onChunk);
    });
    const polling = sync.pollNow();
    // `available` is set just before the poll's checks, which pass (nothing newer is taken yet) and then wait for
    // the lock in the same turn.
    await waitFor('the poll to read the platform manifest', () => sync.status().available ?? undefined);
    release();
    expect(await pushing).toMatchObject({ outcome: 'activated', report: { version: 'nhsa-race-newer' } });
    expect(await polling).toMatchObject({
      outcome: 'failed',
      error: expect.stringMatching(/offers nhsa-race-older .* older than .* already taken/),
    });
    expect(holder.get()!.info.version).toBe('nhsa-race-newer');
    expect(sync.store.current).toMatchObject({ version: 'nhsa-race-newer' });
  });

  it('a push that waited for another push to finish is checked against the library that push left running', async () => {
    const older = bundles.write('push-race-older', bundles.library('nhsa-push-race-older'));
    const newer = bundles.write('push-race-newer', bundles.library('nhsa-push-race-newer'));
    const { holder, sync } = newSync(freshDataDir('push-push-race'), {}, { adminEnabled: true });
    await sync.restore();
    /** The newer bundle pushed, held at its first byte until `release`; then the older one pushed behind it. */
    async function race(allowOlder: boolean) {
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const newerParts = pushParts(newer);
      const pushingNewer = sync.push(newerParts.manifest, 'full', async (onChunk) => {
        await held;
        await newerParts.pipe(onChunk);
      });
      await waitFor('the newer push to take the lock', () => sync.status().activating ?? undefined);
      const olderParts = pushParts(older);
      // Checked before the lock against the library running now (older than both): it passes and queues.
      const pushingOlder = sync.push(olderParts.manifest, 'full', olderParts.pipe, { allowOlder }).then(
        (outcome) => ({ outcome }),
        (error: unknown) => ({ error }),
      );
      release();
      expect(await pushingNewer).toMatchObject({ outcome: 'activated', report: { version: 'nhsa-push-race-newer' } });
      return pushingOlder;
    }

    const refused = await race(false);
    expect(refused).toMatchObject({ error: { statusCode: 409 } });
    expect(String((refused as { error: Error }).error.message)).toMatch(
      /nhsa-push-race-older .* is older than nhsa-push-race-newer .* which this workstation runs; nothing was changed/,
    );
    expect(holder.get()!.info.version).toBe('nhsa-push-race-newer');
    expect(sync.store.current).toMatchObject({ version: 'nhsa-push-race-newer' });

    // Allowed, the downgrade is found under the lock too, and the newer library held back.
    await sync.rollback();
    const allowed = await race(true);
    expect(allowed).toMatchObject({
      outcome: {
        outcome: 'activated',
        report: { version_before: 'nhsa-push-race-newer', version: 'nhsa-push-race-older', downgrade: true },
      },
    });
    expect(holder.get()!.info.version).toBe('nhsa-push-race-older');
    expect(sync.store.heldBack).toEqual([newer.manifest.signed.library.sha256]);
  });

  it('keeps refusing an older bundle when the platform address is written differently or sync.json is lost', async () => {
    platform.clearFaults();
    const older = bundles.write('replay-older', bundles.library('nhsa-replay-older'));
    const newer = bundles.write('replay-newer', bundles.library('nhsa-replay-newer'));
    const dataDir = freshDataDir('replay-address');
    const first = newSync(dataDir);
    await first.sync.restore();
    platform.publish(newer.dir);
    expect(await first.sync.pollNow()).toMatchObject({
      outcome: 'activated',
      report: { version: 'nhsa-replay-newer' },
    });
    await first.sync.stop();
    // A lagging mirror, or a replayed signed manifest.
    platform.publish(older.dir);
    const refused = { outcome: 'failed', error: expect.stringMatching(/offers nhsa-replay-older .* already taken/) };

    // IT writes the manifest's address out in full (the same platform): the replay mark was dropped with the URL.
    const respelled = newSync(dataDir, { PREALERT_SYNC_URL: `${platform.bundleUrl}manifest.json?mirror=1` });
    await respelled.sync.restore();
    expect(await respelled.sync.pollNow()).toMatchObject(refused);
    expect(respelled.holder.get()!.info.version).toBe('nhsa-replay-newer');
    await respelled.sync.stop();

    // sync.json gone (a cleanup tool, a damaged disk): the stored library's own date still counts.
    fs.rmSync(path.join(dataDir, 'library', 'sync.json'));
    const forgetful = newSync(dataDir);
    await forgetful.sync.restore();
    expect(await forgetful.sync.pollNow()).toMatchObject(refused);
    expect(forgetful.holder.get()!.info.version).toBe('nhsa-replay-newer');
  });

  it('counts staleness from the last confirmation (a poll, 304 included, or an activation), not from created_at', async () => {
    platform.clearFaults();
    // Made 5 minutes "ahead" (clock skew within the allowance): created_at later than the activation.
    const skewed = bundles.write(
      'skewed',
      bundles.library('nhsa-skewed', { createdAt: new Date(Date.now() + 5 * 60_000).toISOString() }),
    );
    let clock = Date.now();
    const start = clock;
    const { sync } = newSync(freshDataDir('stale-count'), { PREALERT_SYNC_MAX_AGE_S: '3600' }, { now: () => clock });
    await sync.restore();
    platform.publish(skewed.dir);
    expect(await sync.pollNow()).toMatchObject({ outcome: 'activated' });
    clock = start + 50 * 60_000;
    expect(sync.staleness().stale).toBe(false);
    expect(await sync.pollNow()).toEqual({ outcome: 'not_modified' });
    clock = start + 100 * 60_000;
    // 100 minutes after the activation, but 50 after the 304: still confirmed.
    expect(sync.staleness().stale).toBe(false);
    platform.inject({ kind: 'status', status: 502 });
    await sync.pollNow();
    platform.clearFaults();
    clock = start + 111 * 60_000;
    expect(sync.staleness()).toMatchObject({ stale: true, reason: expect.stringMatching(/HTTP 502/) });

    // A library activated 64 minutes ago whose created_at is 59 minutes ago: stale (created_at is no confirmation).
    clock = Date.now();
    const second = newSync(freshDataDir('stale-created'), { PREALERT_SYNC_MAX_AGE_S: '3600' }, { now: () => clock });
    await second.sync.restore();
    const fresh = bundles.write(
      'skewed-2',
      bundles.library('nhsa-skewed-2', { createdAt: new Date(clock + 5 * 60_000).toISOString() }),
    );
    platform.publish(fresh.dir);
    expect(await second.sync.pollNow()).toMatchObject({ outcome: 'activated' });
    platform.inject({ kind: 'status', status: 502 });
    clock += 64 * 60_000;
    await second.sync.pollNow();
    platform.clearFaults();
    expect(second.sync.staleness().stale).toBe(true);
  });
});

describe('size and time limits', () => {
  it('refuses a library larger than PREALERT_SYNC_MAX_BYTES before downloading it', async () => {
    platform.clearFaults();
    platform.publish(v1.dir);
    const { holder, sync } = newSync(freshDataDir('max-bytes'), { PREALERT_SYNC_MAX_BYTES: '100000' });
    await sync.restore();
    const mark = platform.requests.length;
    const outcome = await sync.pollNow();
    expect(outcome).toMatchObject({
      outcome: 'failed',
      error: expect.stringMatching(/library is \d+ bytes, more than the 100000 .*PREALERT_SYNC_MAX_BYTES/),
    });
    expect(requestsSince(mark)).toEqual(['manifest 200']);
    expect(holder.get()!.info.source).toBe('bundled');
  });

  it('rejects a byte limit that is not a whole number of bytes, naming the variable', () => {
    expect(() => loadSyncConfig({ PREALERT_SYNC_MAX_BYTES: '1.5' })).toThrow(
      /PREALERT_SYNC_MAX_BYTES must be a positive whole number of bytes/,
    );
  });

  it('gives up a download that trickles on past the deadline, though it is never silent', async () => {
    platform.clearFaults();
    platform.publish(v2.dir);
    // 200 kB/s, in pieces every 100 ms: never silent for the 5 s timeout, but 2.3 MB take over 10 s.
    platform.inject({ kind: 'slow', target: 'payload', bytesPerSecond: 200_000 });
    const { holder, sync } = newSync(freshDataDir('deadline'), { PREALERT_SYNC_DOWNLOAD_DEADLINE_S: '1' });
    await sync.restore();
    const outcome = await sync.pollNow();
    platform.clearFaults();
    expect(outcome).toMatchObject({
      outcome: 'failed',
      error: expect.stringMatching(/not received within 1 s .*PREALERT_SYNC_DOWNLOAD_DEADLINE_S/),
    });
    expect(holder.get()!.info.source).toBe('bundled');
    expect(fs.readdirSync(path.join(sync.store.dir, 'staging'))).toEqual([]);
  });
});

describe('retry delays', () => {
  const config = { retryMinMs: 1_000, retryMaxMs: 60_000 };

  it('double per failure up to the maximum', () => {
    const middle = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoff(config, n, middle))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000,
    ]);
  });

  it('spread ±20 % by the random draw, and the interval ±10 %', () => {
    expect(backoff(config, 3, () => 0)).toBe(3_200);
    expect(backoff(config, 3, () => 1)).toBe(4_800);
    expect(backoff(config, 3, () => 0.25)).toBe(3_600);
    expect(jittered(300_000, 0.1, () => 0)).toBe(270_000);
    expect(jittered(300_000, 0.1, () => 1)).toBe(330_000);
  });
});
