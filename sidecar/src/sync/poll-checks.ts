/**
 * What a poll (and a push) decides about the platform's library before anything is downloaded: whether it is to be
 * activated at all, whether it would drop too many points, and what a poll under the lock does with it. Apart from
 * LibrarySync because these are decisions on its state as it is at one moment, with no awaits: LibrarySync keeps the
 * order of the steps and the lock, and hands these a fresh PollChecks each time.
 */
import type { BundleManifest } from '@prealert/rules-cache';
import type { LibraryHolder } from '../library-holder';
import type { Logger } from '../logging';
import type { LastGoodStore, PollMemory, StoredVersion } from './last-good-store';
import { type HeldLibrary, pointDropHold } from './point-drop-guard';
import type { ReplayGuard } from './replay-guard';
import { refuseReusedName } from './reused-version-name';
import { notConsented, type ShrinkConsent } from './shrink-consent';
import type { PollOutcome } from './sync-types';

/** LibrarySync's state as the checks read it, taken when they start (nothing in them awaits). */
export interface PollChecks {
  active: StoredVersion | undefined;
  store: LastGoodStore;
  replay: ReplayGuard;
  memory: PollMemory;
  holder: LibraryHolder;
  /** PREALERT_SYNC_MAX_DROP_SHARE; undefined: the point-drop guard is off. */
  maxDropShare: number | undefined;
  now: () => number;
  logger: Logger;
  /** The library held last (until something else is activated), and how a newly held one replaces it. */
  held: HeldLibrary | undefined;
  keepHeld: (held: HeldLibrary) => void;
}

/**
 * Why the platform's library is not activated: it runs already, IT held it back; thrown: it reuses the running
 * library's name, or it is older (a replay).
 */
export function notToActivate(checks: PollChecks, m: BundleManifest, where: string): PollOutcome | undefined {
  if (m.library.sha256 === checks.active?.sha256) return { outcome: 'current', version: m.version };
  if (checks.store.heldBack.includes(m.library.sha256)) return { outcome: 'held_back', version: m.version };
  refuseReusedName(m, checks.active, where);
  // The running library counts even when it could not be saved: the platform's older one would be a step back.
  checks.replay.checkNotReplayed(m, where, checks.memory, [checks.store.current, checks.active]);
  return undefined;
}

/**
 * Holds `m` when it would drop more of the active library's points than the setting allows (point-drop-guard.ts);
 * logged at warn the first time a library is held, not at every poll that offers it again.
 */
export function holdForDrop(
  checks: PollChecks,
  m: BundleManifest,
  source: HeldLibrary['source'],
): HeldLibrary | undefined {
  const running = checks.holder.get();
  // Running the bundled national library (a new install, or rolled back to it): no library of the hospital's to keep.
  const taken =
    running && checks.active?.sha256 != null
      ? { version: running.info.version, points: running.compiled.knowledgePointCount }
      : undefined;
  const held = pointDropHold(m, taken, checks.maxDropShare, { source, at: new Date(checks.now()).toISOString() });
  if (!held) return undefined;
  const again = checks.held?.sha256 === held.sha256 && checks.held.source === source;
  checks.keepHeld(held);
  if (!again) {
    checks.logger.warn(
      { ...held, running: taken?.version },
      'library held: it would drop too many knowledge points; the active library stays',
    );
  }
  return held;
}

/**
 * What a poll does with the platform's library once it holds the lock: the outcome when it is not to be activated,
 * undefined when it is to be downloaded and activated.
 */
export function settledUnderLock(
  checks: PollChecks,
  m: BundleManifest,
  shown: string,
  allowShrink: ShrinkConsent,
): PollOutcome | undefined {
  // Again under the lock: a push or a rollback that ran while this poll waited for it may have changed
  // what runs and how new a bundle must be (without this, the platform's older library replaced a newer
  // one IT had just pushed).
  const offered = { version: m.version, sha256: m.library.sha256 };
  const refusal = notConsented(allowShrink, offered, 'the platform now offers');
  if (refusal !== undefined && typeof allowShrink === 'object') {
    // The platform changed its offer since IT looked: the new one is guarded as any poll's, so status shows it.
    const heldNow = notToActivate(checks, m, shown) ? undefined : holdForDrop(checks, m, 'sync');
    return {
      outcome: 'not_named',
      ...offered,
      named: allowShrink.sha256,
      reason: refusal,
      held: heldNow ?? null,
    };
  }
  const settledNow = notToActivate(checks, m, shown);
  if (settledNow) return settledNow;
  const held = allowShrink ? undefined : holdForDrop(checks, m, 'sync');
  if (held) return { outcome: 'held', held };
  return undefined;
}
