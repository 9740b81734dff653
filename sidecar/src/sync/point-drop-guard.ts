import type { BundleManifest } from '@prealert/rules-cache';
import { MIN_SHA256_PREFIX } from './shrink-consent';

/**
 * A library held instead of activated because it would drop more of the active library's knowledge points than
 * PREALERT_SYNC_MAX_DROP_SHARE allows. A broken provincial export (one NHSA batch instead of 17) verifies like any
 * other bundle, and activated it would silence most reminders on every workstation it reaches; the hospital keeps
 * the last-good library and IT is told, in status, the log and the metrics, until an admin takes it on purpose.
 */
export interface HeldLibrary {
  version: string;
  sha256: string;
  created_at: string;
  /** Offered by the platform's poll, or pushed by IT (a push is not kept: it is sent again to take it). */
  source: 'sync' | 'push';
  /** The active library's knowledge points, and the held one's (its signed manifest's count). */
  points_before: number;
  points_after: number;
  /** (before − after) / before, to 3 decimals. */
  dropped_share: number;
  max_drop_share: number;
  reason: string;
  at: string;
}

/** The active library, as far as the guard needs it. */
export interface RunningLibrary {
  version: string;
  points: number;
}

/** A share as people read it, to a tenth of a percent: 0.742 → `74.2%`. */
export const percent = (share: number) => `${Math.round(share * 1000) / 10}%`;

/**
 * Why `m` is held, or undefined when it may be activated. `running` is undefined on a workstation that has taken no
 * library from a bundle yet (it runs the bundled national library): a first library is never held, since there is no
 * hospital library to keep. `maxDropShare` undefined: the guard is off.
 */
export function pointDropHold(
  m: BundleManifest,
  running: RunningLibrary | undefined,
  maxDropShare: number | undefined,
  how: { source: 'sync' | 'push'; at: string },
): HeldLibrary | undefined {
  if (maxDropShare === undefined || !running || running.points === 0) return undefined;
  const after = m.library.knowledge_points;
  const dropped = Math.max(0, running.points - after) / running.points;
  if (dropped <= maxDropShare) return undefined;
  const explicitly =
    how.source === 'push'
      ? 'push it with allow_shrink=1 (prealert push --allow-shrink)'
      : // Named: should the platform offer another library by the time IT asks, that one is not taken unguarded.
        `POST /v1/admin/sync?allow_shrink=${m.library.sha256.slice(0, MIN_SHA256_PREFIX)}`;
  return {
    version: m.version,
    sha256: m.library.sha256,
    created_at: m.created_at,
    source: how.source,
    points_before: running.points,
    points_after: after,
    dropped_share: Math.round(dropped * 1000) / 1000,
    max_drop_share: maxDropShare,
    reason:
      `${m.version} has ${after} knowledge points, ${running.version} has ${running.points}: ` +
      `${running.points - after} (${percent(dropped)}) would be gone, more than PREALERT_SYNC_MAX_DROP_SHARE ` +
      `allows (${percent(maxDropShare)}); it is held and ${running.version} stays active. To run it anyway, ${explicitly}`,
    at: how.at,
  };
}
