import { randomUUID } from 'node:crypto';
import { CircuitBreaker, DEFAULT_BREAKER } from './breaker';
import { EnvelopeBuilder } from './envelope';
import { checkFeedback, type Decision, toFeedbackData } from './feedback';
import { parseAnswer } from './response';
import { Transport, type TransportOutcome } from './transport';
import type {
  AnalysisData,
  AnalysisOutput,
  AnalyzeInputLike,
  AnalyzeOptions,
  AnalyzeResult,
  CallOptions,
  FailOpen,
  FeedbackData,
  FeedbackInputLike,
  FeedbackResult,
  PrealertClientOptions,
  ResponseEnvelope,
} from './types';

export const DEFAULT_SERVICE_PATH = '/fsi/api/rsfComIfsService/callService';
/** Whatever the configuration says, a doctor never waits longer than this (the shim's ceiling). */
export const HARD_TIMEOUT_CEILING_MS = 5000;

const clampTimeout = (value: number | undefined, fallback: number): number => {
  const ms = value === undefined || !Number.isFinite(value) ? fallback : value;
  return Math.min(Math.max(1, Math.round(ms)), HARD_TIMEOUT_CEILING_MS);
};

function analysisData(input: AnalyzeInputLike): AnalysisData | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  if ('patient_dtos' in input) return input as AnalysisData;
  const data = (input as { data?: unknown }).data;
  return typeof data === 'object' && data !== null ? (data as AnalysisData) : undefined;
}

/**
 * The HIS side of prealert: 3101/3102 analysis and 3103 feedback against the local sidecar.
 * Transport problems never throw; they resolve with no warnings and `failOpen`, exactly like the native shim,
 * so a sidecar that is down, hung or upgraded mid-shift never stops a prescription.
 */
export class PrealertClient {
  private readonly transport: Transport;
  private readonly envelopes: EnvelopeBuilder;
  private readonly breaker: CircuitBreaker | undefined;
  private readonly servicePath: string;
  private readonly analyzeTimeoutMs: number;
  private readonly feedbackTimeoutMs: number;
  private readonly maxQueued: number;
  private readonly queue: FeedbackData[] = [];
  private flushing: Promise<number> | undefined;
  /** The queued 3103 being resent right now, and its request. */
  private resending: { data: FeedbackData; done: Promise<unknown> } | undefined;
  private dropped = 0;
  private closed = false;

  constructor(private readonly options: PrealertClientOptions) {
    let origin: URL;
    try {
      origin = new URL(options.baseUrl);
    } catch {
      throw new TypeError(`baseUrl: not a URL (${String(options.baseUrl)})`);
    }
    if (origin.protocol !== 'http:' && origin.protocol !== 'https:') {
      throw new TypeError('baseUrl: must be http:// or https://');
    }
    const prefix = origin.pathname.replace(/\/+$/, '');
    this.servicePath = `${prefix}${options.servicePath ?? DEFAULT_SERVICE_PATH}`;
    this.analyzeTimeoutMs = clampTimeout(options.analyzeTimeoutMs, 1500);
    this.feedbackTimeoutMs = clampTimeout(options.feedbackTimeoutMs, 800);
    this.maxQueued = Math.max(0, options.maxQueuedFeedback ?? 500);
    this.envelopes = new EnvelopeBuilder(options.envelope);
    this.breaker =
      options.breaker === false ? undefined : new CircuitBreaker({ ...DEFAULT_BREAKER, ...options.breaker });
    const transportOptions = {
      origin: origin.origin,
      connectTimeoutMs: clampTimeout(options.connectTimeoutMs, 150),
      connections: Math.max(1, options.connections ?? 4),
      maxResponseBytes: Math.max(1024, options.maxResponseBytes ?? 8 * 1024 * 1024),
    };
    this.transport = new Transport(options.token ? { ...transportOptions, token: options.token } : transportOptions);
  }

  /** 3101 (事前, default) or 3102 (事中). Accepts `input.data` or the whole `input`. */
  async analyze(input: AnalyzeInputLike, options: AnalyzeOptions = {}): Promise<AnalyzeResult> {
    const infno = options.infno ?? '3101';
    const warnType: '1' | '2' = infno === '3102' ? '2' : '1';
    const data = analysisData(input);
    const taskId = data?.task_id ? String(data.task_id) : randomUUID();
    const base = { infno, taskId, warnType, results: [], truncated: false };
    if (!data) {
      return { ...base, status: 'rejected', error: 'input.data: must be an object with patient_dtos', elapsedMs: 0 };
    }
    const envelope = this.envelopes.build(infno, { data: { ...data, task_id: taskId } }, options.envelope);
    const outcome = await this.send(
      infno,
      envelope,
      clampTimeout(options.timeoutMs, this.analyzeTimeoutMs),
      options.signal,
    );
    if (outcome.kind === 'fail')
      return { ...base, status: 'fail_open', failOpen: outcome.failOpen, elapsedMs: outcome.elapsedMs };

    const answer = parseAnswer(outcome.statusCode, outcome.body, true);
    if (answer.kind === 'bad') {
      return {
        ...base,
        status: 'fail_open',
        failOpen: this.reportFailOpen(infno, 'bad_response', answer.detail),
        elapsedMs: outcome.elapsedMs,
      };
    }
    this.drainQueueSoon();
    const response = answer.envelope as ResponseEnvelope<AnalysisOutput>;
    if (answer.kind === 'rejected') {
      return { ...base, status: 'rejected', error: answer.message, elapsedMs: outcome.elapsedMs, response };
    }
    return {
      ...base,
      status: 'ok',
      results: answer.results,
      truncated: answer.truncated,
      elapsedMs: outcome.elapsedMs,
      response,
    };
  }

  /**
   * 3103. The decision goes out at once, within its own deadline, whatever is queued: the doctor never waits
   * for older decisions. One that fails open is queued in this client's memory and resent in the background
   * after the next call that reaches the sidecar (or by `flushFeedback()`). The queue survives a sidecar that
   * is down, hung or restarted, not a restart of the HIS: decisions still queued then are lost.
   */
  async feedback(input: FeedbackInputLike, options: CallOptions = {}): Promise<FeedbackResult> {
    const checked = checkFeedback(input);
    if (!checked.ok) return { status: 'rejected', sent: 0, error: checked.message, queued: false, elapsedMs: 0 };
    const data = checked.value;
    // An older answer to the same warning already on the wire must land first, or it would overwrite this one.
    // That is one request at most, within its own deadline.
    const started = performance.now();
    if (this.resending && sharesWarning(this.resending.data, data)) await this.resending.done;
    const waitedMs = Math.round(performance.now() - started);

    const result = await this.sendFeedback(data, options);
    result.elapsedMs += waitedMs;
    if (result.status === 'fail_open') {
      // Behind the others, so when the sidecar is back it records the decisions in the order they were made.
      result.queued = this.enqueue(data);
      return result;
    }
    // Recorded (or refused: the sidecar is reachable either way). Older queued answers to the same warnings
    // must not be resent over it; the rest go out now, in the background.
    if (result.status === 'ok') this.dropSuperseded(data);
    this.drainQueueSoon();
    return result;
  }

  /** 3103 for decisions on the warnings of one analysis (warn_type follows its infno). */
  decide(analysis: Pick<AnalyzeResult, 'warnType'>, decisions: readonly Decision[], options?: CallOptions) {
    return this.feedback(toFeedbackData(analysis.warnType, decisions), options);
  }

  /** 3103s waiting for the sidecar. */
  get queuedFeedback(): number {
    return this.queue.length;
  }

  /** 3103s dropped because the queue was full (oldest first). */
  get droppedFeedback(): number {
    return this.dropped;
  }

  /** Resends queued 3103s in order; stops at the first that fails again. Resolves with how many were delivered. */
  flushFeedback(): Promise<number> {
    if (this.queue.length === 0) return Promise.resolve(0);
    if (!this.flushing) {
      this.flushing = this.drainQueue().finally(() => {
        this.flushing = undefined;
      });
    }
    return this.flushing;
  }

  /** Stops resending queued 3103s and closes the connections. Decisions still queued are lost. */
  close(): Promise<void> {
    this.closed = true;
    return this.transport.close();
  }

  /**
   * One request at a time, each within the 3103 deadline, stopping at the first that fails again: the
   * background resend never holds more than one connection or outlives a sidecar that went away again.
   */
  private async drainQueue(): Promise<number> {
    let delivered = 0;
    while (this.queue.length > 0 && !this.closed) {
      const next = this.queue[0]!;
      const sending = this.sendFeedback(next, {});
      this.resending = { data: next, done: sending };
      const result = await sending.finally(() => {
        this.resending = undefined;
      });
      if (result.status === 'fail_open') break;
      // A rejected 3103 will never be accepted; keeping it would block the queue forever. The entry may have
      // been narrowed or removed meanwhile by a newer decision, hence by identity.
      const index = this.queue.indexOf(next);
      if (index >= 0) this.queue.splice(index, 1);
      if (result.status === 'ok') delivered += 1;
    }
    return delivered;
  }

  /** Removes from the queue the answers to warnings that `newer` has just answered again. */
  private dropSuperseded(newer: FeedbackData): void {
    const answered = new Set(newer.warns.map((w) => w.warn_rslt_id));
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const queued = this.queue[i]!;
      if (this.resending?.data === queued) continue; // on the wire already; it was sent before `newer`
      const warns = queued.warns.filter((w) => !answered.has(w.warn_rslt_id));
      if (warns.length === queued.warns.length) continue;
      if (warns.length === 0) this.queue.splice(i, 1);
      else this.queue[i] = { ...queued, warns };
    }
  }

  private drainQueueSoon(): void {
    if (this.queue.length > 0) void this.flushFeedback();
  }

  private enqueue(data: FeedbackData): boolean {
    if (this.maxQueued === 0) return false;
    this.queue.push(data);
    while (this.queue.length > this.maxQueued) {
      this.queue.shift();
      this.dropped += 1;
    }
    return true;
  }

  private async sendFeedback(data: FeedbackData, options: CallOptions): Promise<FeedbackResult> {
    const envelope = this.envelopes.build('3103', { data }, options.envelope);
    const sent = data.warns.length;
    const outcome = await this.send(
      '3103',
      envelope,
      clampTimeout(options.timeoutMs, this.feedbackTimeoutMs),
      options.signal,
    );
    if (outcome.kind === 'fail')
      return { status: 'fail_open', sent, failOpen: outcome.failOpen, queued: false, elapsedMs: outcome.elapsedMs };
    const answer = parseAnswer(outcome.statusCode, outcome.body, false);
    if (answer.kind === 'bad') {
      const failOpen = this.reportFailOpen('3103', 'bad_response', answer.detail);
      return { status: 'fail_open', sent, failOpen, queued: false, elapsedMs: outcome.elapsedMs };
    }
    if (answer.kind === 'rejected') {
      return {
        status: 'rejected',
        sent,
        error: answer.message,
        queued: false,
        elapsedMs: outcome.elapsedMs,
        response: answer.envelope,
      };
    }
    return { status: 'ok', sent, queued: false, elapsedMs: outcome.elapsedMs, response: answer.envelope };
  }

  private async send(
    infno: string,
    envelope: unknown,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<TransportOutcome> {
    if (this.breaker?.isOpen()) {
      const failOpen = this.reportFailOpen(infno, 'breaker_open', 'sidecar recently unreachable or hung');
      return { kind: 'fail', failOpen, connectFailed: false, timedOut: false, elapsedMs: 0 };
    }
    const outcome = await this.transport.postJson(this.servicePath, envelope, timeoutMs, signal);
    if (outcome.kind === 'answer') {
      this.breaker?.recordSuccess();
      return outcome;
    }
    if (outcome.connectFailed) this.breaker?.recordConnectFailure();
    else if (outcome.timedOut) this.breaker?.recordTimeout();
    this.reportFailOpen(infno, outcome.failOpen.reason, outcome.failOpen.detail);
    return outcome;
  }

  private reportFailOpen(infno: string, reason: FailOpen['reason'], detail: string): FailOpen {
    const failOpen = { reason, detail };
    try {
      this.options.onFailOpen?.({ infno, failOpen });
    } catch {
      // A logging hook must never turn a fail-open into a failure.
    }
    return failOpen;
  }
}

function sharesWarning(a: FeedbackData, b: FeedbackData): boolean {
  const ids = new Set(a.warns.map((w) => w.warn_rslt_id));
  return b.warns.some((w) => ids.has(w.warn_rslt_id));
}

export function createPrealertClient(options: PrealertClientOptions): PrealertClient {
  return new PrealertClient(options);
}
