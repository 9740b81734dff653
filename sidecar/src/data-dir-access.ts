import fs from 'node:fs';
import path from 'node:path';
import { OWNER_ONLY_DIR } from './owner-only';

/** What an errno means for a data directory, in IT's words. */
export const CAUSES: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'a folder on its path does not exist',
  ENOTDIR: 'a part of its path is a file',
  EROFS: 'read-only file system',
  ENOSPC: 'the disk is full',
  EEXIST: 'a file of that name is in the way',
};

/**
 * Makes sure the data directory exists and can be written, before the records database is opened there: SQLite
 * says only "unable to open database file", which names neither the directory nor the cause. A service account
 * without rights to %ProgramData%\prealert is a common roll-out mistake, so this is said in one line, as a bad
 * setting is. A probe file is written and removed because on Windows the folder's ACL, not its mode, decides.
 */
export function checkDataDirWritable(dataDir: string): void {
  const probe = path.join(dataDir, `.write-probe-${process.pid}`);
  let step = 'create it';
  try {
    // Created owner-only here, as every later step would: the first mkdir decides the folder's mode.
    fs.mkdirSync(dataDir, { recursive: true, mode: OWNER_ONLY_DIR });
    step = 'write in it';
    fs.closeSync(fs.openSync(probe, 'w'));
    fs.rmSync(probe, { force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    const cause = CAUSES[code] ?? (error as Error).message;
    throw new Error(
      `data directory ${dataDir}: cannot ${step}: ${code} (${cause}); give the account prealert runs as the right to write there, or choose another with --data-dir or PREALERT_DATA_DIR`,
    );
  }
}
