import type { LibraryData } from '@prealert/core';
import { Slicer } from '@prealert/rules-cache';
import type { LibraryHolder } from '../library-holder';
import type { Logger } from '../logging';
import { refuseHeldBackTarget } from './held-back-target';
import type { LastGoodStore, StoredVersion } from './last-good-store';
import { compileBundled, type StoredLoad } from './library-loading';
import type { PollMemoryFile } from './poll-memory';
import { loadRollbackTarget } from './rollback';
import { SyncRequestError, workstationError } from './sync-request-error';
import type { ActivationReport } from './sync-types';
import { versionLabel } from './version-label';

// A rollback while the sidecar runs, from the previous version's load to its report: apart from LibrarySync, which
// runs it under its lock and keeps the state the callbacks set (at the same points as before the split).

export interface RollbackSwap {
  store: LastGoodStore;
  holder: LibraryHolder;
  logger: Logger;
  memoryFile: PollMemoryFile;
  now: () => number;
  sliceMs: number;
  restMs: number;
  /** The version before the one running (LibrarySync.previousOfRunning). */
  target: StoredVersion | null;
  /** The running version when it could not be saved as last-good. */
  unsaved: StoredVersion | undefined;
  reactivateHeldBack: boolean;
  /** The library running, read once the target is loaded. */
  active: () => StoredVersion | undefined;
  loadBundled: () => LibraryData;
  bundledSha256: string | null;
  loadStored: (entry: StoredVersion, slicer: Slicer) => Promise<StoredLoad>;
  /** Switched to `to`; `stored`: the target read back from the store (undefined for the bundled library). */
  onSwapped: (to: StoredVersion, stored: StoredLoad | undefined) => void;
  /** The report, as status's last_activation. */
  onReport: (report: ActivationReport) => void;
}

/** LibrarySync.rollback's steps, run inside its lock (see there). */
export async function rollBack({
  store,
  holder,
  logger,
  memoryFile,
  now,
  sliceMs,
  restMs,
  target,
  unsaved,
  reactivateHeldBack,
  active,
  loadBundled,
  bundledSha256,
  loadStored,
  onSwapped,
  onReport,
}: RollbackSwap): Promise<ActivationReport> {
  if (!target || !store.current)
    throw new SyncRequestError('there is no previous library version to roll back to', 409);
  // Before the target is loaded: a refusal changes nothing and costs nothing.
  refuseHeldBackTarget(target, store.heldBack, reactivateHeldBack);
  const started = performance.now();
  const slicer = new Slicer(sliceMs, restMs);
  let stored: StoredLoad | undefined;
  const { compiled, origin, readFrom, sha256 } = await loadRollbackTarget(target, async (version) => {
    if (version.sha256 === null) return compileBundled(loadBundled, slicer, bundledSha256);
    stored = await loadStored(version, slicer);
    return stored;
  });
  const before = holder.get()?.info.version ?? null;
  const from = active();
  // Saved before the switch: a save that fails leaves the running library, status and the store agreeing
  // (switched first, the workstation ran the older library while status said the newer one, and a restart
  // silently went back to the newer one).
  let to: StoredVersion;
  try {
    ({ to } = store.swapForRollback(new Date(now()).toISOString(), { unsaved, reactivateHeldBack }));
  } catch (error) {
    logger.error({ err: error, version: target.version }, 'rollback could not be saved');
    throw workstationError(
      `the rollback to ${target.version} could not be saved, so ${before ?? 'the running library'} keeps running`,
      error,
      store.dir,
    );
  }
  holder.swap(compiled, { source: 'rollback', origin, sha256: sha256 ?? target.sha256 });
  onSwapped(to, stored);
  // Re-read the platform's manifest on the next poll (no If-None-Match), so status shows what is held back.
  memoryFile.forgetEtag();
  memoryFile.save();
  const report: ActivationReport = {
    version_before: before,
    version: to.version,
    sha256: to.sha256 ?? '',
    source: 'rollback',
    path: to.sha256 === null ? 'bundled' : 'stored',
    bytes_received: 0,
    knowledge_points: compiled.knowledgePointCount,
    duration_ms: Math.round(performance.now() - started),
    yields: slicer.yields,
    ...(readFrom ? { read_from: readFrom } : {}),
    at: to.activated_at,
  };
  onReport(report);
  // At warn, as a roll-out event IT reconstructs later from the log: from which library to which.
  logger.warn(
    {
      ...report,
      from: from ? versionLabel(from.version, from.sha256) : before,
      to: versionLabel(to.version, to.sha256),
    },
    'library rolled back',
  );
  return report;
}
