import { createHmac } from 'node:crypto';

/**
 * The key library images are authenticated with: derived from the install secret (install.secret), which never
 * leaves the workstation, so an image is accepted only by the installation that wrote it. A file dropped into the
 * data dir, or one copied from another workstation, cannot become the active library. Derived rather than the secret
 * itself, so that no HMAC the sidecar computes for another purpose (patient keys) can be taken for an image's.
 */
export function libraryImageKey(installSecret: Uint8Array): Buffer {
  return createHmac('sha256', installSecret).update('prealert library image').digest();
}
