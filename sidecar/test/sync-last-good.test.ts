/**
 * The last-good store when the disk does not do what it is told (a directory held by an antivirus scanner on a
 * Windows workstation) and when a stored version cannot be loaded at start. Real bundles from the NHSA files, the
 * provincial platform simulator on loopback, a real data directory; the blocked directory is a real one.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { LibraryData } from '@prealert/core';
import { type GeneratedKeys, generateSigningKeys, type WrittenBundle } from '@prealert/rules-cache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProvincialPlatform, startPlatform } from '../../examples/provincial-platform/src/platform-server';
import { BundleFactory, blockWrites, heldBackLabel, pullInTurn, requestsAfter, Workstations } from './sync-support';

const A = 'prov-a';
const B = 'prov-b';

let platform: ProvincialPlatform;
let bundles: BundleFactory;
let a: WrittenBundle;
let b: WrittenBundle;
let libraryB: LibraryData;
/** The key a rotation moves to; the bundles above are signed with the one it retires. */
let rotatedKeys: GeneratedKeys;
const workstations = new Workstations();
const freshDataDir = (name: string) => workstations.freshDataDir(name);

beforeAll(async () => {
  bundles = new BundleFactory();
  a = bundles.write('a', bundles.library(A));
  libraryB = bundles.library(B, { revision: true });
  b = bundles.write('b', libraryB);
  rotatedKeys = generateSigningKeys(path.join(bundles.dir, 'rotated-keys'));
  platform = await startPlatform();
});

afterAll(async () => {
  await workstations.cleanup();
  await platform?.close();
  fs.rmSync(bundles.dir, { recursive: true, force: true });
});

function newSync(dataDir: string, env: Record<string, string> = {}, options: { startEmpty?: boolean } = {}) {
  return workstations.follow(platform, bundles.keys, dataDir, {
    env,
    adminEnabled: true,
    useWorker: false,
    ...options,
  });
}

function requestsSince(n: number) {
  return requestsAfter(platform, n);
}

/** A sync that pulled A (saved), then B while the store's versions directory refused it: B runs, unsaved. */
async function runningUnsaved(name: string): Promise<(ReturnType<typeof newSync> & { dataDir: string }) | undefined> {
  platform.clearFaults();
  const dataDir = freshDataDir(name);
  const first = newSync(dataDir);
  await first.sync.restore();
  platform.publish(a.dir);
  expect(await first.sync.pollNow()).toMatchObject({ outcome: 'activated', report: { version: A } });
  platform.publish(b.dir);
  const undo = blockWrites(`${first.sync.store.dir}/versions`);
  if (!undo) return undefined;
  try {
    expect(await first.sync.pollNow()).toMatchObject({ outcome: 'activated', report: { version: B } });
  } finally {
    undo();
  }
  return { ...first, dataDir };
}

describe('a new library that cannot be saved as last-good', () => {
  it('says so while it runs; after a restart the old one runs and the next poll takes the new one again', async (ctx) => {
    const first = await runningUnsaved('unsaved-restart');
    if (!first) return ctx.skip();
    expect(first.holder.get()!.info.version).toBe(B);
    expect(first.sync.store.current).toMatchObject({ version: A });
    // A 304 is a successful poll: it must not hide that a restart would go back to A.
    expect(await first.sync.pollNow()).toEqual({ outcome: 'not_modified' });
    expect(first.sync.status()).toMatchObject({
      library: { version: B },
      previous: { version: A },
      last_error: expect.stringMatching(
        /prov-b is active but could not be saved as last-good \(a restart runs prov-a\)/,
      ),
    });
    await first.sync.stop();

    // The workstation reboots; the scanner has let go.
    const { holder, sync } = newSync(first.dataDir, {}, { startEmpty: true });
    await sync.restore();
    expect(holder.get()!.info).toMatchObject({ version: A, source: 'last-good' });
    expect(sync.status().current_etag).toBeNull();
    const mark = platform.requests.length;
    expect(await sync.pollNow()).toMatchObject({ outcome: 'activated', report: { version: B } });
    expect(requestsSince(mark)).toEqual(['manifest 200', 'library 200']);
    expect(sync.store.current).toMatchObject({ version: B });
    expect(sync.status()).toMatchObject({ last_error: null, previous: { version: A } });
  });

  it('rolls back to the version a restart would run, and holds the unsaved one back', async (ctx) => {
    const first = await runningUnsaved('unsaved-rollback');
    if (!first) return ctx.skip();
    const { holder, sync } = first;
    expect(await sync.rollback()).toMatchObject({ version_before: B, version: A, path: 'stored' });
    expect(holder.get()!.info).toMatchObject({ version: A, source: 'rollback' });
    expect(sync.store.current).toMatchObject({ version: A });
    expect(sync.status()).toMatchObject({ library: { version: A }, last_error: null, held_back: [heldBackLabel(b)] });
    expect(await sync.pollNow()).toMatchObject({ outcome: 'held_back', version: B });
  });
});

describe('a stored library that cannot be loaded at start, though its files are whole', () => {
  /** A workstation that pulled A, then B, all signed with the key a rotation then retires. */
  async function pulledBoth(name: string): Promise<{ dataDir: string; versions: string; stored: string[] }> {
    platform.clearFaults();
    const dataDir = freshDataDir(name);
    const first = newSync(dataDir);
    await first.sync.restore();
    await pullInTurn(platform, first.sync, [a, b]);
    await first.sync.stop();
    const versions = path.join(first.sync.store.dir, 'versions');
    return { dataDir, versions, stored: fs.readdirSync(versions).sort() };
  }

  it('keeps the files after a key rotation took its key out, and runs it again once the key is back', async () => {
    const { dataDir, versions, stored } = await pulledBoth('key-rotation');
    expect(stored).toHaveLength(2);

    // The rotation ends: PREALERT_SYNC_PUBKEY names only the new key.
    const rotated = newSync(dataDir, { PREALERT_SYNC_URL: '', PREALERT_SYNC_PUBKEY: rotatedKeys.publicKeyFile });
    await rotated.sync.restore();
    expect(rotated.holder.get()!.info.source).toBe('bundled');
    expect(fs.readdirSync(versions).sort()).toEqual(stored);
    expect(rotated.sync.store.current).toMatchObject({ version: B });
    const status = rotated.sync.status();
    expect(status.last_error).toMatch(/last-good prov-b is unusable; running .*prov-b cannot be loaded \(kept\)/);
    expect(status.unusable).toEqual([
      { version: B, sha256: b.manifest.signed.library.sha256, error: expect.stringMatching(/untrusted key/) },
      { version: A, sha256: a.manifest.signed.library.sha256, error: expect.stringMatching(/untrusted key/) },
    ]);
    // Nothing that could be loaded ran before the fallback.
    expect(status.previous).toBeNull();
    await expect(rotated.sync.rollback()).rejects.toThrow(/no previous library version/);
    await rotated.sync.stop();

    // The old key goes back in (the rotation was premature): the workstation is where it was.
    const back = newSync(dataDir, { PREALERT_SYNC_URL: '' }, { startEmpty: true });
    await back.sync.restore();
    expect(back.holder.get()!.info).toMatchObject({ version: B, source: 'last-good' });
    expect(back.sync.status()).toMatchObject({ unusable: [], last_error: null, previous: { version: A } });
  });

  it("takes the platform's copy signed with the new key in place of the kept one, for good", async () => {
    const { dataDir } = await pulledBoth('key-rotation-resigned');
    const resigned = bundles.write('b-resigned', libraryB, undefined, rotatedKeys.privateKeyFile);
    expect(resigned.manifest.signed.library.sha256).toBe(b.manifest.signed.library.sha256);
    platform.publish(resigned.dir);

    const env = { PREALERT_SYNC_PUBKEY: rotatedKeys.publicKeyFile };
    const rotated = newSync(dataDir, env);
    await rotated.sync.restore();
    expect(rotated.holder.get()!.info.source).toBe('bundled');
    expect(await rotated.sync.pollNow()).toMatchObject({ outcome: 'activated', report: { version: B } });
    expect(rotated.sync.status()).toMatchObject({ unusable: [], previous: { origin: 'bundled' } });
    await rotated.sync.stop();

    const again = newSync(dataDir, env, { startEmpty: true });
    await again.sync.restore();
    expect(again.holder.get()!.info).toMatchObject({ version: B, source: 'last-good' });
    expect(again.sync.status().last_error).toBeNull();
  });
});

describe('a rollback that cannot be saved', () => {
  it('leaves the newer library running, and status and the store saying so', async (ctx) => {
    platform.clearFaults();
    const dataDir = freshDataDir('rollback-unsaved');
    const { holder, sync } = newSync(dataDir);
    await sync.restore();
    platform.publish(a.dir);
    await sync.pollNow();
    platform.publish(b.dir);
    expect(await sync.pollNow()).toMatchObject({ outcome: 'activated', report: { version: B } });
    // state.json cannot be replaced while the store's folder is held.
    const undo = blockWrites(sync.store.dir);
    if (!undo) return ctx.skip();
    const refused = await sync.rollback().then(
      () => undefined,
      (error: Error) => error,
    );
    undo();
    expect(holder.get()!.info).toMatchObject({ version: B, source: 'sync' });
    expect(refused?.message).toMatch(
      /the rollback to prov-a could not be saved, so prov-b keeps running: .*state\.json/,
    );
    expect(sync.status()).toMatchObject({ library: { version: B }, previous: { version: A }, held_back: [] });
    expect(sync.store.current).toMatchObject({ version: B });

    // Once the folder is free, the same rollback goes through.
    expect(await sync.rollback()).toMatchObject({ version_before: B, version: A });
    expect(holder.get()!.info).toMatchObject({ version: A, source: 'rollback' });
    await sync.stop();
    const again = newSync(dataDir, { PREALERT_SYNC_URL: '' }, { startEmpty: true });
    await again.sync.restore();
    expect(again.holder.get()!.info.version).toBe(A);
  });
});

describe('a state.json that cannot be read', () => {
  it('is rebuilt from the stored versions: the newest that loads runs, and no verifiable version is lost', async () => {
    platform.clearFaults();
    const dataDir = freshDataDir('state-unreadable');
    const first = newSync(dataDir);
    await first.sync.restore();
    await pullInTurn(platform, first.sync, [a, b]);
    await first.sync.stop();
    const stateFile = path.join(dataDir, 'library', 'state.json');
    const versionsDir = path.join(dataDir, 'library', 'versions');
    const shaA = a.manifest.signed.library.sha256;
    const shaB = b.manifest.signed.library.sha256;
    expect(fs.readdirSync(versionsDir).sort()).toEqual([shaA, shaB].sort());
    // A damaged disk: state.json's blocks read back as zeros.
    fs.writeFileSync(stateFile, Buffer.alloc(fs.statSync(stateFile).size));

    const second = newSync(dataDir);
    await second.sync.restore();
    expect(second.holder.get()!.info).toMatchObject({ version: B, source: 'last-good' });
    expect(second.sync.store.current).toMatchObject({
      version: B,
      sha256: shaB,
      created_at: b.manifest.signed.created_at,
    });
    expect(second.sync.store.previous).toMatchObject({ version: A, sha256: shaA });
    expect(second.sync.status()).toMatchObject({
      library: { version: B, sha256: shaB },
      previous: { version: A },
      last_error: expect.stringMatching(
        /^state\.json could not be read; rebuilt from the 2 stored version\(s\): current prov-b \(created .*\), previous prov-a/,
      ),
    });
    expect(JSON.parse(fs.readFileSync(stateFile, 'utf8'))).toMatchObject({
      current: { version: B, sha256: shaB },
      previous: { version: A, sha256: shaA },
    });
    await second.sync.stop();

    // The next start reads the rebuilt state: B again, both versions kept, nothing to report.
    const third = newSync(dataDir, {}, { startEmpty: true });
    await third.sync.restore();
    expect(third.holder.get()!.info).toMatchObject({ version: B, source: 'last-good' });
    expect(fs.readdirSync(versionsDir).sort()).toEqual([shaA, shaB].sort());
    expect(third.sync.status().last_error).toBeNull();
    await third.sync.stop();

    // Unreadable again (cut short), and B's library damaged too: the newest that loads is A, and B's files go.
    fs.writeFileSync(stateFile, '{"format":1,"current":{"vers');
    const libraryB = path.join(versionsDir, shaB, 'library.ndjson');
    fs.truncateSync(libraryB, fs.statSync(libraryB).size - 10);
    const fourth = newSync(dataDir);
    await fourth.sync.restore();
    expect(fourth.holder.get()!.info).toMatchObject({ version: A, source: 'last-good' });
    expect(fourth.sync.store.current).toMatchObject({ version: A, sha256: shaA });
    expect(fourth.sync.store.previous).toBeNull();
    expect(fs.readdirSync(versionsDir)).toEqual([shaA]);
    expect(fourth.sync.status().last_error).toMatch(/rebuilt .*: current prov-a .*: prov-b is damaged \(removed\)/);
    // The platform's B is downloaded again at the next poll.
    expect(await fourth.sync.pollNow()).toMatchObject({ outcome: 'activated', report: { version: B, path: 'full' } });
  });
});
