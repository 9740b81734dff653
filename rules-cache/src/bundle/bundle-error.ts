/**
 * Why a bundle (or one of its files) was refused. `where` names the file and line or the manifest field, so an
 * operator can tell a bad signature from a truncated download from a wrong hash at a glance.
 */
export class BundleError extends Error {
  override name = 'BundleError';

  constructor(
    message: string,
    readonly code: BundleErrorCode,
    readonly where?: string,
  ) {
    super(where ? `${where}: ${message}` : message);
  }
}

export type BundleErrorCode =
  /** The manifest is not JSON or misses or mistypes a field. */
  | 'bad_manifest'
  /** No signature of a trusted key verifies. */
  | 'untrusted'
  /** A file's bytes do not hash to what the signed manifest says. */
  | 'hash_mismatch'
  /** A file ends before its last line (a cut-off download). */
  | 'truncated'
  /** A line of a library or delta file is malformed or out of order. */
  | 'bad_content'
  /** A delta does not start from the library it is applied to. */
  | 'wrong_parent'
  /** A key or bundle file cannot be read. */
  | 'io'
  /** The bundle is for another region than the one this workstation is configured for. */
  | 'wrong_region'
  /** The bundle is older than one already taken, or dated in the future (a replay, or a publisher's bad clock). */
  | 'bad_date'
  /** A file is larger than the workstation accepts (PREALERT_SYNC_MAX_BYTES). */
  | 'too_large';
