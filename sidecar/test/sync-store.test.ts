import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LastGoodStore, type StoredVersion } from '../src/sync/last-good-store';
import { blockWrites, tempDir } from './sync-support';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function fresh(): { dataDir: string; store: LastGoodStore } {
  const dataDir = tempDir('store');
  dirs.push(dataDir);
  const store = new LastGoodStore(dataDir);
  store.open();
  return { dataDir, store };
}

function version(n: number): StoredVersion {
  return {
    version: `v${n}`,
    sha256: String(n).repeat(64).slice(0, 64),
    origin: 'sync',
    created_at: `2026-0${n}-01T00:00:00Z`,
    activated_at: new Date().toISOString(),
  };
}

async function stageAndCommit(store: LastGoodStore, v: StoredVersion) {
  const staging = await store.stage(Buffer.from(`{"manifest":"${v.version}"}`));
  await staging.write(Buffer.from(`library ${v.version}\n`));
  await staging.finish();
  return store.commit(staging, v);
}

describe('last-good store', () => {
  it('keeps the current and the previous version, nothing older', async () => {
    const { store } = fresh();
    await stageAndCommit(store, version(1));
    await stageAndCommit(store, version(2));
    await stageAndCommit(store, version(3));
    expect(store.current?.version).toBe('v3');
    expect(store.previous?.version).toBe('v2');
    expect(fs.readdirSync(path.join(store.dir, 'versions')).sort()).toEqual(
      [version(2).sha256, version(3).sha256].sort(),
    );
    expect(fs.readFileSync(store.files(version(3))!.library, 'utf8')).toBe('library v3\n');
  });

  it('after a crash anywhere in an activation, reopens on the version that was current before', async () => {
    const { dataDir, store } = fresh();
    await stageAndCommit(store, version(1));
    const stateBefore = fs.readFileSync(path.join(store.dir, 'state.json'), 'utf8');

    // Crash while receiving: a half-written staging directory.
    const staging = await store.stage(Buffer.from('{}'));
    await staging.write(Buffer.from('half a libr'));
    // Crash between moving the new version in and replacing state.json.
    const orphan = path.join(store.dir, 'versions', version(2).sha256!);
    fs.mkdirSync(orphan);
    fs.writeFileSync(path.join(orphan, 'library.ndjson'), 'library v2\n');
    // Crash while writing state.json: the temp file of the atomic replace.
    fs.writeFileSync(path.join(store.dir, 'state.json.123.abcd.tmp'), '{"current":');

    const reopened = new LastGoodStore(dataDir);
    const { recovered } = reopened.open();
    expect(reopened.current?.version).toBe('v1');
    expect(fs.readFileSync(path.join(store.dir, 'state.json'), 'utf8')).toBe(stateBefore);
    expect(recovered).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^staging\//),
        'state.json.123.abcd.tmp',
        `versions/${version(2).sha256}`,
      ]),
    );
    expect(fs.readdirSync(path.join(store.dir, 'staging'))).toEqual([]);
    expect(fs.existsSync(orphan)).toBe(false);
  });

  it('rolls back to the previous version and holds the one it left', async () => {
    const { store } = fresh();
    store.recordBundled({ ...version(0), sha256: null, origin: 'bundled', version: 'bundled-1' });
    await stageAndCommit(store, version(1));
    expect(store.previous?.version).toBe('bundled-1');
    const { from, to } = store.swapForRollback(new Date().toISOString());
    expect([from.version, to.version]).toEqual(['v1', 'bundled-1']);
    expect(store.current?.sha256).toBeNull();
    expect(store.heldBack).toEqual([version(1).sha256]);
    // Activating the held version again (an IT push) releases it.
    await stageAndCommit(store, version(1));
    expect(store.heldBack).toEqual([]);
    expect(store.previous?.version).toBe('bundled-1');
  });

  it('refuses a rollback with nothing to go back to', () => {
    const { store } = fresh();
    expect(() => store.swapForRollback(new Date().toISOString())).toThrow(/no previous library version/);
  });

  it('saves a version while its directory is held for a moment (an antivirus scan on Windows)', async (ctx) => {
    const { store } = fresh();
    await stageAndCommit(store, version(1));
    const versions = path.join(store.dir, 'versions');
    const undo = blockWrites(versions);
    if (!undo) return ctx.skip();
    const held = setTimeout(undo, 300);
    try {
      await stageAndCommit(store, version(2));
    } finally {
      clearTimeout(held);
      undo();
    }
    expect(store.current?.version).toBe('v2');
    expect(fs.readFileSync(store.files(version(2))!.library, 'utf8')).toBe('library v2\n');
  });

  it('a replaced version that cannot be removed does not fail the save; the next start removes it', async (ctx) => {
    const { dataDir, store } = fresh();
    await stageAndCommit(store, version(1));
    await stageAndCommit(store, version(2));
    const replaced = path.join(store.dir, 'versions', version(1).sha256!);
    const undo = blockWrites(replaced);
    if (!undo) return ctx.skip();
    let saved: Awaited<ReturnType<typeof stageAndCommit>>;
    try {
      saved = await stageAndCommit(store, version(3));
    } finally {
      undo();
    }
    expect(saved.notRemoved.map((n) => n.dir)).toEqual([replaced]);
    expect(store.current?.version).toBe('v3');
    expect(store.previous?.version).toBe('v2');
    const reopened = new LastGoodStore(dataDir);
    expect(reopened.open().recovered).toEqual([`versions/${version(1).sha256}`]);
    expect(fs.existsSync(replaced)).toBe(false);
  });

  it('does not delete stored versions when state.json is unreadable', async () => {
    const { dataDir, store } = fresh();
    await stageAndCommit(store, version(1));
    fs.writeFileSync(path.join(store.dir, 'state.json'), 'garbage');
    const reopened = new LastGoodStore(dataDir);
    reopened.open();
    expect(reopened.current).toBeNull();
    expect(fs.existsSync(path.join(store.dir, 'versions', version(1).sha256!))).toBe(true);
  });
});
