import { message } from './error-message';
import type { StoredVersion } from './last-good-store';
import type { Unpacked } from './library-loading';
import { SyncRequestError } from './sync-request-error';
import type { SyncStatus } from './sync-types';
import { versionLabel } from './version-label';

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
 * The versions IT rolled back from (held back from the poller), named for status always the same way: the version
 * name and the start of the sha256. The name is the one kept when it was held back, else the platform's offer or
 * the previous version when either is that library.
 */
export function heldBackNames(
  heldBack: readonly string[],
  names: Readonly<Record<string, string>>,
  available: SyncStatus['available'],
  previous: StoredVersion | null,
): string[] {
  return heldBack.map((sha) => {
    const name =
      names[sha] ??
      (available?.sha256 === sha ? available.version : sha === previous?.sha256 ? previous.version : 'unknown version');
    return versionLabel(name, sha);
  });
}
