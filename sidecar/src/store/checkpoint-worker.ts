/**
 * Copies the records database's WAL into the database file, on its own thread with its own connection. SQLite
 * otherwise does this inside whichever commit crosses 1,000 WAL pages, on the request thread, fsync included: a
 * profile under 3101 load put it at about half of the recorder's cost. A PASSIVE checkpoint never blocks the writer;
 * once it has copied the whole WAL, the writer's next commit starts the WAL over, so the file stays small.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import {
  CHECKPOINT_PROTOCOL,
  type CheckpointerOptions,
  type CheckpointRun,
  type FromCheckpointer,
  type ToCheckpointer,
} from './checkpoint-protocol';
import { zeroDeletedContent } from './database';

/** A checkpoint's error as the main thread logs it: SQLite's message and code (SQLITE_BUSY passes). */
function failure(error: unknown): FromCheckpointer {
  const e = error as Error & { code?: string };
  return { type: 'failed', message: e.message, ...(e.code ? { code: e.code } : {}) };
}

function main(port: NonNullable<typeof parentPort>): void {
  const options = workerData as CheckpointerOptions;
  const send = (message: FromCheckpointer) => port.postMessage(message);
  const db = new Database(options.file, { fileMustExist: true });
  db.pragma('busy_timeout = 1000');
  // This connection never writes rows; it must not checkpoint on its own schedule either.
  db.pragma('wal_autocheckpoint = 0');
  zeroDeletedContent(db);
  const checkpoint = (mode: 'PASSIVE' | 'TRUNCATE'): CheckpointRun => {
    const [row] = db.pragma(`wal_checkpoint(${mode})`) as { busy: number; log: number; checkpointed: number }[];
    return { busy: row?.busy === 1, log: row?.log ?? 0, checkpointed: row?.checkpointed ?? 0 };
  };
  let last: CheckpointRun = { busy: false, log: 0, checkpointed: 0 };
  const timer = setInterval(() => {
    try {
      const run = checkpoint('PASSIVE');
      // Reported when the WAL changed since the last run: an idle sidecar sends nothing.
      if (run.log !== last.log || run.checkpointed !== last.checkpointed || run.busy !== last.busy)
        send({ type: 'checkpointed', run });
      last = run;
    } catch (error) {
      send(failure(error));
    }
  }, options.intervalMs);
  port.on('message', (message: ToCheckpointer) => {
    if (message.type === 'truncate') {
      // A PASSIVE checkpoint lets the writer start the WAL over but leaves the file's length, and with it the frames
      // beyond where new ones are written: rows retention just deleted, readable there until overwritten.
      let run: CheckpointRun = { busy: true, log: -1, checkpointed: -1 };
      try {
        run = checkpoint('TRUNCATE');
      } catch (error) {
        send(failure(error));
      }
      send({ type: 'truncated', run });
      return;
    }
    clearInterval(timer);
    try {
      // The main connection has written its last record: leave the database file whole and the WAL empty.
      checkpoint('TRUNCATE');
    } catch {
      // Busy or failed: the next start finds the WAL and SQLite replays it.
    }
    db.close();
    send({ type: 'closed' });
  });
  send({ type: 'ready', protocol: CHECKPOINT_PROTOCOL });
}

if (parentPort) main(parentPort);
