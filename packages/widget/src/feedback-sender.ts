import { FAILURE_LABELS } from './labels';
import { callService, DEFAULT_TIMEOUTS_MS, type ServiceCallOptions } from './service-call';
import type { DeliveryState } from './types';
import { forgetUndelivered, keepUndelivered, type StoredFeedback, stillUndelivered } from './undelivered-store';

export interface FeedbackItem extends StoredFeedback {
  /** Increases with every decision on the same jr_id; a newer one supersedes a queued older one. */
  version: number;
  /** The sidecar's base URL (sidecarBase) when decided: where its stored copy is kept. It goes to the `sidecar` now set. */
  sidecar: string;
  /** Left by an earlier page (or another tab): sent only while its stored copy is still there. */
  replayed?: boolean;
}

export type DeliveryListener = (item: FeedbackItem, state: DeliveryState, error?: string) => void;

const RETRY_DELAYS_MS = [1000, 2000, 5000, 10_000, 30_000];

/**
 * A retry waits longer than the first try (the budget doubles per failure, up to this): a sidecar that answers in
 * 3 s (an AV scan on a 2-core PC) records the first 3103 anyway, and one cut at 800 ms every time would be sent
 * again and again and never be shown as recorded. Nothing waits on a 3103, so a longer wait holds nobody up.
 */
const MAX_RETRY_BUDGET_MS = 10_000;

/**
 * Sends one 3103 per decision, in the order they were made. When the sidecar is down the decisions wait
 * here and are retried with back-off, so a click is never silently lost; only an acknowledged (infcode 0)
 * 3103 is reported as recorded.
 */
export class FeedbackSender {
  private readonly queue: FeedbackItem[] = [];
  /** ids of queued items not kept in localStorage: a reload or a closed tab would lose them. */
  private readonly unstored = new Set<string>();
  private running = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private failures = 0;
  private disposed = false;
  private suspended = false;

  constructor(
    private readonly callOptions: () => ServiceCallOptions,
    private readonly listener: DeliveryListener,
  ) {}

  get pending(): number {
    return this.queue.length;
  }

  /** Queued items that only this page holds (storage unavailable or full): leaving the page would lose them. */
  get unsaved(): number {
    return this.unstored.size;
  }

  /** The jr_ids with an answer still queued. */
  get pendingJrIds(): Set<string> {
    return new Set(this.queue.map((item) => item.jrId));
  }

  /** The newest queued item for a jr_id. */
  queuedFor(jrId: string): FeedbackItem | undefined {
    const queued = this.queue.filter((item) => item.jrId === jrId);
    // Not .at(-1): Array.prototype.at is Chromium 92, and HIS embed Chromium 80–84 (e2e-widget-bundle).
    return queued[queued.length - 1];
  }

  send(item: FeedbackItem): void {
    const superseded = this.queue.findIndex(
      (queued, index) => queued.jrId === item.jrId && (index > 0 || !this.running),
    );
    if (superseded >= 0) this.settle(this.queue.splice(superseded, 1)[0]!);
    this.queue.push(item);
    if (!keepUndelivered(item.sidecar, item)) this.unstored.add(item.id);
    this.listener(item, 'sending');
    this.retryNow();
  }

  /** Queues items an earlier page left in storage (they stay stored until the sidecar answers each). */
  adopt(items: readonly FeedbackItem[]): void {
    if (items.length === 0) return;
    this.queue.push(...items);
    this.retryNow();
  }

  /** Retries queued decisions at once (e.g. when the page regains the network). */
  retryNow(): void {
    if (this.retryTimer !== undefined) {
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
    }
    void this.pump();
  }

  /** Stops retrying (no timer left behind) but keeps the queue; resume() sends it again. */
  suspend(): void {
    this.suspended = true;
    this.clearRetry();
  }

  resume(): void {
    if (!this.suspended) return;
    this.suspended = false;
    if (this.queue.length > 0) this.retryNow();
  }

  /** For good: nothing is sent or retried any more. */
  dispose(): void {
    this.disposed = true;
    this.clearRetry();
  }

  /** Out of the queue for good: its stored copy goes too. */
  private settle(item: FeedbackItem): void {
    this.unstored.delete(item.id);
    forgetUndelivered(item.sidecar, item.id);
  }

  private clearRetry(): void {
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private async pump(): Promise<void> {
    if (this.running || this.disposed || this.suspended) return;
    this.running = true;
    try {
      while (this.queue.length > 0 && !this.disposed && !this.suspended) {
        const item = this.queue[0]!;
        if (item.replayed && stillUndelivered(item.sidecar, item.id) === false) {
          // Another page delivered it, or a newer answer replaced it, since this page took it over.
          this.queue.shift();
          continue;
        }
        // Sent as built when decided: the 经办人 is whoever decided, not whoever is logged in at this retry.
        const options: ServiceCallOptions = { ...this.callOptions(), request: item.request };
        if (this.failures > 0) {
          // In flight again: the doctor reads 正在送达…, not the failure of the try before.
          this.listener(item, 'sending');
          const base = options.timeoutMs ?? DEFAULT_TIMEOUTS_MS['3103'];
          options.timeoutMs = Math.max(base, Math.min(base * 2 ** this.failures, MAX_RETRY_BUDGET_MS));
        }
        const outcome = await callService('3103', item.request.input, options);
        if (outcome.kind === 'failed') {
          this.listener(item, 'queued', FAILURE_LABELS[outcome.reason]);
          const delay = RETRY_DELAYS_MS[Math.min(this.failures, RETRY_DELAYS_MS.length - 1)]!;
          this.failures += 1;
          if (this.suspended || this.disposed) return;
          this.retryTimer = setTimeout(() => {
            this.retryTimer = undefined;
            void this.pump();
          }, delay);
          return;
        }
        this.failures = 0;
        this.queue.shift();
        // Acknowledged (infcode 0) or refused for good (infcode -1 without prealert_retry): no copy to send again.
        this.settle(item);
        if (outcome.kind === 'rejected') this.listener(item, 'rejected', outcome.message);
        else this.listener(item, 'recorded');
      }
    } finally {
      this.running = false;
    }
  }
}
