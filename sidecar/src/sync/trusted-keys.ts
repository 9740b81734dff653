import { readPublicKeys, type TrustedKey } from '@prealert/rules-cache';
import { ConfigError } from '../config';

/**
 * The keys a bundle must be signed with: a file that cannot be read is a configuration error, named by the setting
 * that gave it (PREALERT_SYNC_PUBKEY, or the config file's sync.pubkey).
 */
export function loadKeys(files: readonly string[], setting = 'PREALERT_SYNC_PUBKEY'): TrustedKey[] {
  try {
    return files.flatMap((file) => readPublicKeys(file));
  } catch (error) {
    throw new ConfigError(`${setting}: ${(error as Error).message}`);
  }
}
