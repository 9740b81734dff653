/**
 * A workstation just installed, running the bundled national library, with a maximum library age and
 * PREALERT_SYNC_WHEN_STALE=refuse, whose platform it cannot reach yet (a firewall not opened, a wrong address). It
 * must answer 3101/3102 until the platform has had the maximum age to reach it, counted from that first start and
 * not reset by a restart. Real data directory, the provincial platform simulator on loopback answering 502, a
 * clock the test moves (never a wait).
 */
import fs from 'node:fs';
import type { WrittenBundle } from '@prealert/rules-cache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProvincialPlatform, startPlatform } from '../../examples/provincial-platform/src/platform-server';
import { BundleFactory, pollMemory, Workstations } from './sync-support';

const MAX_AGE_MS = 3_600_000;
const REFUSE = { PREALERT_SYNC_MAX_AGE_S: String(MAX_AGE_MS / 1000), PREALERT_SYNC_WHEN_STALE: 'refuse' };

let platform: ProvincialPlatform;
let bundles: BundleFactory;
let first: WrittenBundle;
const workstations = new Workstations();

beforeAll(async () => {
  bundles = new BundleFactory();
  first = bundles.write('first', bundles.library('prov-first-sync'));
  platform = await startPlatform();
});

afterAll(async () => {
  await workstations.cleanup();
  await platform?.close();
  fs.rmSync(bundles.dir, { recursive: true, force: true });
});

/** A sidecar start on `dataDir` whose clock reads `clock.now`. */
function start(dataDir: string, clock: { now: number }, env: Record<string, string> = REFUSE) {
  return workstations.follow(platform, bundles.keys, dataDir, { env, useWorker: false, now: () => clock.now });
}

const answering = { stale: false, serving: true };

describe('a fresh install on the bundled library with stale_policy refuse', () => {
  it('answers until the maximum age has passed since its first start, restarts included, then refuses', async () => {
    platform.clearFaults();
    platform.inject({ kind: 'status', status: 502 });
    const dataDir = workstations.freshDataDir('fresh-install');
    // Now, as the bundle published at the end is dated: a later clock would find it dated ahead.
    const installedAt = Date.now();
    const clock = { now: installedAt };

    const day1 = start(dataDir, clock);
    await day1.sync.restore();
    expect(day1.holder.get()!.info.source).toBe('bundled');
    expect(day1.sync.staleness()).toMatchObject(answering);
    expect(await day1.sync.pollNow()).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/502/) });
    expect(day1.sync.staleness()).toMatchObject(answering);
    clock.now = installedAt + 30 * 60_000;
    await day1.sync.stop();
    expect(pollMemory(dataDir).age_counted_from).toBe(new Date(installedAt).toISOString());

    // A reboot half-way: the count goes on from the install, not from this start.
    const day1Again = start(dataDir, clock);
    await day1Again.sync.restore();
    expect(await day1Again.sync.pollNow()).toMatchObject({ outcome: 'failed' });
    clock.now = installedAt + MAX_AGE_MS;
    expect(day1Again.sync.staleness()).toMatchObject(answering);
    clock.now = installedAt + MAX_AGE_MS + 1;
    expect(day1Again.sync.staleness()).toMatchObject({
      stale: true,
      serving: false,
      reason: expect.stringMatching(/not confirmed current for 1\.0 h \(maximum 1\.0 h\); last sync error: .*502/),
    });
    await day1Again.sync.stop();

    // Past the maximum age a restart does not buy another hour.
    const later = start(dataDir, clock);
    await later.sync.restore();
    expect(later.sync.staleness()).toMatchObject({ stale: true, serving: false });
    // The platform is reached: confirmed current from then on.
    platform.clearFaults();
    platform.publish(first.dir);
    expect(await later.sync.pollNow()).toMatchObject({ outcome: 'activated', report: { version: 'prov-first-sync' } });
    expect(later.sync.staleness()).toMatchObject(answering);
  });

  it('counts from the first start with a maximum age when one is configured on a workstation already in use', async () => {
    platform.clearFaults();
    platform.inject({ kind: 'status', status: 502 });
    const dataDir = workstations.freshDataDir('max-age-later');
    const installedAt = Date.now() - 30 * 86_400_000;
    const clock = { now: installedAt };
    const before = start(dataDir, clock, { PREALERT_SYNC_MAX_AGE_S: '0' });
    await before.sync.restore();
    expect(before.sync.staleness()).toMatchObject(answering);
    await before.sync.stop();

    // A month on, IT sets a maximum age and refuse: the workstation gets that long, not none.
    const configuredAt = Date.now();
    clock.now = configuredAt;
    const after = start(dataDir, clock);
    await after.sync.restore();
    expect(after.sync.staleness()).toMatchObject(answering);
    clock.now = configuredAt + MAX_AGE_MS;
    expect(after.sync.staleness()).toMatchObject(answering);
    clock.now = configuredAt + MAX_AGE_MS + 1;
    expect(after.sync.staleness()).toMatchObject({ stale: true, serving: false });
    platform.clearFaults();
  });
});
