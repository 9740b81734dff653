import { BundleError } from '@prealert/rules-cache';

/** Load failures that prove the stored files damaged; anything else (a key, a locked file) may pass. */
const DAMAGE_CODES = new Set(['hash_mismatch', 'truncated', 'bad_content']);

/**
 * Whether a failure proves the files damaged: damaged stored files are removed at start, and a platform bundle whose
 * download fails this way repeatedly is skipped (see failing-bundles).
 */
export function damage(error: unknown): boolean {
  return error instanceof BundleError && DAMAGE_CODES.has(error.code);
}
