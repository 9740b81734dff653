/**
 * A stored library read back at start with no trusted key configured (PREALERT_SYNC_PUBKEY empty): it must still be
 * the library recorded when it was stored. Real bundles from the NHSA files pulled from the provincial platform
 * simulator on loopback into a real data directory, whose files are then edited as a person or a tool would.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { WrittenBundle } from '@prealert/rules-cache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProvincialPlatform, startPlatform } from '../../examples/provincial-platform/src/platform-server';
import { capturingLogger } from './helpers/capturing-logger';
import { BundleFactory, provincialCsv, pullInTurn, Workstations } from './sync-support';

const A = 'prov-digest-a';
const B = 'prov-digest-b';

let platform: ProvincialPlatform;
let bundles: BundleFactory;
let a: WrittenBundle;
let b: WrittenBundle;
/** B with one local row added, same version and date, its manifest made to match: an edit, not a torn write. */
let editedB: WrittenBundle;
const workstations = new Workstations();

beforeAll(async () => {
  bundles = new BundleFactory();
  a = bundles.write('a', bundles.library(A));
  b = bundles.write('b', bundles.library(B, { revision: true }));
  const edited = bundles.library(B, {
    revision: true,
    createdAt: b.manifest.signed.created_at,
    extra: [provincialCsv(bundles.dir)],
  });
  editedB = bundles.write('b-edited', edited);
  platform = await startPlatform();
});

afterAll(async () => {
  await workstations.cleanup();
  await platform?.close();
  fs.rmSync(bundles.dir, { recursive: true, force: true });
});

/** A workstation that pulled A, then B, with the key; stopped. */
async function pulledBoth(name: string): Promise<string> {
  const dataDir = workstations.freshDataDir(name);
  const { sync } = workstations.follow(platform, bundles.keys, dataDir, { useWorker: false });
  await sync.restore();
  await pullInTurn(platform, sync, [a, b]);
  await sync.stop();
  return dataDir;
}

describe('a stored library started with no trusted key', () => {
  it('is checked against the sha256 recorded when it was stored: an edited one is not run, the one before is', async () => {
    const dataDir = await pulledBoth('digest-edited');
    const shaB = b.manifest.signed.library.sha256;
    expect(editedB.manifest.signed.library.sha256).not.toBe(shaB);
    const stored = path.join(dataDir, 'library', 'versions', shaB);
    fs.copyFileSync(path.join(editedB.dir, editedB.libraryFile), path.join(stored, 'library.ndjson'));
    fs.copyFileSync(path.join(editedB.dir, 'manifest.json'), path.join(stored, 'manifest.json'));

    const { logger, lines } = capturingLogger();
    const { holder, sync } = workstations.follow(platform, bundles.keys, dataDir, {
      env: { PREALERT_SYNC_URL: '', PREALERT_SYNC_PUBKEY: '' },
      useWorker: false,
      startEmpty: true,
      logger,
    });
    expect(sync.trustedKeys).toEqual([]);
    await sync.restore();
    expect(holder.get()!.info).toMatchObject({ version: A, source: 'last-good' });
    expect(sync.store.current).toMatchObject({ version: A });
    expect(sync.status()).toMatchObject({
      library: { version: A },
      last_error: expect.stringMatching(/^last-good prov-digest-b is unusable; running prov-digest-a: .*damaged/),
    });
    const refusal = lines.find((l) => l.msg === 'stored library is unusable');
    expect(refusal).toMatchObject({ version: B, files: 'removed' });
    expect(JSON.stringify(refusal?.err)).toMatch(new RegExp(`not the ${shaB} recorded when it was stored`));
    expect(fs.existsSync(stored)).toBe(false);
  });

  it('falls back to the bundled national library when no stored version is the one recorded', async () => {
    const dataDir = await pulledBoth('digest-both');
    const versions = path.join(dataDir, 'library', 'versions');
    const shaA = a.manifest.signed.library.sha256;
    const shaB = b.manifest.signed.library.sha256;
    // Each folder now holds a whole, self-consistent library, but not the one state.json recorded for it.
    for (const [dir, from] of [
      [shaB, editedB],
      [shaA, b],
    ] as const) {
      fs.copyFileSync(path.join(from.dir, from.libraryFile), path.join(versions, dir, 'library.ndjson'));
      fs.copyFileSync(path.join(from.dir, 'manifest.json'), path.join(versions, dir, 'manifest.json'));
    }

    const { holder, sync } = workstations.follow(platform, bundles.keys, dataDir, {
      env: { PREALERT_SYNC_URL: '', PREALERT_SYNC_PUBKEY: '' },
      useWorker: false,
      startEmpty: true,
    });
    await sync.restore();
    expect(holder.get()!.info).toMatchObject({ source: 'bundled' });
    expect(sync.status()).toMatchObject({
      library: { origin: 'bundled' },
      last_error: expect.stringMatching(/prov-digest-b is damaged \(removed\); prov-digest-a is damaged \(removed\)/),
    });
    expect(fs.readdirSync(versions)).toEqual([]);
  });
});
