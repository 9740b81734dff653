import { BundleError, type BundleManifest } from '@prealert/rules-cache';

/**
 * Refused before any byte is fetched: the library (received whole or rebuilt from a delta) is stored and held in
 * memory. `max`: PREALERT_SYNC_MAX_BYTES.
 */
export function checkSize(m: BundleManifest, where: string, max: number): void {
  for (const [field, size] of [
    ['library', m.library.size],
    ['delta', m.delta?.size ?? 0],
  ] as const) {
    if (size > max) {
      throw new BundleError(
        `${field} is ${size} bytes, more than the ${max} this workstation accepts (PREALERT_SYNC_MAX_BYTES)`,
        'too_large',
        `${where} signed.${field}.size`,
      );
    }
  }
}
