import fs from 'node:fs';

/**
 * What the sidecar keeps (the records database, its WAL and shared memory, the logs, rejected spool files) holds
 * reasons, ID-bearing free text and doctors' figures: on POSIX it is created for its owner only, so the other
 * accounts of a shared workstation (a machine-wide install under /var/lib/prealert) cannot read it. On Windows a
 * mode is only the read-only flag: files take the folder's ACL (README).
 */
export const OWNER_ONLY_FILE = 0o600;
export const OWNER_ONLY_DIR = 0o700;

const POSIX = process.platform !== 'win32';

/** Makes an existing file owner-only (one written by an earlier prealert, before files were created so). */
export function restrictToOwner(file: string): void {
  if (!POSIX) return;
  try {
    fs.chmodSync(file, OWNER_ONLY_FILE);
  } catch {
    // Not there (a WAL not yet written), not ours to change, or a file system without modes (a network share):
    // the sidecar starts all the same, as it did before files were made owner-only.
  }
}

/** As restrictToOwner, for a caller that must not wait on the disk. */
export async function restrictToOwnerAsync(file: string): Promise<void> {
  if (!POSIX) return;
  try {
    await fs.promises.chmod(file, OWNER_ONLY_FILE);
  } catch {
    // Gone, or not ours to change: nothing to do about it.
  }
}
