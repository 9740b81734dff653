import fs from 'node:fs';
import path from 'node:path';

/** Below this much free space a disk error of SQLite's (SQLITE_IOERR_*) is taken for a full disk. */
const NEARLY_FULL_BYTES = 1024 * 1024;

/**
 * Bytes the account may still write on the disk holding `dir` (or, while it is not created yet, the folder it will be
 * created in); undefined where the system cannot say.
 */
export function freeBytes(dir: string): number | undefined {
  for (let at = dir; ; ) {
    try {
      const s = fs.statfsSync(at);
      return s.bavail * s.bsize;
    } catch (error) {
      const up = path.dirname(at);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || up === at) return undefined;
      at = up;
    }
  }
}

/**
 * Whether an error code (the system's or SQLite's) says the disk is full: ENOSPC, a disk quota (EDQUOT, a user's share
 * on a terminal server), or SQLite's SQLITE_FULL. Read in one place so the records, the sync and the start-up say the
 * same about the same disk.
 */
export function isDiskFullCode(code: unknown): boolean {
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL';
}

/** Bytes as IT reads them in a message: "1.5 MB", "12 kB". */
export function shownBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.floor(bytes / 1024)} kB`;
}

/**
 * A disk error (SQLite's or the system's) in IT's words, naming the file and the folder's disk: SQLite said only
 * "disk I/O error" for a full disk at start, which reads as a failing disk or a damaged database. Undefined for
 * an error that is no disk error.
 */
export function diskProblem(error: unknown, file: string, dir: string): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  const full = isDiskFullCode(code);
  if (!full && !code.startsWith('SQLITE_IOERR')) return undefined;
  const free = freeBytes(dir);
  const said = `${code}: ${(error as Error).message}`;
  if (full || (free !== undefined && free < NEARLY_FULL_BYTES)) {
    const left = free === undefined ? '' : `${shownBytes(free)} free, `;
    return `${file} cannot be written: the disk holding ${dir} is full (${left}${said}); free space on it and start again`;
  }
  return `${file}: the disk holding ${dir} failed a read or write (${said}); check that disk`;
}
