import type { IncomingHttpHeaders } from 'node:http';
import type { Worker } from 'node:worker_threads';
import type { EvaluatorConfig } from '@prealert/core';
import type { ActiveLibrary, LibraryHolder } from '../library-holder';
import type { Logger } from '../logging';
import type { Answered, Arrival, NationalAnswerer } from '../national/national-answerer';
import type { NationalRoute } from '../national/national-routes';
import type { SidecarMetrics } from '../sidecar-metrics';
import type { ContinuedListener } from '../store/disposition-types';
import type { DispositionStore } from '../store/dispositions';
import type { AnalysisRecorder } from '../store/records';
import { watchServingThread } from '../sync/main-thread-load';
import { startWorker, wantedWorkerScript } from '../worker-start';
import {
  ANALYSIS_PROTOCOL,
  type AnalysisWorkerData,
  FORWARDED_HEADERS,
  type ForwardedHeaders,
  type FromAnalysisWorker,
  ownedBytes,
  type ToAnalysisWorker,
} from './analysis-protocol';

const RESTART_FIRST_MS = 1_000;
const RESTART_MAX_MS = 60_000;
const CLOSE_WAIT_MS = 5_000;

export interface AnalysisThreadOptions {
  holder: LibraryHolder;
  dispositions: Pick<
    DispositionStore,
    'continuedReasons' | 'continuedLinesUnder' | 'earlierVisitDecisions' | 'onContinuedChange'
  >;
  recorder: Pick<AnalysisRecorder, 'enqueue'>;
  metrics: Pick<SidecarMetrics, 'ruleHit'>;
  logger: Logger;
  admdvs: string;
  /** The install secret, for the worker to key patients as the database does (AnalysisWorkerData.installSecret). */
  installSecret: Uint8Array;
  evaluator: Partial<EvaluatorConfig>;
  /** SidecarConfig.outputMaxChars (NationalServiceDeps.outputMaxChars). */
  outputMaxChars?: number;
  shimToken?: string | undefined;
  allowedOrigins: readonly string[];
  /** The response serial counter shared with the request thread's service (sharedSerials). */
  serials: SharedArrayBuffer;
  /**
   * The answer to a call the worker held when it stopped: its body went to the worker, so it can be neither
   * evaluated nor handed back (an error envelope, so the HIS goes on).
   */
  lostAnswer: (route: NationalRoute, arrival: Arrival) => Answered;
}

/** /v1/status `analysis`: where 3101/3102 are evaluated and how many each way since start. */
export interface AnalysisThreadStatus {
  /** "worker" while the analysis thread holds the active library; "request" while the request thread answers. */
  evaluating_on: 'worker' | 'request';
  answered_on_worker: number;
  /** Calls the worker handed back (3103, no library there): the request thread answered them. */
  handed_back: number;
  /** Calls the worker held when it stopped, answered with an error. */
  lost: number;
  restarts: number;
  last_error: string | null;
}

interface Pending {
  resolve: (answered: Promise<Answered>) => void;
  headers: IncomingHttpHeaders;
  route: NationalRoute;
  arrival: Arrival;
}

/**
 * 3101/3102 evaluated on a worker thread: the request thread reads the socket, hands the body's bytes over, and
 * writes back the bytes it gets, with the record. Decoding, JSON parsing, validation and evaluation — most of a
 * call's cost — then run beside the request thread instead of on it. The worker keeps a copy of the active library
 * (a packed one is shared, not copied) and of the doctor's "continue" decisions, both followed as they change.
 *
 * Whatever the worker cannot answer goes to the request thread's own answerer, the `fallback`: 3103, calls while
 * the worker has not yet taken the active library, calls pending when it stopped (it is restarted with backoff),
 * and everything when it could not start. Prescribing never waits on the worker's health.
 */
export class AnalysisThread {
  private worker: Worker | undefined;
  private generation = 0;
  private workerGeneration = -1;
  private nextId = 0;
  private workerContinuedCount: number | undefined;
  private readonly pending = new Map<number, Pending>();
  /** Decisions stored while a worker starts (after its snapshot was taken), sent once it is up. */
  private decisionsWhileStarting: Parameters<ContinuedListener>[] | undefined;
  private fallback: NationalAnswerer | undefined;
  private closed = false;
  private restartDelayMs = RESTART_FIRST_MS;
  private restartTimer: NodeJS.Timeout | undefined;
  private launchedAt = 0;
  private readonly counts = { answered: 0, handedBack: 0, lost: 0, restarts: 0 };
  private lastError: string | null = null;
  /** Stops counting the worker's event loop in the load the library worker rests on. */
  private unwatchLoad: (() => void) | undefined;

  private constructor(
    private readonly options: AnalysisThreadOptions,
    private readonly script: URL,
  ) {
    options.holder.onSwap((active) => this.follow(active));
    options.dispositions.onContinuedChange((jrId, reason, lines, returned, earlierVisit) => {
      if (this.worker) this.post({ type: 'continued', jrId, reason, lines, returned, earlierVisit });
      else this.decisionsWhileStarting?.push([jrId, reason, lines, returned, earlierVisit]);
      // With neither, the next worker's snapshot has it.
    });
  }

  /** Starts the worker; undefined (the request thread answers everything) when its script is missing or it fails. */
  static async start(options: AnalysisThreadOptions): Promise<AnalysisThread | undefined> {
    const script = wantedWorkerScript('analysis-worker', {
      logger: options.logger,
      missing: 'dist/analysis-worker.js is missing: 3101/3102 are evaluated on the request thread',
    });
    if (!script) return undefined;
    const thread = new AnalysisThread(options, script);
    try {
      await thread.launch();
      return thread;
    } catch (error) {
      options.logger.error(
        { err: error },
        'the analysis thread did not start: 3101/3102 are evaluated on the request thread',
      );
      thread.closed = true;
      return undefined;
    }
  }

  /**
   * The answerer to serve with: the worker's where it can, `fallback` (the request thread's) otherwise and
   * whenever `usable()` says no (an upstream gateway to merge with, a stale library refused).
   */
  answerer(fallback: NationalAnswerer, usable: () => boolean): NationalAnswerer {
    this.fallback = fallback;
    return (headers, raw, route, arrival) => {
      const worker = this.worker;
      if (
        !worker ||
        this.workerGeneration !== this.generation ||
        !Buffer.isBuffer(raw) ||
        raw.length === 0 ||
        !usable()
      ) {
        return fallback(headers, raw, route, arrival);
      }
      const at: Arrival = arrival ?? { receivedAt: new Date(), startedAt: performance.now() };
      // Transferred, and no reference kept: a body held here while the worker answers survives this thread's
      // scavenges and is promoted, and 40 kB bodies promoted at 2,000 calls/s had V8 run a full collection every
      // quarter second (external memory pressure). The socket's buffer is usually the body exactly.
      const body = ownedBytes(raw);
      const id = ++this.nextId;
      return new Promise<Answered>((resolve) => {
        const message: ToAnalysisWorker = {
          type: 'answer',
          id,
          headers: forwardedHeaders(headers),
          body,
          route,
          receivedAt: at.receivedAt.getTime(),
          startedAtEpoch: performance.timeOrigin + at.startedAt,
        };
        worker.postMessage(message, [body.buffer as ArrayBuffer]);
        // After the post: one that throws leaves nothing waiting here. The answer comes in a later turn.
        this.pending.set(id, { resolve, headers, route, arrival: at });
      });
    };
  }

  status(): AnalysisThreadStatus {
    return {
      evaluating_on: this.worker && this.workerGeneration === this.generation ? 'worker' : 'request',
      answered_on_worker: this.counts.answered,
      handed_back: this.counts.handedBack,
      lost: this.counts.lost,
      restarts: this.counts.restarts,
      last_error: this.lastError,
    };
  }

  /** Waits (at most 5 s) for the calls the worker holds, then stops it. Call after the HTTP server closed. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.restartTimer);
    const deadline = Date.now() + CLOSE_WAIT_MS;
    while (this.pending.size > 0 && this.worker && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const worker = this.worker;
    this.worker = undefined;
    this.unwatchLoad?.();
    this.loseAll();
    if (worker) await worker.terminate();
  }

  /** Calls handed to the worker and not yet answered. */
  get waiting(): number {
    return this.pending.size;
  }

  /** Test hook: stops the worker as a crash would (it is restarted). */
  async crashForTest(): Promise<void> {
    await this.worker?.terminate();
  }

  private async launch(): Promise<void> {
    // Before the snapshot: a decision stored meanwhile is sent again after it, which changes nothing.
    this.decisionsWhileStarting = [];
    const data: AnalysisWorkerData = {
      admdvs: this.options.admdvs,
      installSecret: this.options.installSecret,
      evaluator: this.options.evaluator,
      outputMaxChars: this.options.outputMaxChars ?? 0,
      ...(this.options.shimToken ? { shimToken: this.options.shimToken } : {}),
      allowedOrigins: this.options.allowedOrigins,
      serials: this.options.serials,
      earlierVisits: this.options.dispositions.earlierVisitDecisions(),
      ...this.decisionsUnder(this.options.holder.get()?.info.version),
    };
    let worker: Worker;
    try {
      worker = await startWorker(this.script, data, ANALYSIS_PROTOCOL);
    } catch (error) {
      this.decisionsWhileStarting = undefined;
      throw error;
    }
    const missed = this.decisionsWhileStarting;
    this.decisionsWhileStarting = undefined;
    if (this.closed) {
      await worker.terminate();
      return;
    }
    this.worker = worker;
    this.launchedAt = Date.now();
    // A library being packed yields to this thread too, not only to the request thread.
    this.unwatchLoad = watchServingThread(() => worker.performance.eventLoopUtilization());
    for (const [jrId, reason, lines, returned, earlierVisit] of missed)
      this.post({ type: 'continued', jrId, reason, lines, returned, earlierVisit });
    worker.on('message', (message: FromAnalysisWorker) => this.receive(message));
    let failure: string | undefined;
    worker.on('error', (error) => {
      failure = error.message;
      this.options.logger.error({ err: error }, 'the analysis thread failed');
    });
    worker.once('exit', (code) => this.stopped(worker, failure ?? `exited with code ${code}`));
    worker.unref();
    const active = this.options.holder.get();
    if (active) this.follow(active);
  }

  private follow(active: ActiveLibrary): void {
    const generation = ++this.generation;
    // A library handed over compiled cannot be rebuilt there: the request thread answers until the next one.
    if (!this.worker || !active.origin) return;
    this.post({
      type: 'library',
      generation,
      origin: active.origin,
      info: active.info,
      ...this.decisionsUnder(active.info.version),
    });
  }

  /** The worker's decisions: those stored under the version it evaluates on (all before a library is active). */
  private decisionsUnder(version: string | undefined): Pick<AnalysisWorkerData, 'continued' | 'continuedLines'> {
    const versions = version === undefined ? undefined : [version];
    return {
      continued: this.options.dispositions.continuedReasons(versions),
      continuedLines: this.options.dispositions.continuedLinesUnder(versions),
    };
  }

  /** How many "continue" decisions the worker held after it took the latest library (tests). */
  get workerContinued(): number | undefined {
    return this.workerContinuedCount;
  }

  private post(message: ToAnalysisWorker): void {
    this.worker?.postMessage(message);
  }

  private receive(message: FromAnalysisWorker): void {
    switch (message.type) {
      case 'answered': {
        const call = this.take(message.id);
        if (!call) return;
        this.counts.answered++;
        if (message.record) {
          for (const result of message.record.results) this.options.metrics.ruleHit(result[1]);
          this.options.recorder.enqueue(message.record);
        }
        const { payload } = message;
        call.resolve(
          Promise.resolve({
            facts: message.facts,
            status: message.status,
            contentType: message.contentType,
            payload:
              typeof payload === 'string'
                ? payload
                : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
            ...(message.record ? { record: message.record } : {}),
          }),
        );
        return;
      }
      case 'elsewhere': {
        const call = this.take(message.id);
        if (!call) return;
        this.counts.handedBack++;
        const { body } = message;
        const raw = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
        const fallback = this.fallback;
        call.resolve(
          fallback
            ? fallback(call.headers, raw, call.route, call.arrival)
            : Promise.resolve(this.options.lostAnswer(call.route, call.arrival)),
        );
        return;
      }
      case 'library':
        if (message.error) {
          this.lastError = `library: ${message.error}`;
          this.options.logger.error({ reason: message.error }, 'the analysis thread could not take the library');
        } else this.workerGeneration = message.generation;
        this.workerContinuedCount = message.continued;
        return;
      case 'log':
        this.options.logger[message.level](message.fields, message.message);
        return;
    }
  }

  private take(id: number): Pending | undefined {
    const call = this.pending.get(id);
    this.pending.delete(id);
    return call;
  }

  private loseAll(): void {
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const call of calls) {
      this.counts.lost++;
      call.resolve(Promise.resolve(this.options.lostAnswer(call.route, call.arrival)));
    }
  }

  private stopped(worker: Worker, why: string): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.unwatchLoad?.();
    this.workerGeneration = -1;
    this.loseAll();
    if (this.closed) return;
    this.lastError = why;
    // A worker that ran a good while before stopping starts again soon; one that keeps stopping, ever later.
    if (Date.now() - this.launchedAt > RESTART_MAX_MS) this.restartDelayMs = RESTART_FIRST_MS;
    this.options.logger.error(
      { reason: why, restart_in_ms: this.restartDelayMs },
      'the analysis thread stopped; the request thread answers until it is back',
    );
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    const delay = this.restartDelayMs;
    this.restartDelayMs = Math.min(RESTART_MAX_MS, delay * 2);
    this.restartTimer = setTimeout(() => {
      this.counts.restarts++;
      this.launch().catch((error: unknown) => {
        this.lastError = (error as Error)?.message ?? String(error);
        this.options.logger.error({ err: error }, 'the analysis thread did not restart');
        if (!this.closed) this.scheduleRestart();
      });
    }, delay);
    this.restartTimer.unref();
  }
}

function forwardedHeaders(headers: IncomingHttpHeaders): ForwardedHeaders {
  const forwarded: ForwardedHeaders = {};
  for (const name of FORWARDED_HEADERS) {
    const value = headers[name];
    if (typeof value === 'string') forwarded[name] = value;
  }
  return forwarded;
}
