import { BundleError, type BundleManifest } from '@prealert/rules-cache';
import type { StoredVersion } from './last-good-store';
import { refuseReusedName } from './reused-version-name';
import { SyncRequestError, workstationError } from './sync-request-error';
import type { PayloadKind, PollOutcome } from './sync-types';

/** Whether a bundle is older than the library running (by created_at): taking it would be a downgrade. */
export function olderThanRunning(m: BundleManifest, active: StoredVersion | undefined): boolean {
  const running = active ? Date.parse(active.created_at) : Number.NaN;
  return !Number.isNaN(running) && Date.parse(m.created_at) < running;
}

/**
 * A pushed library that runs already (answered as current, nothing activated again); one under the running
 * library's name with other content is refused; one older than the library running is refused unless IT allowed it; a delta that does not start from the one running is refused.
 * `canApplyDelta`: whether the bundle's delta applies to the library running (see deltaApplies).
 */
export function pushSettled(
  m: BundleManifest,
  kind: PayloadKind,
  allowOlder: boolean,
  active: StoredVersion | undefined,
  canApplyDelta: (m: BundleManifest) => boolean,
): PollOutcome | undefined {
  if (m.library.sha256 === active?.sha256) return { outcome: 'current', version: m.version };
  refuseReusedName(m, active, 'pushed manifest');
  if (!allowOlder && olderThanRunning(m, active)) {
    const running = active!;
    throw new SyncRequestError(
      `${m.version} (created ${m.created_at}) is older than ${running.version} (created ${running.created_at}), which this workstation runs; nothing was changed. To run the older library anyway, push it with allow_older=1 (prealert push --allow-older)`,
      409,
    );
  }
  if (kind === 'delta' && !(m.delta && canApplyDelta(m))) {
    throw new SyncRequestError(
      `the delta starts from ${m.delta?.from_version ?? '(none)'}, this workstation runs ${active?.version ?? '(none)'}: push the full library`,
      409,
    );
  }
  return undefined;
}

/**
 * What IT is answered when a push fails for a reason other than the bundle or the request (those say it).
 * `storeDir`: the last-good store's directory (see workstationError).
 */
export function pushFailure(error: unknown, storeDir: string): unknown {
  if (error instanceof SyncRequestError || error instanceof BundleError || error instanceof RangeError) return error;
  return workstationError('the pushed library could not be activated', error, storeDir);
}
