import { message } from './error-message';
import type { StoredVersion } from './last-good-store';
import type { Unpacked } from './library-loading';
import { SyncRequestError } from './sync-request-error';
import type { SyncStatus } from './sync-types';

/**
 * Loads the version a rollback goes back to, or refuses with what IT is told (409, nothing changed): it cannot be
 * loaded, or it was the bundled library of an earlier prealert. `load`: the bundled library compiled, or the stored
 * version read back, as the target is.
 */
export async function loadRollbackTarget(
  target: StoredVersion,
  load: (target: StoredVersion) => Promise<Unpacked>,
): Promise<Unpacked> {
  let loaded: Unpacked;
  try {
    loaded = await load(target);
  } catch (error) {
    throw new SyncRequestError(
      `the previous version ${target.version} cannot be loaded, so nothing was changed: ${message(error)}`,
      409,
    );
  }
  if (loaded.compiled.meta.version !== target.version) {
    // An upgrade of prealert since: its bundled library is another version, and the old one is nowhere.
    throw new SyncRequestError(
      `the previous version ${target.version} was the national library bundled with an earlier prealert; this prealert bundles ${loaded.compiled.meta.version}, so there is nothing to roll back to (push ${target.version} to run it again)`,
      409,
    );
  }
  return loaded;
}

/**
 * The versions IT rolled back from (held back from the poller), named for status: by the platform's offer or the
 * previous version when either is that library, else by the start of its sha256.
 */
export function heldBackNames(
  heldBack: readonly string[],
  available: SyncStatus['available'],
  previous: StoredVersion | null,
): string[] {
  return heldBack.map((sha) =>
    available?.sha256 === sha ? available.version : sha === previous?.sha256 ? previous.version : sha.slice(0, 12),
  );
}
