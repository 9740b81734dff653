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
  private dropped = 0;
  private lastFailOpen: FailOpen | undefined;

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

  /** 3103. A 3103 that fails open is kept and resent before later calls, so a decision is not lost to a restart. */
  async feedback(input: FeedbackInputLike, options: CallOptions = {}): Promise<FeedbackResult> {
    const checked = checkFeedback(input);
    if (!checked.ok) return { status: 'rejected', sent: 0, error: checked.message, queued: false, elapsedMs: 0 };
    const sent = checked.value.warns.length;
    if (this.queue.length > 0) {
      const started = performance.now();
      await this.flushFeedback();
      if (this.queue.length > 0) {
        // Still undeliverable: queue behind the others so the sidecar records decisions in the order they were made.
        const failOpen = this.lastFailOpen ?? { reason: 'sidecar_unreachable', detail: 'earlier feedback undelivered' };
        const elapsedMs = Math.round(performance.now() - started);
        return { status: 'fail_open', sent, failOpen, queued: this.enqueue(checked.value), elapsedMs };
      }
    }
    const result = await this.sendFeedback(checked.value, options);
    if (result.status === 'fail_open') result.queued = this.enqueue(checked.value);
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

  close(): Promise<void> {
    return this.transport.close();
  }

  private async drainQueue(): Promise<number> {
    let delivered = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      const result = await this.sendFeedback(next, {});
      if (result.status === 'fail_open') break;
      // A rejected 3103 will never be accepted; keeping it would block the queue forever.
      this.queue.shift();
      if (result.status === 'ok') delivered += 1;
    }
    return delivered;
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
    this.lastFailOpen = failOpen;
    try {
      this.options.onFailOpen?.({ infno, failOpen });
    } catch {
      // A logging hook must never turn a fail-open into a failure.
    }
    return failOpen;
  }
}

export function createPrealertClient(options: PrealertClientOptions): PrealertClient {
  return new PrealertClient(options);
}
