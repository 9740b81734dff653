import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { replaceFile } from './durable-files';
import { OWNER_ONLY_FILE, restrictToOwner } from './owner-only';

/** A SQLite file whose exclusive lock the running sidecar holds; nothing is stored in it. */
export const LOCK_FILE_NAME = 'sidecar.lock';
/** Who holds the lock, for the message a second start gives: the lock itself cannot be read while it is held. */
export const HOLDER_FILE_NAME = 'sidecar.holder.json';

interface Holder {
  pid: number;
  started_at: string;
  port: number | null;
}

export interface DataDirLock {
  /** Records the port the holder listens on, for the message a second start gives. */
  listening(port: number): void;
  release(): void;
}

/**
 * One sidecar per data directory. Two on one directory split the doctors' decisions (each holds the continued ones
 * in memory), both ran the outbox and retention, and the one that stopped took the port file with it, so the
 * native shim failed open while the other still ran. The lock is SQLite's own exclusive lock on a file of its own
 * (a byte-range lock: fcntl on Linux, LockFileEx on Windows), taken without waiting: the operating system drops it
 * when the process ends however it ends, so a sidecar that crashed or was killed leaves no stale lock and there is
 * no pid to trust (a pid can be reused by another program after a reboot). The records database cannot carry this
 * lock: `prealert stats` and the other reading commands open it beside a running sidecar.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const lockFile = path.join(dataDir, LOCK_FILE_NAME);
  const holderFile = path.join(dataDir, HOLDER_FILE_NAME);
  createOwnerOnly(lockFile);
  const db = new Database(lockFile, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    // In EXCLUSIVE locking mode the first write takes the lock and the connection keeps it until it is closed.
    db.exec('BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS held (since TEXT); COMMIT');
  } catch (error) {
    db.close();
    const code = (error as { code?: string }).code;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') throw new Error(inUse(dataDir, readHolder(holderFile)));
    throw new Error(
      `data directory ${dataDir}: cannot lock ${LOCK_FILE_NAME}: ${(error as Error).message}; remove that file if no prealert sidecar runs on this directory`,
    );
  }
  const holder: Holder = { pid: process.pid, started_at: new Date().toISOString(), port: null };
  const writeHolder = () => replaceFile(holderFile, `${JSON.stringify(holder)}\n`);
  try {
    writeHolder();
  } catch (error) {
    db.close();
    throw new Error(`data directory ${dataDir}: ${(error as Error).message}`);
  }
  let released = false;
  return {
    listening(port) {
      holder.port = port;
      writeHolder();
    },
    release() {
      if (released) return;
      released = true;
      // Removed before the lock is let go: once it is, the next sidecar may already have written its own.
      if (readHolder(holderFile)?.pid === process.pid) fs.rmSync(holderFile, { force: true });
      db.close();
    },
  };
}

/**
 * The lock file names the process that owns the data dir's patient records, as the database does: created for its
 * owner only, as openDatabase creates the records database (SQLite alone makes it 0644 under umask 022), and made so
 * when an earlier build left it readable. Never opened when it is there already: closing any descriptor of a file
 * drops every POSIX lock this process holds on it, the sidecar's own included.
 */
function createOwnerOnly(lockFile: string): void {
  try {
    fs.closeSync(fs.openSync(lockFile, 'wx', OWNER_ONLY_FILE));
  } catch (error) {
    // There already (the usual case), or not creatable: SQLite's open below says why in the lock's own message.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return;
  }
  restrictToOwner(lockFile);
}

function readHolder(file: string): Holder | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Holder>;
    if (typeof parsed.pid !== 'number') return undefined;
    return {
      pid: parsed.pid,
      started_at: typeof parsed.started_at === 'string' ? parsed.started_at : '',
      port: typeof parsed.port === 'number' ? parsed.port : null,
    };
  } catch {
    return undefined;
  }
}

function inUse(dataDir: string, holder: Holder | undefined): string {
  const who = holder
    ? `prealert pid ${holder.pid}${holder.port === null ? ' (still starting)' : ` on port ${holder.port}`}${holder.started_at ? `, started ${holder.started_at}` : ''}`
    : 'another prealert process';
  return `data directory ${dataDir} is in use by ${who}: only one sidecar may run on a data directory; stop that one first, or give this one another --data-dir or PREALERT_DATA_DIR`;
}
