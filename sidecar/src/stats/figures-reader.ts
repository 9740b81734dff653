import type { Worker } from 'node:worker_threads';
import type { Logger } from '../logging';
import type { Db } from '../store/database';
import { closeWorker, startWorker, wantedWorkerScript } from '../worker-start';
import {
  FIGURES_PROTOCOL,
  type FiguresAnswers,
  type FiguresQuery,
  type FiguresWorkerOptions,
  type FromFigures,
  type ToFigures,
} from './figures-protocol';
import { FiguresQueries } from './figures-queries';

/** Where figures are computed: the figures thread, or (it could not run) the request thread. */
export interface FiguresReader {
  /**
   * "worker": on the figures thread (started at the first query, started again after it stopped); "request": on the
   * request thread, the thread's file missing or the thread failed to start or kept stopping.
   */
  readonly where: 'worker' | 'request';
  query<Q extends FiguresQuery>(query: Q): Promise<FiguresAnswers[Q['kind']]>;
  /** Stops the figures thread; queries sent before are answered first. Call before closing the database. */
  close(): Promise<void>;
}

/** A figures thread that stops this many times is not started again: its work goes to the request thread. */
const MAX_WORKER_STARTS = 3;
const CLOSE_WAIT_MS = 5000;

interface Waiter {
  query: FiguresQuery;
  resolve: (value: FiguresAnswers[FiguresQuery['kind']]) => void;
  reject: (error: Error) => void;
}

/**
 * Computes figures on the figures thread (figures-worker.ts), started at the first query. Where it cannot start (its
 * file missing from a repackaged install, it fails), or after it stopped MAX_WORKER_STARTS times, queries are
 * answered on this thread with `db`, as before the thread existed: the same figures, at the cost of the requests
 * that wait meanwhile. Queries the thread had not answered when it stopped are answered here too.
 */
class LazyFiguresReader implements FiguresReader {
  private starting: Promise<Worker | undefined> | undefined;
  private starts = 0;
  private inThread: FiguresQueries | undefined;
  private onThisThread = false;
  private closing: Promise<void> | undefined;
  private seq = 0;
  private readonly waiting = new Map<number, Waiter>();

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    private readonly script: URL | undefined,
  ) {
    this.onThisThread = script === undefined;
  }

  get where(): 'worker' | 'request' {
    return this.onThisThread ? 'request' : 'worker';
  }

  async query<Q extends FiguresQuery>(query: Q): Promise<FiguresAnswers[Q['kind']]> {
    if (this.closing) throw new Error('figures are not computed any more: the sidecar is stopping');
    const worker = await this.worker();
    if (this.closing) throw new Error('figures are not computed any more: the sidecar is stopping');
    if (!worker) return this.answerHere(query);
    return new Promise<FiguresAnswers[Q['kind']]>((resolve, reject) => {
      const seq = ++this.seq;
      this.waiting.set(seq, {
        query,
        resolve: resolve as (value: FiguresAnswers[FiguresQuery['kind']]) => void,
        reject,
      });
      worker.postMessage({ type: 'query', seq, query } satisfies ToFigures);
    });
  }

  private answerHere<Q extends FiguresQuery>(query: Q): FiguresAnswers[Q['kind']] {
    this.inThread ??= new FiguresQueries(this.db);
    return this.inThread.query(query);
  }

  private worker(): Promise<Worker | undefined> {
    if (this.onThisThread) return Promise.resolve(undefined);
    this.starting ??= this.start();
    return this.starting;
  }

  private async start(): Promise<Worker | undefined> {
    this.starts++;
    try {
      const options: FiguresWorkerOptions = { file: this.db.name };
      const worker = await startWorker(this.script!, options, FIGURES_PROTOCOL);
      worker.unref();
      worker.on('message', (message: FromFigures) => {
        if (message.type !== 'answer' && message.type !== 'error') return;
        const waiter = this.waiting.get(message.seq);
        this.waiting.delete(message.seq);
        if (message.type === 'answer') waiter?.resolve(message.value);
        else waiter?.reject(new Error(message.message));
      });
      let stopped = false;
      const stop = (error: unknown) => {
        if (stopped || this.closing) return;
        stopped = true;
        this.stopped(error);
      };
      worker.on('error', stop);
      worker.on('exit', (code) => stop(new Error(`exited with code ${code}`)));
      return worker;
    } catch (error) {
      this.logger.warn({ err: error }, 'figures thread could not start; /v1/stats is computed on the request thread');
      this.onThisThread = true;
      return undefined;
    }
  }

  /** The thread stopped: what it had not answered is answered here; the next query starts it again, up to a point. */
  private stopped(error: unknown): void {
    this.starting = undefined;
    if (this.starts >= MAX_WORKER_STARTS) this.onThisThread = true;
    this.logger.error(
      { err: error },
      this.onThisThread
        ? 'figures thread stopped; /v1/stats is computed on the request thread from now on'
        : 'figures thread stopped; the next report starts it again',
    );
    const waiters = [...this.waiting.values()];
    this.waiting.clear();
    for (const waiter of waiters) {
      try {
        waiter.resolve(this.answerHere(waiter.query));
      } catch (failure) {
        waiter.reject(failure as Error);
      }
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const worker = await this.starting;
      if (!worker) return;
      // Every query posted before is answered first. A thread that does not answer is not worth holding shutdown
      // for: it only reads.
      await closeWorker(worker, CLOSE_WAIT_MS);
      for (const waiter of this.waiting.values()) waiter.reject(new Error('the figures thread closed'));
      this.waiting.clear();
    })();
    return this.closing;
  }
}

/**
 * The figures reader for the records database `db` (its file, opened again read-only on the figures thread).
 * `useWorker: false` computes on this thread, as tests of the fallback do.
 */
export function openFiguresReader(db: Db, logger: Logger, options: { useWorker?: boolean } = {}): FiguresReader {
  const script = wantedWorkerScript('figures-worker', {
    useWorker: options.useWorker,
    logger,
    missing: 'figures thread script missing; /v1/stats is computed on the request thread',
  });
  return new LazyFiguresReader(db, logger, script);
}
