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
  FeedbackDropReason,
  FeedbackInputLike,
  FeedbackResult,
  PrealertClientOptions,
  ResponseEnvelope,
} from './types';

export const DEFAULT_SERVICE_PATH = '/fsi/api/rsfComIfsService/callService';
/**
 * The route the native shim calls (`/v1/yb/<infno>`): the only national route on which the sidecar checks
 * `X-Prealert-Token` (its `shimToken`). A client given a token calls it, or the token would protect nothing.
 */
const TOKEN_GUARDED_PATH = '/v1/yb/';
/** Whatever the configuration says, a doctor never waits longer than this (the shim's ceiling). */
export const HARD_TIMEOUT_CEILING_MS = 5000;

/** Waits between background resends while they keep failing (the last one repeats). */
const RESEND_DELAYS_MS = [1000, 2000, 5000, 10_000, 30_000, 60_000];

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
  /** Set with a token: calls go to `<this><infno>` instead of servicePath. */
  private readonly tokenGuardedPath: string | undefined;
  private readonly analyzeTimeoutMs: number;
  private readonly feedbackTimeoutMs: number;
  private readonly maxQueued: number;
  private readonly queue: QueuedFeedback[] = [];
  private flushing: Promise<number> | undefined;
  /** Numbers the decisions in the order feedback() was called. */
  private decisionSeq = 0;
  /** jr_id → number of the newest decision on it still queued or on its way; only that one may be sent. */
  private readonly newest = new Map<string, number>();
  /** jr_id → the 3103 carrying a decision on it now on the wire (settles, never rejects). */
  private readonly onWire = new Map<string, Promise<unknown>>();
  private dropped = 0;
  private closed = false;
  /** Times in a row the sidecar answered a 3103 with its own passing failure, and the timer of the next resend. */
  private sidecarErrors = 0;
  private resendTimer: ReturnType<typeof setTimeout> | undefined;
  /** Until then calls that reach the sidecar do not start resends: it said it is failing, the timer retries. */
  private resendNotBefore = 0;

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
    this.tokenGuardedPath = options.token ? `${prefix}${TOKEN_GUARDED_PATH}` : undefined;
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
    if (answer.kind === 'bad' || answer.kind === 'retry') {
      const failOpen =
        answer.kind === 'bad'
          ? this.reportFailOpen(infno, 'bad_response', answer.detail)
          : this.reportFailOpen(infno, 'sidecar_error', answer.message);
      return { ...base, status: 'fail_open', failOpen, elapsedMs: outcome.elapsedMs };
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
   * for older decisions. One that fails open (no answer, or the sidecar's own passing failure) is queued in this
   * client's memory and resent in the background, after the next call that reaches the sidecar and on a timer
   * backing off up to a minute (or by `flushFeedback()`). The queue survives a sidecar that is down, hung or
   * restarted, not a restart of the HIS: decisions still queued then are lost.
   */
  async feedback(input: FeedbackInputLike, options: CallOptions = {}): Promise<FeedbackResult> {
    const checked = checkFeedback(input);
    if (!checked.ok) return { status: 'rejected', sent: 0, error: checked.message, queued: false, elapsedMs: 0 };
    const data = checked.value;
    const seq = ++this.decisionSeq;
    for (const warn of data.warns) this.newest.set(warn.warn_rslt_id, seq);
    // Before anything is sent: an older queued answer to these warnings must never go out after this one.
    this.dropSuperseded();

    const started = performance.now();
    // Waits for an older answer to the same warnings already on the wire (a resend, or a concurrent call), which
    // would otherwise overwrite this one if it arrived later: at most one request each, within its deadline.
    const result = await this.onWireInOrder(data, () => this.sendFeedback(data, options));
    result.elapsedMs = Math.round(performance.now() - started);
    if (result.status === 'fail_open') {
      // Behind the others, so when the sidecar is back it records the decisions in the order they were made.
      result.queued = this.enqueue({ data, seq });
      if (result.failOpen?.reason === 'sidecar_error') this.backOff();
      return result;
    }
    this.settled(data, seq);
    if (result.status === 'ok') {
      // A 3103 the sidecar took: it takes the queued ones too, now.
      this.sidecarErrors = 0;
      this.resendNotBefore = 0;
    }
    this.drainQueueSoon();
    return result;
  }

  /**
   * 3103 for decisions on the warnings of one analysis (warn_type follows its infno). No decisions (the analysis
   * failed open or found nothing) is `ok` with `sent: 0` and nothing sent: a HIS that alerts on `rejected` must not
   * raise one for every clean prescription, and a 3103 without warns is one the sidecar would refuse anyway.
   */
  decide(
    analysis: Pick<AnalyzeResult, 'warnType'>,
    decisions: readonly Decision[],
    options?: CallOptions,
  ): Promise<FeedbackResult> {
    if (decisions.length === 0) return Promise.resolve({ status: 'ok', sent: 0, queued: false, elapsedMs: 0 });
    return this.feedback(toFeedbackData(analysis.warnType, decisions), options);
  }

  /** 3103s waiting for the sidecar. */
  get queuedFeedback(): number {
    return this.queue.length;
  }

  /** Queued 3103s that left the queue undelivered: the queue was full, or the sidecar refused one resent. */
  get droppedFeedback(): number {
    return this.dropped;
  }

  /** Resends queued 3103s in order; stops at the first that fails again. Resolves with how many were delivered. */
  flushFeedback(): Promise<number> {
    if (this.queue.length === 0 || this.closed) return Promise.resolve(0);
    if (!this.flushing) {
      this.clearResendTimer();
      this.flushing = this.drainQueue().finally(() => {
        this.flushing = undefined;
      });
    }
    return this.flushing;
  }

  /**
   * Stops resending queued 3103s and closes the connections. Decisions still queued are lost, each reported to
   * `onFeedbackDropped` (reason `closed`).
   */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.clearResendTimer();
      for (const entry of this.queue) this.reportDropped(entry.data, 'closed');
    }
    return this.transport.close();
  }

  /**
   * One request at a time, each within the 3103 deadline, stopping at the first that fails again: the
   * background resend never holds more than one connection or outlives a sidecar that went away again.
   */
  private async drainQueue(): Promise<number> {
    let delivered = 0;
    while (this.queue.length > 0 && !this.closed) {
      // Checked again before each resend: the doctor may have answered one of its warnings since.
      this.dropSuperseded();
      const next = this.queue[0];
      if (!next) break;
      const data = next.data;
      const result = await this.onWireInOrder(data, () => this.sendFeedback(data, {}));
      if (result.status === 'fail_open') {
        if (result.failOpen?.reason === 'sidecar_error') this.backOff();
        break;
      }
      this.sidecarErrors = 0;
      // A rejected 3103 will never be accepted; keeping it would block the queue forever. The entry may have
      // been narrowed or removed meanwhile by a newer decision, hence by identity.
      const index = this.queue.indexOf(next);
      if (index >= 0) this.queue.splice(index, 1);
      this.settled(data, next.seq);
      if (result.status === 'ok') delivered += 1;
      else this.reportDropped(data, 'rejected', result.error);
    }
    return delivered;
  }

  /**
   * The sidecar answered a 3103 with its own passing failure: the queue is resent on a timer, backing off, even if
   * the HIS makes no further call. Calls that reach the sidecar meanwhile are no sign it would take it now, so they
   * do not start a resend before the timer. (After no answer at all, the next call that gets one is the sign.)
   */
  private backOff(): void {
    this.sidecarErrors += 1;
    const delay = RESEND_DELAYS_MS[Math.min(this.sidecarErrors, RESEND_DELAYS_MS.length) - 1]!;
    this.resendNotBefore = performance.now() + delay;
    if (this.queue.length === 0 || this.closed) return;
    this.clearResendTimer();
    this.resendTimer = setTimeout(() => {
      this.resendTimer = undefined;
      void this.flushFeedback();
    }, delay);
    // A HIS process may exit with decisions queued (they are reported on close()); the timer must not hold it.
    this.resendTimer.unref?.();
  }

  private clearResendTimer(): void {
    if (this.resendTimer !== undefined) clearTimeout(this.resendTimer);
    this.resendTimer = undefined;
  }

  private reportDropped(feedback: FeedbackData, reason: FeedbackDropReason, error?: string): void {
    this.dropped += 1;
    try {
      this.options.onFeedbackDropped?.(error === undefined ? { feedback, reason } : { feedback, reason, error });
    } catch {
      // A logging hook must not stop the queue.
    }
  }

  /**
   * Sends once every earlier 3103 on the same warnings has been answered, so the sidecar (last write wins)
   * records the decisions on a warning in the order they were made.
   */
  private async onWireInOrder(data: FeedbackData, send: () => Promise<FeedbackResult>): Promise<FeedbackResult> {
    const ids = [...new Set(data.warns.map((w) => w.warn_rslt_id))];
    const earlier = ids.map((id) => this.onWire.get(id)).filter((p): p is Promise<unknown> => p !== undefined);
    const sending = Promise.all(earlier).then(send);
    const done = sending.then(
      () => undefined,
      () => undefined,
    );
    for (const id of ids) this.onWire.set(id, done);
    try {
      return await sending;
    } finally {
      for (const id of ids) if (this.onWire.get(id) === done) this.onWire.delete(id);
    }
  }

  /** Narrows or removes queued answers to warnings the doctor has answered again since. */
  private dropSuperseded(): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const queued = this.queue[i]!;
      const warns = queued.data.warns.filter((w) => this.newest.get(w.warn_rslt_id) === queued.seq);
      if (warns.length === queued.data.warns.length) continue;
      // In place: a resend under way finds its entry by identity.
      if (warns.length === 0) this.queue.splice(i, 1);
      else queued.data = { ...queued.data, warns };
    }
  }

  /** The decision numbered `seq` left the client (recorded, refused or dropped): forget it as the newest. */
  private settled(data: FeedbackData, seq: number): void {
    for (const warn of data.warns)
      if (this.newest.get(warn.warn_rslt_id) === seq) this.newest.delete(warn.warn_rslt_id);
  }

  private drainQueueSoon(): void {
    if (this.queue.length === 0 || this.flushing || performance.now() < this.resendNotBefore) return;
    void this.flushFeedback();
  }

  private enqueue(entry: QueuedFeedback): boolean {
    // Only what is still the newest answer: a decision made while this one was on the wire replaces it.
    const warns = entry.data.warns.filter((w) => this.newest.get(w.warn_rslt_id) === entry.seq);
    if (this.maxQueued === 0 || warns.length === 0) {
      this.settled(entry.data, entry.seq);
      return false;
    }
    if (warns.length < entry.data.warns.length) entry.data = { ...entry.data, warns };
    this.queue.push(entry);
    while (this.queue.length > this.maxQueued) {
      const oldest = this.queue.shift()!;
      this.settled(oldest.data, oldest.seq);
      this.reportDropped(oldest.data, 'queue_full');
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
    if (answer.kind === 'bad' || answer.kind === 'retry') {
      const failOpen =
        answer.kind === 'bad'
          ? this.reportFailOpen('3103', 'bad_response', answer.detail)
          : this.reportFailOpen('3103', 'sidecar_error', answer.message);
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
    const path =
      this.tokenGuardedPath === undefined ? this.servicePath : `${this.tokenGuardedPath}${encodeURIComponent(infno)}`;
    const outcome = await this.transport.postJson(path, envelope, timeoutMs, signal);
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

/** A 3103 that failed open, with the number of its decision (see PrealertClient.newest). */
interface QueuedFeedback {
  data: FeedbackData;
  seq: number;
}

export function createPrealertClient(options: PrealertClientOptions): PrealertClient {
  return new PrealertClient(options);
}
