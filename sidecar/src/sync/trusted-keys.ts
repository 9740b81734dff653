import { readPublicKeys, type TrustedKey } from '@prealert/rules-cache';
import { ConfigError } from '../config';

/** The keys a bundle must be signed with (PREALERT_SYNC_PUBKEY): a file that cannot be read is a configuration error. */
export function loadKeys(files: readonly string[]): TrustedKey[] {
  try {
    return files.flatMap((file) => readPublicKeys(file));
  } catch (error) {
    throw new ConfigError(`PREALERT_SYNC_PUBKEY: ${(error as Error).message}`);
  }
}
