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
  // Created owner-only here, as every later step would: the first mkdir decides the folder's mode.
  const problem = folderWriteProblem(dataDir, 'create it', 'write in it');
  if (problem !== undefined)
    throw new Error(
      `data directory ${dataDir}: cannot ${problem}; give the account prealert runs as the right to write there, or choose another with --data-dir or PREALERT_DATA_DIR`,
    );
}

/**
 * Creates `folder` (owner-only) if missing and writes and removes a probe file in it; undefined when both work,
 * else what failed, its code and cause ("write in it: EACCES (…)"), for a one-line start-up error.
 */
export function folderWriteProblem(folder: string, creating: string, writing: string): string | undefined {
  const probe = path.join(folder, `.write-probe-${process.pid}`);
  let step = creating;
  try {
    fs.mkdirSync(folder, { recursive: true, mode: OWNER_ONLY_DIR });
    step = writing;
    fs.closeSync(fs.openSync(probe, 'w'));
    fs.rmSync(probe, { force: true });
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return `${step}: ${code} (${CAUSES[code] ?? (error as Error).message})`;
  }
}
