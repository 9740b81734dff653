/**
 * The versions IT rolled back from (held back from the poller) when state.json cannot be read at the next start (a
 * damaged disk: zeros, cut short). Real bundles from the NHSA files pulled from the provincial platform simulator on
 * loopback into a real data directory; state.json is damaged on disk.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PayloadPipe } from '../src/sync/library-sync';
import { bundlesOnPlatform } from './helpers/bundles-on-platform';
import { heldBackLabel, pullInTurn, Workstations } from './sync-support';

const A = 'prov-held-a';
const B = 'prov-held-b';
const C = 'prov-held-c';

const workstations = new Workstations();
const scene = bundlesOnPlatform(
  [
    { name: 'a', version: A },
    // Pushed by IT after the rollback: created between A and B, so B is no longer stored once C is saved.
    { name: 'c', version: C },
    // The bad bundle IT rolls back from; the platform keeps offering it.
    { name: 'b', version: B, revision: true },
  ],
  workstations,
);

function newSync(dataDir: string, options: { startEmpty?: boolean } = {}) {
  return workstations.follow(scene.platform, scene.bundles.keys, dataDir, {
    useWorker: false,
    adminEnabled: true,
    ...options,
  });
}

/** A workstation that pulled A, then B, and that IT rolled back to A: B is held back. Stopped. */
async function rolledBack(name: string): Promise<string> {
  scene.platform.clearFaults();
  const dataDir = workstations.freshDataDir(name);
  const { sync } = newSync(dataDir);
  await sync.restore();
  await pullInTurn(scene.platform, sync, [scene.written.a, scene.written.b]);
  expect(await sync.rollback()).toMatchObject({ version_before: B, version: A });
  expect(await sync.pollNow()).toMatchObject({ outcome: 'held_back', version: B });
  await sync.stop();
  return dataDir;
}

describe('a state.json that cannot be read after IT rolled back', () => {
  for (const [damage, write] of [
    ['cut short', (file: string) => fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 40))],
    ['zeroed', (file: string) => fs.writeFileSync(file, Buffer.alloc(fs.statSync(file).size))],
  ] as const) {
    it(`(${damage}) keeps the rolled-back version held back: not run at start, not activated by the next poll`, async () => {
      const dataDir = await rolledBack(`held-back-${damage.replace(' ', '-')}`);
      const shaB = scene.written.b.manifest.signed.library.sha256;
      write(path.join(dataDir, 'library', 'state.json'));

      const { holder, sync } = newSync(dataDir, { startEmpty: true });
      await sync.restore();
      expect(holder.get()!.info).toMatchObject({ version: A, source: 'last-good' });
      expect(sync.store.heldBack).toEqual([shaB]);
      expect(sync.store.current).toMatchObject({ version: A });
      // B stays the version to roll back to, as before the damage.
      expect(sync.store.previous).toMatchObject({ version: B });
      expect(sync.status().last_error).toMatch(
        /^state\.json could not be read; rebuilt .*current prov-held-a.*; 1 version\(s\) IT held back stay held back/,
      );
      // The ETag of the manifest offering B is kept (B is held back, so its 304 changes nothing)...
      expect(await sync.pollNow()).toEqual({ outcome: 'not_modified' });
      expect(holder.get()!.info.version).toBe(A);
      expect(sync.status()).toMatchObject({ library: { version: A }, held_back: [heldBackLabel(scene.written.b)] });
      await sync.stop();

      // The rebuilt state.json holds the list again: the next start reads it as any start does.
      const again = newSync(dataDir, { startEmpty: true });
      await again.sync.restore();
      expect(again.holder.get()!.info.version).toBe(A);
      expect(again.sync.status()).toMatchObject({ last_error: null, held_back: [heldBackLabel(scene.written.b)] });
      // ...and a poll that reads the manifest whole (written with another address, the ETag is not sent) finds B
      // held back.
      await again.sync.stop();
      const respelled = workstations.follow(scene.platform, scene.bundles.keys, dataDir, {
        env: { PREALERT_SYNC_URL: `${scene.platform.bundleUrl}manifest.json?mirror=1` },
        useWorker: false,
        startEmpty: true,
      });
      await respelled.sync.restore();
      expect(await respelled.sync.pollNow()).toMatchObject({ outcome: 'held_back', version: B });
      expect(respelled.holder.get()!.info.version).toBe(A);
    });
  }
});

describe('a state.json that cannot be read after IT rolled back and then pushed another library', () => {
  it('keeps the rolled-back version held back though its files are gone: the next poll does not activate it', async () => {
    const dataDir = await rolledBack('held-back-pruned');
    const first = newSync(dataDir, { startEmpty: true });
    await first.sync.restore();
    const manifest = fs.readFileSync(path.join(scene.written.c.dir, 'manifest.json'));
    const pipe: PayloadPipe = async (onChunk) => {
      for await (const chunk of fs.createReadStream(path.join(scene.written.c.dir, scene.written.c.libraryFile)))
        await onChunk(chunk as Buffer);
    };
    expect(await first.sync.push(manifest, 'full', pipe)).toMatchObject({ outcome: 'activated' });
    await first.sync.stop();
    const versions = path.join(dataDir, 'library', 'versions');
    expect(fs.readdirSync(versions)).not.toContain(scene.written.b.manifest.signed.library.sha256);
    fs.writeFileSync(path.join(dataDir, 'library', 'state.json'), '{"format":1,"current":{"vers');

    const { holder, sync } = newSync(dataDir, { startEmpty: true });
    await sync.restore();
    expect(holder.get()!.info).toMatchObject({ version: C, source: 'last-good' });
    expect(sync.store.heldBack).toEqual([scene.written.b.manifest.signed.library.sha256]);
    // Its ETag is kept, as B is held back; without the list the start forgot it and the poll took B again.
    expect(await sync.pollNow()).toEqual({ outcome: 'not_modified' });
    expect(holder.get()!.info.version).toBe(C);
    expect(sync.status().held_back).toHaveLength(1);
  });
});

describe('how status names a held-back version', () => {
  it('by version name and sha256 prefix, the same once it is no longer the previous version, and after a restart', async () => {
    const dataDir = await rolledBack('held-back-named');
    const first = newSync(dataDir, { startEmpty: true });
    await first.sync.restore();
    expect(first.sync.status()).toMatchObject({
      previous: { version: B },
      held_back: [heldBackLabel(scene.written.b)],
    });
    const manifest = fs.readFileSync(path.join(scene.written.c.dir, 'manifest.json'));
    const pipe: PayloadPipe = async (onChunk) => {
      for await (const chunk of fs.createReadStream(path.join(scene.written.c.dir, scene.written.c.libraryFile)))
        await onChunk(chunk as Buffer);
    };
    expect(await first.sync.push(manifest, 'full', pipe)).toMatchObject({ outcome: 'activated' });
    // B is neither the previous version (A is) nor, before the next poll, the platform's known offer.
    expect(first.sync.status()).toMatchObject({
      previous: { version: A },
      held_back: [heldBackLabel(scene.written.b)],
    });
    await first.sync.stop();

    const again = newSync(dataDir, { startEmpty: true });
    await again.sync.restore();
    expect(again.sync.status().held_back).toEqual([heldBackLabel(scene.written.b)]);
  });
});
