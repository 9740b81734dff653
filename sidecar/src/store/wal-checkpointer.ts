import type { Worker } from 'node:worker_threads';
import type { Logger } from '../logging';
import { startWorker, workerScript } from '../worker-start';
import {
  CHECKPOINT_PROTOCOL,
  type CheckpointerOptions,
  type CheckpointRun,
  type FromCheckpointer,
} from './checkpoint-protocol';
import type { Db } from './database';

/** SQLite's default: checkpoint inside the commit that takes the WAL past this many pages. */
const SQLITE_AUTOCHECKPOINT_PAGES = 1000;

export interface WalCheckpointer {
  /** "worker": checkpoints run on their own thread; "inline": SQLite's own, inside commits (the worker could not start). */
  readonly where: 'worker' | 'inline';
  /** Checkpoints that copied frames, since start. */
  readonly runs: number;
  readonly last: CheckpointRun | undefined;
  /** Stops checkpointing (a last TRUNCATE on the worker). Call before closing the database. */
  close(): Promise<void>;
}

/**
 * Moves the records database's WAL checkpoints off the request thread: turns off SQLite's automatic checkpoint on
 * `db` and starts a worker that checkpoints every `intervalMs`. Where the worker cannot run (its file missing from a
 * repackaged install, it fails or dies) SQLite's automatic checkpoint is turned back on: slower commits, never an
 * ever-growing WAL.
 */
export async function startWalCheckpointer(
  db: Db,
  logger: Logger,
  options: { intervalMs?: number; useWorker?: boolean } = {},
): Promise<WalCheckpointer> {
  const inline = (): WalCheckpointer => {
    db.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`);
    return { where: 'inline', runs: 0, last: undefined, close: async () => {} };
  };
  const script = options.useWorker === false ? undefined : workerScript('checkpoint-worker');
  if (!script) {
    if (options.useWorker !== false)
      logger.warn('WAL checkpoint worker script missing; SQLite checkpoints inside commits');
    return inline();
  }
  const workerOptions: CheckpointerOptions = { file: db.name, intervalMs: options.intervalMs ?? 1000 };
  try {
    return new WorkerCheckpointer(db, await startWorker(script, workerOptions, CHECKPOINT_PROTOCOL), logger);
  } catch (error) {
    logger.warn({ err: error }, 'WAL checkpoint worker could not start; SQLite checkpoints inside commits');
    return inline();
  }
}

class WorkerCheckpointer implements WalCheckpointer {
  readonly where = 'worker' as const;
  runs = 0;
  last: CheckpointRun | undefined;
  private closing: Promise<void> | undefined;
  private exited = false;
  private failuresLogged = 0;

  constructor(
    private readonly db: Db,
    private readonly worker: Worker,
    private readonly logger: Logger,
  ) {
    db.pragma('wal_autocheckpoint = 0');
    worker.unref();
    worker.on('message', (message: FromCheckpointer) => {
      if (message.type === 'checkpointed') {
        this.last = message.run;
        if (message.run.checkpointed > 0) this.runs++;
      } else if (message.type === 'failed' && this.failuresLogged++ < 10) {
        // A busy or locked database passes; the next interval tries again. Logged, bounded, not fatal.
        logger.warn({ code: message.code, reason: message.message }, 'WAL checkpoint failed; retrying');
      }
    });
    worker.on('error', (error) => this.fallBack(error));
    worker.on('exit', (code) => {
      this.exited = true;
      if (!this.closing) this.fallBack(new Error(`exited with code ${code}`));
    });
  }

  private fallBack(error: unknown): void {
    if (this.closing || !this.db.open) return;
    this.logger.error({ err: error }, 'WAL checkpoint worker stopped; SQLite checkpoints inside commits again');
    this.db.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`);
  }

  close(): Promise<void> {
    if (this.exited) this.closing ??= Promise.resolve();
    this.closing ??= new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      // A worker that does not answer is not worth holding shutdown for: the WAL is replayed at the next start.
      const timer = setTimeout(() => void this.worker.terminate().then(done, done), 5000);
      this.worker.on('message', (message: FromCheckpointer) => {
        if (message.type === 'closed') void this.worker.terminate().then(done, done);
      });
      this.worker.once('exit', done);
      this.worker.postMessage({ type: 'close' });
    });
    return this.closing;
  }
}
