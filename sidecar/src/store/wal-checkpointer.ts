import type { Worker } from 'node:worker_threads';
import type { Logger } from '../logging';
import { closeWorker, startWorker, wantedWorkerScript } from '../worker-start';
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
  /**
   * Copies the whole WAL into the database file and cuts the WAL to nothing, so rows just deleted are not left
   * readable in it (after retention). Resolves whether the WAL was cut; never rejects. Gives up, resolving false,
   * once `stop` is aborted: a stop is not held for the retries.
   */
  truncate(stop?: AbortSignal): Promise<boolean>;
  /** Stops checkpointing (a last TRUNCATE on the worker). Call before closing the database. */
  close(): Promise<void>;
}

/** A TRUNCATE waits for readers on older snapshots; tried this many times before leaving it to the next pass. */
const TRUNCATE_ATTEMPTS = 3;
const TRUNCATE_RETRY_MS = 1000;
const TRUNCATE_REPLY_MS = 10_000;
const CLOSE_WAIT_MS = 5000;

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
    // No thread to do it on: the request thread's connection does it, once a day after retention.
    const truncate = async () => {
      try {
        const [row] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
        return row?.busy === 0;
      } catch {
        return false;
      }
    };
    return { where: 'inline', runs: 0, last: undefined, truncate, close: async () => {} };
  };
  const script = wantedWorkerScript('checkpoint-worker', {
    useWorker: options.useWorker,
    logger,
    missing: 'WAL checkpoint worker script missing; SQLite checkpoints inside commits',
  });
  if (!script) return inline();
  const workerOptions: CheckpointerOptions = { file: db.name, intervalMs: options.intervalMs ?? 1000 };
  try {
    return new WorkerCheckpointer(db, await startWorker(script, workerOptions, CHECKPOINT_PROTOCOL), logger);
  } catch (error) {
    logger.warn({ err: error }, 'WAL checkpoint worker could not start; SQLite checkpoints inside commits');
    return inline();
  }
}

/** Waits `ms`, or less once `stop` is aborted. */
function pause(ms: number, stop: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stop?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    if (stop?.aborted) done();
    else stop?.addEventListener('abort', done);
  });
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

  async truncate(stop?: AbortSignal): Promise<boolean> {
    for (let attempt = 1; attempt <= TRUNCATE_ATTEMPTS; attempt++) {
      if (this.closing || this.exited || stop?.aborted) return false;
      const run = await this.truncateOnce(stop);
      if (run !== undefined && !run.busy) return true;
      if (attempt < TRUNCATE_ATTEMPTS) await pause(TRUNCATE_RETRY_MS, stop);
    }
    if (stop?.aborted) return false;
    this.logger.warn('the WAL could not be cut after pruning (the database was busy); the next pass tries again');
    return false;
  }

  private truncateOnce(stop: AbortSignal | undefined): Promise<CheckpointRun | undefined> {
    return new Promise((resolve) => {
      const finish = (run: CheckpointRun | undefined) => {
        clearTimeout(timer);
        this.worker.off('message', onMessage);
        this.worker.off('exit', onExit);
        stop?.removeEventListener('abort', onStop);
        resolve(run);
      };
      const onMessage = (message: FromCheckpointer) => {
        if (message.type === 'truncated') finish(message.run);
      };
      const onExit = () => finish(undefined);
      const onStop = () => finish(undefined);
      const timer = setTimeout(() => finish(undefined), TRUNCATE_REPLY_MS);
      this.worker.on('message', onMessage);
      this.worker.once('exit', onExit);
      stop?.addEventListener('abort', onStop);
      this.worker.postMessage({ type: 'truncate' });
    });
  }

  close(): Promise<void> {
    if (this.exited) this.closing ??= Promise.resolve();
    // A worker that does not answer is not worth holding shutdown for: the WAL is replayed at the next start.
    this.closing ??= closeWorker(this.worker, CLOSE_WAIT_MS);
    return this.closing;
  }
}
