import { FAILURE_LABELS } from './labels';
import { callService, DEFAULT_TIMEOUTS_MS, type ServiceCallOptions } from './service-call';
import type { DeliveryState } from './types';

export interface FeedbackItem {
  jrId: string;
  /** Increases with every decision on the same jr_id; a newer one supersedes a queued older one. */
  version: number;
  warnType: '1' | '2';
  dspoWay: '1' | '2';
  reason: string;
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

  send(item: FeedbackItem): void {
    const superseded = this.queue.findIndex(
      (queued, index) => queued.jrId === item.jrId && (index > 0 || !this.running),
    );
    if (superseded >= 0) this.queue.splice(superseded, 1);
    this.queue.push(item);
    this.listener(item, 'sending');
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
        const input = {
          data: {
            warn_type: item.warnType,
            warns: [{ warn_rslt_id: item.jrId, dspo_way: item.dspoWay, dspo_way_rea: item.reason }],
          },
        };
        const options = { ...this.callOptions() };
        if (this.failures > 0) {
          // In flight again: the doctor reads 正在送达…, not the failure of the try before.
          this.listener(item, 'sending');
          const base = options.timeoutMs ?? DEFAULT_TIMEOUTS_MS['3103'];
          options.timeoutMs = Math.max(base, Math.min(base * 2 ** this.failures, MAX_RETRY_BUDGET_MS));
        }
        const outcome = await callService('3103', input, options);
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
        if (outcome.kind === 'rejected') this.listener(item, 'rejected', outcome.message);
        else this.listener(item, 'recorded');
      }
    } finally {
      this.running = false;
    }
  }
}
