import { createHash } from 'node:crypto';

/** The hex sha256 of bytes (a string as UTF-8): how a manifest names a file's content and a key's id is made. */
export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}
