import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { fsyncDirAsync } from '../durable-files';
import { readJson, writeJsonAtomically, writeJsonAtomicallyAsync } from './atomic-json';
import { addHeldBackMarks, addHeldBackMarksAsync, dropStaleHeldBackMarks, readHeldBackMarks } from './held-back-marks';
import { refuseHeldBackTarget } from './held-back-target';
import type { PollMemory } from './poll-memory';
import {
  emptyState,
  isVersion,
  namesOf,
  type OfflineRollback,
  offlineRollbacksOf,
  readState,
  type StoredVersion,
  type StoreState,
} from './store-state';
import { RM_OPTIONS, retryingTransient } from './transient-retry';

// LibrarySource lives in library-source.ts, so that sync-types.ts needs nothing from the store (no import cycle).
export type { LibrarySource } from './library-source';
// The poller's memory (sync.json) types live in poll-memory.ts; imported from here as before.
export type { FailedBundle, PollMemory } from './poll-memory';
// The state.json types live in store-state.ts; the store's callers import them from here, as before.
export type { OfflineRollback, StoredVersion, StoreState } from './store-state';

export const STORE_DIR = 'library';
const STATE_FILE = 'state.json';
const POLL_FILE = 'sync.json';
const VERSIONS_DIR = 'versions';
const STAGING_DIR = 'staging';
export const STORED_LIBRARY_FILE = 'library.ndjson';
export const STORED_MANIFEST_FILE = 'manifest.json';
/** The library's packed form (library-image-file.ts), a cache written once the library is stored. */
export const STORED_IMAGE_FILE = 'library.image';
const WRITE_BLOCK_BYTES = 256 * 1024;

/** A library being received: written here first, moved into the store only once it is the active one. */
export interface Staging {
  dir: string;
  libraryFile: string;
  write(chunk: Uint8Array): Promise<void>;
  /** Flushes and fsyncs the library file. */
  finish(): Promise<void>;
  /** Removes the staged files, once the library file's stream has let go of them. */
  discard(): Promise<void>;
}

/**
 * Why an offline rollback has nothing to go back to, naming the data dir it looked in, as `stats` names the one it
 * read: a rollback run as another account, or without the service's --data-dir, looks in another folder than the
 * sidecar's, and "no previous version" alone sent IT looking at the library instead of the folder.
 */
export function noPreviousVersion(dataDir: string, current: StoredVersion | null): string {
  const stateFile = path.join(dataDir, STORE_DIR, STATE_FILE);
  const found = current
    ? `${stateFile} names only ${current.version}, the version it runs`
    : `no synced or pushed library is stored there (${stateFile} ${fs.existsSync(stateFile) ? 'names none' : 'does not exist'}); check that it is the data dir the sidecar runs with (--data-dir, PREALERT_DATA_DIR)`;
  return `there is no previous library version to roll back to in ${dataDir}: ${found}`;
}

/**
 * The last-good store in `<data dir>/library`: the active library and the one before it, each as the verified
 * bytes and the signed manifest that vouched for them, plus state.json naming which is which. state.json is
 * replaced atomically and only after the new library is active, so a crash at any point leaves it naming a
 * complete library that was active before.
 */
export class LastGoodStore {
  readonly dir: string;
  private state: StoreState = emptyState();

  constructor(dataDir: string) {
    this.dir = path.join(dataDir, STORE_DIR);
  }

  /**
   * Creates the directories, drops what an interrupted activation left behind, reads state.json. `unreadable`:
   * state.json is there but could not be read (only a damaged disk does this: it is replaced atomically); the
   * store then names no version, and the stored versions are kept for the caller to rebuild it from (`rebuild`).
   */
  open(): { recovered: string[]; unreadable: boolean } {
    fs.mkdirSync(path.join(this.dir, VERSIONS_DIR), { recursive: true });
    const recovered: string[] = [];
    const staging = path.join(this.dir, STAGING_DIR);
    if (fs.existsSync(staging)) {
      for (const name of fs.readdirSync(staging)) {
        fs.rmSync(path.join(staging, name), { recursive: true, force: true });
        recovered.push(`${STAGING_DIR}/${name}`);
      }
    }
    for (const name of fs.readdirSync(this.dir)) {
      if (name.endsWith('.tmp')) {
        fs.rmSync(path.join(this.dir, name), { force: true });
        recovered.push(name);
      }
    }
    // A library image being written when the process stopped (it is written under a temp name, then renamed).
    const versions = path.join(this.dir, VERSIONS_DIR);
    for (const version of fs.readdirSync(versions)) {
      let names: string[];
      try {
        names = fs.readdirSync(path.join(versions, version));
      } catch {
        continue;
      }
      for (const name of names.filter((n) => n.endsWith('.tmp'))) {
        fs.rmSync(path.join(versions, version, name), { force: true });
        recovered.push(`${VERSIONS_DIR}/${version}/${name}`);
      }
    }
    const stateFile = path.join(this.dir, STATE_FILE);
    const raw = readState(stateFile);
    // state.json is the record; the held-back marks stand in for its list only when it cannot be read (or is gone),
    // so that a damaged state.json does not let the poller bring back what IT rolled back from.
    let heldBack = readHeldBackMarks(this.dir);
    if (raw !== undefined) {
      heldBack = Array.isArray(raw.held_back) ? raw.held_back.filter((s): s is string => typeof s === 'string') : [];
      this.markHeldBack(heldBack);
    }
    this.state = {
      format: 1,
      current: isVersion(raw?.current) ? raw.current : null,
      previous: isVersion(raw?.previous) ? raw.previous : null,
      held_back: heldBack,
      held_back_names: namesOf(raw?.held_back_names),
    };
    const offline = offlineRollbacksOf(raw?.offline_rollbacks);
    if (offline.length > 0) this.state.offline_rollbacks = offline;
    // An unreadable state.json must not cost the stored versions as well: they are kept, to rebuild it from.
    const unreadable = raw === undefined && fs.existsSync(stateFile);
    if (!unreadable) recovered.push(...this.prune());
    return { recovered, unreadable };
  }

  /** The marks made to agree with a state.json just read (one written before the marks existed has none). */
  private markHeldBack(heldBack: readonly string[]): void {
    // Not written: again with the next state or start; until then state.json alone holds the list, as it always did.
    if (addHeldBackMarks(this.dir, heldBack)) dropStaleHeldBackMarks(this.dir, heldBack);
  }

  /** The version directories on disk, named by their library's sha256, with when each was stored. */
  storedVersions(): { sha256: string; manifest: string; storedAt: string }[] {
    const versions = path.join(this.dir, VERSIONS_DIR);
    const found: { sha256: string; manifest: string; storedAt: string }[] = [];
    for (const name of fs.readdirSync(versions)) {
      if (!/^[0-9a-f]{64}$/.test(name)) continue;
      try {
        // The directory was renamed into versions/ when its library was activated and saved.
        const storedAt = fs.statSync(path.join(versions, name)).mtime.toISOString();
        found.push({ sha256: name, manifest: path.join(versions, name, STORED_MANIFEST_FILE), storedAt });
      } catch {
        // Gone or unreadable: nothing to name.
      }
    }
    return found;
  }

  /**
   * A state.json that could not be read, written again from what the caller found on disk (see `open`); the held
   * back versions are the marked ones. The state is taken for this run even when it cannot be written (thrown).
   */
  rebuild(current: StoredVersion | null, previous: StoredVersion | null): void {
    const state: StoreState = {
      format: 1,
      current,
      previous,
      held_back: [...this.state.held_back],
      held_back_names: { ...this.state.held_back_names },
    };
    this.state = state;
    this.writeState(state);
  }

  get current(): StoredVersion | null {
    return this.state.current;
  }

  /** Whether state.json names a stored (not bundled) current version; reads only that file. */
  peekCurrent(): boolean {
    const raw = readJson(path.join(this.dir, STATE_FILE)) as Partial<StoreState> | undefined;
    return isVersion(raw?.current) && typeof raw.current.sha256 === 'string';
  }

  get previous(): StoredVersion | null {
    return this.state.previous;
  }

  get heldBack(): readonly string[] {
    return this.state.held_back;
  }

  /** The version name of each held-back sha256, as far as known (see StoreState.held_back_names). */
  get heldBackNames(): Readonly<Record<string, string>> {
    return this.state.held_back_names ?? {};
  }

  get offlineRollbacks(): readonly OfflineRollback[] {
    return this.state.offline_rollbacks ?? [];
  }

  /** The offline rollbacks were logged: state.json stops naming them, so the next start does not log them again. */
  forgetOfflineRollbacks(): void {
    if (this.state.offline_rollbacks === undefined) return;
    // Undefined is left out of the JSON written.
    this.writeState({ ...this.state, offline_rollbacks: undefined });
  }

  /**
   * Files of a stored version (undefined for the bundled library, which has none). `image` may be absent: it is
   * written after the version is stored, and a start without it reads the library file.
   */
  files(version: StoredVersion): { library: string; manifest: string; image: string } | undefined {
    if (version.sha256 === null) return undefined;
    const dir = path.join(this.dir, VERSIONS_DIR, version.sha256);
    return {
      library: path.join(dir, STORED_LIBRARY_FILE),
      manifest: path.join(dir, STORED_MANIFEST_FILE),
      image: path.join(dir, STORED_IMAGE_FILE),
    };
  }

  /** Whether the store still keeps this version (current or previous): a directory to write its image in. */
  keeps(version: StoredVersion): boolean {
    return version.sha256 !== null && [this.current?.sha256, this.previous?.sha256].includes(version.sha256);
  }

  async stage(manifest: Uint8Array): Promise<Staging> {
    const dir = path.join(this.dir, STAGING_DIR, `${Date.now()}-${randomBytes(4).toString('hex')}`);
    await fs.promises.mkdir(dir, { recursive: true });
    // On the thread pool: an fsync waits for whatever the disk is still writing (a previous 100 MB library).
    const handle = await fs.promises.open(path.join(dir, STORED_MANIFEST_FILE), 'w', 0o600);
    try {
      await handle.writeFile(manifest);
      await handle.sync();
    } finally {
      await handle.close();
    }
    const libraryFile = path.join(dir, STORED_LIBRARY_FILE);
    // Opened on the first write: a library read on a worker thread is written there, straight to libraryFile.
    let stream: fs.WriteStream | undefined;
    let failure: Error | undefined;
    const open = (): fs.WriteStream => {
      if (stream) return stream;
      stream = fs.createWriteStream(libraryFile, { mode: 0o600 });
      stream.on('error', (error) => {
        failure = error;
      });
      return stream;
    };
    let closed = false;
    // Small pieces are gathered into blocks: every write is a round trip to the thread pool.
    let gathered: Uint8Array[] = [];
    let gatheredBytes = 0;
    const writeGathered = async () => {
      if (gatheredBytes === 0) return;
      const block = gathered.length === 1 ? gathered[0]! : Buffer.concat(gathered, gatheredBytes);
      gathered = [];
      gatheredBytes = 0;
      const out = open();
      if (!out.write(block)) await once(out, 'drain');
    };
    const close = () =>
      new Promise<void>((resolve, reject) => {
        if (closed || !stream) return resolve();
        closed = true;
        stream.end((error?: Error | null) => (error ? reject(error) : resolve()));
      });
    return {
      dir,
      libraryFile,
      write: async (chunk) => {
        if (failure) throw failure;
        gathered.push(chunk);
        gatheredBytes += chunk.byteLength;
        if (gatheredBytes >= WRITE_BLOCK_BYTES) await writeGathered();
      },
      finish: async () => {
        if (failure) throw failure;
        await writeGathered();
        await close();
        if (failure) throw failure;
        // On the thread pool: flushing 100 MB to disk must not hold the event loop (it does, synchronously).
        const handle = await fs.promises.open(libraryFile, 'r+');
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
      },
      discard: async () => {
        if (stream && !closed) {
          closed = true;
          stream.destroy();
        }
        // An open still in flight would create the library file after the directory was listed for removal
        // (ENOTEMPTY): wait until the stream has closed.
        if (stream && !stream.closed) await once(stream, 'close');
        await fs.promises.rm(dir, { recursive: true, force: true });
      },
    };
  }

  /**
   * Makes a staged library the current one (the one it replaces becomes previous, or `ranBefore` when what ran was
   * not the current one). Called only after the library was swapped in: until state.json is replaced, a restart
   * comes back to the version before. `holdBack`: the sha256 of a version to hold back from the poller (the newer
   * one an allowed downgrade replaced).
   */
  async commit(
    staging: Staging,
    version: StoredVersion,
    ranBefore?: StoredVersion,
    holdBack?: StoredVersion,
  ): Promise<{ notRemoved: { dir: string; error: unknown }[] }> {
    // All on the thread pool: the flushes and the removal of a replaced 100 MB version take tens of milliseconds,
    // which on the event loop would land on the requests of the moment.
    const target = path.join(this.dir, VERSIONS_DIR, version.sha256!);
    if (fs.existsSync(target)) {
      // Stored already (a version held back, or one a start could not load but kept: its manifest signed by a key
      // no longer trusted, a file it could not read): the files just received and verified take its files' place,
      // library first. The bytes are the same library either way, so a crash in between leaves it consistent.
      for (const name of [STORED_LIBRARY_FILE, STORED_MANIFEST_FILE]) {
        const from = path.join(staging.dir, name);
        if (fs.existsSync(from)) await retryingTransient(() => fs.promises.rename(from, path.join(target, name)));
      }
      await fsyncDirAsync(target);
      await staging.discard();
    } else {
      // The staging directory's entries first, then the rename in versions/: after a power cut state.json never
      // names a directory whose files did not make it to disk.
      await fsyncDirAsync(staging.dir);
      await retryingTransient(() => fs.promises.rename(staging.dir, target));
      await fsyncDirAsync(path.dirname(target));
      await fsyncDirAsync(path.dirname(staging.dir));
    }
    const outgoing = ranBefore ?? this.state.current;
    const held = holdBack?.sha256 ?? undefined;
    const state = this.named(
      {
        ...this.state,
        current: version,
        previous: outgoing && outgoing.sha256 !== version.sha256 ? outgoing : this.state.previous,
        held_back: [
          ...this.state.held_back.filter((sha) => sha !== version.sha256 && sha !== held),
          ...(held && held !== version.sha256 ? [held] : []),
        ],
      },
      [outgoing, holdBack],
    );
    await addHeldBackMarksAsync(this.dir, state.held_back);
    await writeJsonAtomicallyAsync(path.join(this.dir, STATE_FILE), state);
    this.state = state;
    dropStaleHeldBackMarks(this.dir, state.held_back);
    // Saved from here on: a replaced version still held by another process is only disk space, which the next
    // start (or commit) frees. Reported to the caller to log, never as a failed save.
    const notRemoved: { dir: string; error: unknown }[] = [];
    await Promise.all(
      this.unnamed().map((dir) =>
        fs.promises.rm(dir, RM_OPTIONS).catch((error: unknown) => {
          notRemoved.push({ dir, error });
        }),
      ),
    );
    return { notRemoved };
  }

  /**
   * Records the bundled library as current when nothing else is (first start), or when the bundled one in the
   * state is an older prealert's: so the first pulled version has a previous to roll back to.
   */
  recordBundled(version: StoredVersion): void {
    const current = this.state.current;
    if (current && (current.sha256 !== null || current.version === version.version)) return;
    this.writeState({ ...this.state, current: version });
  }

  /**
   * A start found stored versions damaged: `keep` (in order: the versions still named, or the library running
   * instead) become current and previous, and the damaged files go, so the platform's copy is downloaded again
   * rather than found "already stored".
   */
  replaceDamaged(keep: readonly StoredVersion[]): void {
    const [current = null, previous = null] = keep;
    this.writeState({
      ...this.state,
      current,
      previous,
      held_back: this.state.held_back.filter((sha) => sha !== current?.sha256),
    });
    this.prune();
  }

  /**
   * Previous becomes current and the other way round; the version left is held back from the poller. `unsaved`:
   * the running version, activated but never saved here; the version before it is then the current one, which
   * stays current (its previous too) while the unsaved one is held back. `offline`: no sidecar runs to log it, so
   * the rollback is noted for the next start to log (OfflineRollback), in the same write. A target that is held
   * back (the version a rollback left) is refused unless `reactivateHeldBack`: see held-back-target.
   */
  swapForRollback(
    activatedAt: string,
    options: { unsaved?: StoredVersion; offline?: boolean; reactivateHeldBack?: boolean } = {},
  ): { from: StoredVersion; to: StoredVersion } {
    const { unsaved } = options;
    const { current, previous } = this.state;
    const reactivate = options.reactivateHeldBack ?? false;
    if (unsaved && current && unsaved.sha256 !== current.sha256) {
      refuseHeldBackTarget(current, this.state.held_back, reactivate);
      const to = { ...current, activated_at: activatedAt };
      const held = new Set(this.state.held_back);
      if (unsaved.sha256) held.add(unsaved.sha256);
      if (to.sha256) held.delete(to.sha256);
      this.writeState({ ...this.state, current: to, held_back: [...held] }, [unsaved]);
      return { from: unsaved, to };
    }
    if (!previous || !current) throw new Error(noPreviousVersion(path.dirname(this.dir), current));
    refuseHeldBackTarget(previous, this.state.held_back, reactivate);
    const to = { ...previous, activated_at: activatedAt };
    const held = new Set(this.state.held_back);
    if (current.sha256) held.add(current.sha256);
    if (to.sha256) held.delete(to.sha256);
    const noted = [
      ...this.offlineRollbacks,
      ...(options.offline
        ? [
            {
              from: { version: current.version, sha256: current.sha256 },
              to: { version: to.version, sha256: to.sha256 },
              at: activatedAt,
            },
          ]
        : []),
    ];
    this.writeState({
      format: 1,
      current: to,
      previous: current,
      held_back: [...held],
      ...(noted.length > 0 ? { offline_rollbacks: noted } : {}),
    });
    return { from: current, to };
  }

  readPollMemory(): PollMemory {
    const raw = readJson(path.join(this.dir, POLL_FILE));
    return typeof raw === 'object' && raw !== null ? (raw as PollMemory) : {};
  }

  writePollMemory(memory: PollMemory): Promise<void> {
    return writeJsonAtomicallyAsync(path.join(this.dir, POLL_FILE), memory);
  }

  /**
   * `state` with the names of its held-back versions: kept from the state before, else taken from the versions it
   * knows (`known`: others the caller knows, such as a running version never saved).
   */
  private named(state: StoreState, known: readonly (StoredVersion | null | undefined)[] = []): StoreState {
    const versions = [this.state.current, this.state.previous, state.current, state.previous, ...known];
    const names: Record<string, string> = {};
    for (const sha of state.held_back) {
      const name = this.state.held_back_names?.[sha] ?? versions.find((v) => v?.sha256 === sha)?.version;
      if (name !== undefined) names[sha] = name;
    }
    return { ...state, held_back_names: names };
  }

  private writeState(unnamed: StoreState, known: readonly (StoredVersion | null | undefined)[] = []): void {
    const state = this.named(unnamed, known);
    addHeldBackMarks(this.dir, state.held_back);
    writeJsonAtomically(path.join(this.dir, STATE_FILE), state);
    this.state = state;
    dropStaleHeldBackMarks(this.dir, state.held_back);
  }

  /** Removes the stored versions state.json does not name (after `rebuild`). */
  removeUnnamed(): string[] {
    return this.prune();
  }

  /** Removes stored versions state.json no longer names. */
  private prune(): string[] {
    const removed: string[] = [];
    for (const dir of this.unnamed()) {
      fs.rmSync(dir, RM_OPTIONS);
      removed.push(`${VERSIONS_DIR}/${path.basename(dir)}`);
    }
    return removed;
  }

  /** The stored version directories state.json no longer names. */
  private unnamed(): string[] {
    const keep = new Set([this.state.current?.sha256, this.state.previous?.sha256].filter(Boolean));
    const versions = path.join(this.dir, VERSIONS_DIR);
    return fs
      .readdirSync(versions)
      .filter((name) => !keep.has(name))
      .map((name) => path.join(versions, name));
  }
}
