import fs from 'node:fs';
import { readManifestUnverified } from '@prealert/rules-cache';
import type { Logger } from '../logging';
import type { LastGoodStore, StoredVersion } from './last-good-store';

/**
 * The stored versions, newest first by their manifest's created_at (then by when they were stored), for a start
 * whose state.json could not be read. A version whose manifest cannot be read, or names another library than its
 * directory, cannot be told apart: it is left out (and removed by the next start, as a version state.json does
 * not name). Loading each (signature and hashes) is left to the start, as for the versions state.json names.
 * `manifestUrl`: the configured sync address, if any.
 */
export function rebuildCandidates(
  store: LastGoodStore,
  manifestUrl: string | undefined,
  logger: Logger,
): StoredVersion[] {
  const candidates: StoredVersion[] = [];
  for (const { sha256, manifest: file, storedAt } of store.storedVersions()) {
    try {
      const m = readManifestUnverified(fs.readFileSync(file), file);
      if (m.library.sha256 !== sha256) throw new Error(`names library ${m.library.sha256}, not its directory's`);
      candidates.push({
        version: m.version,
        sha256,
        // Not recorded anywhere else: a workstation that polls most likely pulled it.
        origin: manifestUrl ? 'sync' : 'push',
        created_at: m.created_at,
        activated_at: storedAt,
      });
    } catch (error) {
      logger.error({ err: error, sha256 }, 'a stored version cannot be named again: its manifest is unreadable');
    }
  }
  const time = (iso: string) => {
    const t = Date.parse(iso);
    return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
  };
  return candidates.sort(
    (a, b) => time(b.created_at) - time(a.created_at) || time(b.activated_at) - time(a.activated_at),
  );
}

/**
 * The candidates a rebuilt start may run, and the ones IT held back (still held back: see held-back-marks), which
 * it must not: the newest stored version is often the very one IT rolled back from.
 */
export function splitHeldBack(
  candidates: readonly StoredVersion[],
  heldBack: readonly string[],
): { runnable: StoredVersion[]; held: StoredVersion[] } {
  const isHeld = (v: StoredVersion) => v.sha256 !== null && heldBack.includes(v.sha256);
  return { runnable: candidates.filter((v) => !isHeld(v)), held: candidates.filter(isHeld) };
}

/**
 * Writes the rebuilt state: current is the newest runnable version not found damaged (the one loaded, or a newer
 * one that could not be loaded but is kept, as a start keeps it), previous the one loaded when it is not current,
 * else the next one, else a held-back one (what IT rolled back from stays the version to roll back to). Nothing
 * runnable and verifiable: no stored current version (the bundled library is recorded as at a first start).
 */
export function rebuildState(
  store: LastGoodStore,
  logger: Logger,
  candidates: readonly StoredVersion[],
  damaged: readonly StoredVersion[],
  loaded: StoredVersion | undefined,
  held: readonly StoredVersion[] = [],
): { current: StoredVersion | null; previous: StoredVersion | null } {
  const kept = candidates.filter((v) => !damaged.includes(v));
  const current = kept[0] ?? null;
  const previous = (loaded && loaded !== current ? loaded : kept[1]) ?? held[0] ?? null;
  try {
    store.rebuild(current, previous);
    // Damaged files go, as at any start (the platform's copy is then downloaded again).
    if (damaged.length > 0) store.removeUnnamed();
  } catch (error) {
    logger.error({ err: error }, 'the rebuilt library state could not be saved; the next start rebuilds it again');
  }
  return { current, previous };
}

/** What status and the log say of a rebuild: from how many versions, and what it made current and previous. */
export function rebuiltNote(
  candidates: number,
  current: StoredVersion | null,
  previous: StoredVersion | null,
  heldBack: number,
): string {
  return `state.json could not be read; rebuilt from the ${candidates} stored version(s): ${
    current ? `current ${current.version} (created ${current.created_at})` : 'none verifiable'
  }${previous ? `, previous ${previous.version}` : ''}${heldBack > 0 ? `; ${heldBack} version(s) IT held back stay held back` : ''}`;
}
