import { FAILURE_LABELS } from './labels';
import { callService, type ServiceCallOptions } from './service-call';
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
        const outcome = await callService('3103', input, this.callOptions());
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
