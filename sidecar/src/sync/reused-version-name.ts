import type { BundleManifest } from '@prealert/rules-cache';
import type { StoredVersion } from './last-good-store';
import { SyncRequestError } from './sync-request-error';
import { shortSha } from './version-label';

/**
 * Refuses a library offered under the version name of the one running but with other content: the name is what IT
 * reads everywhere (fleet status, readyz, metrics, rollback messages), so taking it would leave two libraries no one
 * can tell apart. A publisher's mistake (an old builder, a bundle made by hand); nothing changes until the platform
 * publishes it under a new name. The bundled library has no sha256 to compare and is left out.
 */
export function refuseReusedName(m: BundleManifest, active: StoredVersion | undefined, where: string): void {
  if (!active?.sha256 || active.version !== m.version || active.sha256 === m.library.sha256) return;
  throw new SyncRequestError(
    `${where}: ${m.version} (library sha256 ${shortSha(m.library.sha256)}…) has the version name of the library this workstation runs but other content (sha256 ${shortSha(active.sha256)}…): nothing was changed; the publisher must give the changed library a new version name`,
    409,
  );
}
