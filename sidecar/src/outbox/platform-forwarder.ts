import { Agent, request } from 'undici';
import type { PlatformConfig } from '../config';
import type { Logger } from '../logging';
import type { OutboxEntry, OutboxStore } from '../store/outbox';

const BATCH = 50;
const IDLE_POLL_MS = 30_000;
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Delivers outbox entries to the 数据归集 platform, oldest first, each with its id as `Idempotency-Key` (the
 * receiver dedups, so a retry after a lost acknowledgement is harmless). Failures back off exponentially with
 * jitter, per entry; the entry stays in the database until a 2xx (or 409: already have it) comes back.
 */
export class PlatformForwarder {
  private readonly agent = new Agent({ keepAliveTimeout: 30_000, connections: 2 });
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly outbox: OutboxStore,
    private readonly config: PlatformConfig & { url: string },
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.kick();
  }

  /** Deliver soon (new entries were added). */
  kick(): void {
    if (this.stopped) return;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await this.agent.close();
  }

  /** One pass over what is due; resolves when done. Exposed for tests and the admin retry endpoint. */
  deliverDue(): Promise<void> {
    if (!this.running) {
      this.running = this.pass().finally(() => {
        this.running = undefined;
        if (!this.stopped) this.scheduleNext();
      });
    }
    return this.running;
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.deliverDue(), delayMs);
    this.timer.unref();
  }

  private scheduleNext(): void {
    const next = this.outbox.nextAttemptAt();
    const delay = next === undefined ? IDLE_POLL_MS : Math.min(IDLE_POLL_MS, Math.max(0, next - this.now()));
    this.schedule(delay);
  }

  private async pass(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const due = this.outbox.due(this.now(), BATCH);
      if (due.length === 0) return;
      let failures = 0;
      for (const entry of due) {
        if (this.stopped) return;
        if (!(await this.deliver(entry))) failures++;
      }
      // A platform that refuses everything is not hammered: wait for the backoff timer instead.
      if (failures === due.length) return;
    }
  }

  private async deliver(entry: OutboxEntry): Promise<boolean> {
    let failure: string;
    try {
      const response = await request(this.config.url, {
        method: 'POST',
        dispatcher: this.agent,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        headers: {
          ...this.config.headers,
          'content-type': 'application/json; charset=utf-8',
          'idempotency-key': entry.id,
        },
        body: `{"id":${JSON.stringify(entry.id)},"kind":${JSON.stringify(entry.kind)},"created_at":${JSON.stringify(
          new Date(entry.createdAt).toISOString(),
        )},"payload":${entry.payload}}`,
      });
      await response.body.dump();
      if ((response.statusCode >= 200 && response.statusCode < 300) || response.statusCode === 409) {
        this.outbox.markDelivered(entry.id, this.now());
        return true;
      }
      failure = `HTTP ${response.statusCode}`;
    } catch (error) {
      failure = (error as Error).message ?? String(error);
    }
    const retryAt = this.now() + backoffMs(entry.attempts + 1, this.config.retryMinMs, this.config.retryMaxMs);
    this.outbox.markFailed(entry.id, retryAt, failure);
    this.logger.warn(
      { outbox_id: entry.id, kind: entry.kind, attempts: entry.attempts + 1, error: failure },
      'platform delivery failed',
    );
    return false;
  }
}

/** min·2^(attempt-1), capped at max, with ±20 % jitter so many workstations do not retry in step. */
export function backoffMs(attempt: number, minMs: number, maxMs: number): number {
  const base = Math.min(maxMs, minMs * 2 ** Math.min(30, attempt - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}
