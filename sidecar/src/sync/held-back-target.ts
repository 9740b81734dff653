import type { StoredVersion } from './last-good-store';
import { SyncRequestError } from './sync-request-error';

/**
 * Refuses a rollback whose target is held back, i.e. the version IT rolled back from (or replaced by an older push).
 * The store keeps two versions, so a second rollback used to swap them back: a retried script or a second person
 * acting on the same alert re-activated the bad library and held the good one back, and was told "rolled back".
 * `reactivate`: IT asked for that version explicitly (rollback --reactivate-held-back).
 */
export function refuseHeldBackTarget(target: StoredVersion, heldBack: readonly string[], reactivate: boolean): void {
  if (reactivate || target.sha256 === null || !heldBack.includes(target.sha256)) return;
  throw new SyncRequestError(
    `${target.version} (${target.sha256.slice(0, 12)}) is held back: it is the version rolled back from, and there is no older library on this workstation to roll back to, so nothing was changed. To run ${target.version} again, push it, or roll back with --reactivate-held-back`,
    409,
  );
}
