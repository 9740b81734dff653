/**
 * A rollback asked for while an activation runs waits for it (LibrarySync.exclusive) and then goes back from the
 * version that activation left, not from the one running when the rollback was asked for: its target is read inside
 * the lock. Real bundles from the NHSA files, the provincial platform simulator on loopback, a real data directory.
 */
import fs from 'node:fs';
import type { WrittenBundle } from '@prealert/rules-cache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProvincialPlatform, startPlatform } from '../../examples/provincial-platform/src/platform-server';
import { BundleFactory, heldBackLabel, pullInTurn, Workstations, waitFor } from './sync-support';

const A = 'queued-a';
const B = 'queued-b';
const C = 'queued-c';

let platform: ProvincialPlatform;
let bundles: BundleFactory;
let a: WrittenBundle;
let b: WrittenBundle;
let c: WrittenBundle;
const workstations = new Workstations();

beforeAll(async () => {
  bundles = new BundleFactory();
  a = bundles.write('a', bundles.library(A));
  b = bundles.write('b', bundles.library(B, { revision: true }));
  c = bundles.write('c', bundles.library(C, { revision: true }));
  platform = await startPlatform();
});

afterAll(async () => {
  await workstations.cleanup();
  await platform?.close();
  fs.rmSync(bundles.dir, { recursive: true, force: true });
});

describe('a rollback asked for while an activation runs', () => {
  it('waits for it, then goes back from the newly activated version to the one before it', async () => {
    const { holder, sync } = workstations.follow(platform, bundles.keys, workstations.freshDataDir('queued'), {
      // The pause keeps C's activation running (swapped in, not yet saved) long enough to ask for the rollback.
      env: { PREALERT_TEST_PAUSE_BEFORE_COMMIT_MS: '500' },
      useWorker: false,
    });
    await sync.restore();
    await pullInTurn(platform, sync, [a, b]);
    expect(sync.status()).toMatchObject({ library: { version: B }, previous: { version: A } });

    platform.publish(c.dir);
    const polled = sync.pollNow();
    await waitFor('C to be activating', () => (sync.status().activating === C ? true : undefined), 20_000, 5);
    // Asked for now, the rollback's target would be A (the version before B); queued, it must be B.
    const rolledBack = sync.rollback();

    // Both settled before either is judged: a failed poll must not leave the rollback's failure unhandled.
    const [pollSettled, rollbackSettled] = await Promise.allSettled([polled, rolledBack]);
    expect(pollSettled).toMatchObject({
      status: 'fulfilled',
      value: { outcome: 'activated', report: { version_before: B, version: C } },
    });
    expect(rollbackSettled).toMatchObject({
      status: 'fulfilled',
      value: { version_before: C, version: B, path: 'stored' },
    });
    expect(holder.get()!.info).toMatchObject({ version: B, source: 'rollback' });
    // The store swaps its two versions, as for any rollback: the one left (held back) is now the previous.
    expect(sync.store.current).toMatchObject({ version: B });
    expect(sync.store.previous).toMatchObject({ version: C });
    expect(sync.store.heldBack).toEqual([c.manifest.signed.library.sha256]);
    expect(sync.status()).toMatchObject({
      library: { version: B },
      previous: { version: C },
      held_back: [heldBackLabel(c)],
      last_activation: { version_before: C, version: B },
    });
  }, 90_000);
});
