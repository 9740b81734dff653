import type { LibraryData } from '@prealert/core';
import type { LibraryHolder } from '../library-holder';
import type { Logger } from '../logging';
import { damage } from './damage';
import { message } from './error-message';
import type { LastGoodStore, StoredVersion } from './last-good-store';
import { bundledEntry, type Unpacked } from './library-loading';
import { rebuildCandidates, rebuildState, rebuiltNote, splitHeldBack } from './state-rebuild';
import type { UnusableVersion } from './sync-types';

export interface StartRestoreOptions {
  /** Opened already. */
  store: LastGoodStore;
  holder: LibraryHolder;
  logger: Logger;
  /** state.json could not be read when the store was opened: the state is rebuilt from the stored versions. */
  unreadable: boolean;
  /** The configured sync address, if any (see rebuildCandidates). */
  manifestUrl: string | undefined;
  /** The national library shipped with prealert. */
  loadBundled: () => LibraryData;
  /** Its sha256 as the build computed it; null for a library given in its place (tests). */
  bundledSha256: string | null;
  /** Reads a stored version back, verified as if just received (see loadStoredLibrary). */
  loadStored: (entry: StoredVersion) => Promise<Unpacked>;
}

export interface StartRestore {
  /** The version running now, if any. */
  active: StoredVersion | undefined;
  /** Stored versions that could not be loaded but were kept (see UnusableVersion). */
  unusable: UnusableVersion[];
  /** What status reports as the latest error: the last-good library did not run as stored, or the state was rebuilt. */
  error: Error | undefined;
}

function isIn(unusable: readonly UnusableVersion[], v: StoredVersion): boolean {
  return unusable.some((u) => u.sha256 === v.sha256);
}

/**
 * At start: the last-good library if there is one (falling back to the one before it if it is damaged), otherwise
 * the bundled national library, active already or compiled here when the start left it out. The library is swapped
 * into the holder here; the store is told of what runs.
 */
export async function restoreAtStart(options: StartRestoreOptions): Promise<StartRestore> {
  const { store, holder, logger } = options;
  let running = holder.get();
  if (running && running.info.source !== 'bundled') {
    // The embedding application chose the library itself.
    return { active: bundledEntry(running.compiled, running.info.activated_at), unusable: [], error: undefined };
  }
  let { current, previous } = store;
  // state.json unreadable: every stored version is a candidate, newest first, and the state is rebuilt from
  // what loads (the bundled library used to be recorded instead, and the next start deleted every version).
  const rebuilding = options.unreadable ? rebuildCandidates(store, options.manifestUrl, logger) : undefined;
  const split = rebuilding ? splitHeldBack(rebuilding, store.heldBack) : undefined;
  let candidates: StoredVersion[] = [];
  if (split) candidates = split.runnable;
  else if (current?.sha256) candidates = previous?.sha256 ? [current, previous] : [current];
  let active: StoredVersion | undefined;
  let loaded: StoredVersion | undefined;
  const damaged: StoredVersion[] = [];
  const unusable: UnusableVersion[] = [];
  for (const candidate of candidates) {
    try {
      const started = performance.now();
      const { compiled, origin, readFrom } = await options.loadStored(candidate);
      holder.swap(compiled, { source: 'last-good', origin, sha256: candidate.sha256 });
      active = candidate;
      loaded = candidate;
      logger.info(
        {
          version: candidate.version,
          ms: Math.round(performance.now() - started),
          ...(readFrom ? { read_from: readFrom } : {}),
        },
        'started with the last-good library',
      );
      break;
    } catch (error) {
      const isDamage = damage(error);
      logger.error(
        { err: error, version: candidate.version, files: isDamage ? 'removed' : 'kept' },
        'stored library is unusable',
      );
      if (isDamage) damaged.push(candidate);
      else unusable.push({ version: candidate.version, sha256: candidate.sha256, error: message(error) });
    }
  }
  // Nothing running and no load error: the start left the bundled library out for the last-good one (see
  // hasStoredLibrary), which turned out unusable. A start whose library failed to load stays without one.
  if (!loaded && !running && holder.loadError === undefined) {
    const failure = holder.load(options.loadBundled, 'bundled', options.bundledSha256);
    if (failure !== undefined) logger.error({ err: failure }, 'library could not be loaded');
    running = holder.get();
  }
  if (!loaded && running) active = bundledEntry(running.compiled, running.info.activated_at);
  let rebuilt: string | undefined;
  if (rebuilding) {
    ({ current, previous } = rebuildState(store, logger, candidates, damaged, loaded, split?.held));
    rebuilt = rebuiltNote(rebuilding.length, current, previous, store.heldBack.length);
    logger.warn({ current: current?.version ?? null, previous: previous?.version ?? null }, rebuilt);
  }
  const why = [
    ...damaged.map((v) => `${v.version} is damaged (removed)`),
    ...unusable.map((u) => `${u.version} cannot be loaded (kept): ${u.error}`),
  ];
  const rebuiltWhy = rebuilt && `${rebuilt}${why.length > 0 ? `: ${why.join('; ')}` : ''}`;
  if (!current || current.sha256 === null) {
    if (active) store.recordBundled(active);
    const error = rebuiltWhy ? new Error(`${rebuiltWhy}; running ${active?.version ?? 'no library'}`) : undefined;
    return { active, unusable, error };
  }
  if (loaded === current) return { active, unusable, error: rebuiltWhy ? new Error(rebuiltWhy) : undefined };
  // Damaged files go (the platform's copy is then downloaded again rather than found "already stored"), and the
  // store is told, or the next activation would keep a damaged version as previous and prune the one running.
  // A version that could not be loaded for another reason (a signing key taken out of PREALERT_SYNC_PUBKEY at the
  // end of a key rotation, a file an antivirus held) keeps its place and its files: it runs again at the next
  // start that can load it. (A rebuilt state names no damaged version, and their files went with the rebuild.)
  if (damaged.length > 0 && active && !rebuilding) {
    const keep = [current, previous].filter(
      (v): v is StoredVersion => !!v?.sha256 && !damaged.includes(v) && (v === loaded || isIn(unusable, v)),
    );
    try {
      store.replaceDamaged(keep.length > 0 ? keep : [active]);
    } catch (error) {
      logger.error({ err: error }, 'could not record the fallback in the last-good store');
    }
  }
  const error = new Error(
    `${rebuilt ? `${rebuilt}. ` : ''}last-good ${current.version} is unusable; running ${active?.version ?? 'no library'}: ${why.join('; ')}`,
  );
  return { active, unusable, error };
}
