import { backoff } from '../backoff';
import type { Logger } from '../logging';
import type { OutboxEntry, OutboxKind, OutboxStore } from '../store/outbox';

const BATCH = 50;
const IDLE_POLL_MS = 30_000;
/**
 * Delivered entries are kept this long (for IT staff asking what went out), then forgotten, so that a workstation's
 * database does not grow with every decision for years. Longer than the days whose figures may still be queued
 * (daily-figures.ts looks back 30 days and skips a day whose entry is still here).
 */
export const DELIVERED_RETENTION_MS = 90 * 24 * 3600_000;
const PRUNE_EVERY_MS = 24 * 3600_000;

/** Where some kinds of outbox entry go. `deliver` resolves to undefined when the receiver took the entry. */
export interface OutboxDestination {
  /** For log lines. */
  readonly name: string;
  readonly kinds: readonly OutboxKind[];
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
  deliver(entry: OutboxEntry): Promise<string | undefined>;
  close(): Promise<void>;
}

/**
 * Delivers outbox entries of its destination's kinds, oldest first. Failures back off exponentially with jitter,
 * per entry; an entry stays in the database until the destination took it, so a crash or an outage loses nothing
 * and a retry after a lost acknowledgement is the receiver's to dedup (each entry keeps its id).
 */
export class OutboxForwarder {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** Passes in a row that the outbox's own table refused (disk full, I/O error): they back off like deliveries. */
  private storeFailures = 0;
  private lastPrunedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly outbox: OutboxStore,
    private readonly destination: OutboxDestination,
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
    await this.destination.close();
  }

  /**
   * One pass over what is due; resolves when done, never rejects. Exposed for tests and the admin retry endpoint.
   * When the database refuses the outbox's bookkeeping, nothing is lost (an entry stays until marked delivered; one
   * delivered but not marked goes again under its id) and the sidecar must go on answering 3101: the failure is
   * logged and the pass tried again later, where an unhandled rejection would have ended the process.
   */
  deliverDue(): Promise<void> {
    if (!this.running) {
      this.running = this.pass()
        .then(
          () => {
            this.storeFailures = 0;
          },
          (error: unknown) => {
            this.storeFailures++;
            this.logger.error(
              { err: error, failures: this.storeFailures },
              `${this.destination.name} outbox: the database refused a read or write; trying again later`,
            );
          },
        )
        .finally(() => {
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
    if (this.storeFailures > 0) {
      this.schedule(Math.min(IDLE_POLL_MS, backoff(this.destination, this.storeFailures)));
      return;
    }
    let next: number | undefined;
    try {
      next = this.outbox.nextAttemptAt(this.destination.kinds);
    } catch (error) {
      this.logger.error({ err: error }, `${this.destination.name} outbox: the database refused a read`);
      this.schedule(IDLE_POLL_MS);
      return;
    }
    const delay = next === undefined ? IDLE_POLL_MS : Math.min(IDLE_POLL_MS, Math.max(0, next - this.now()));
    this.schedule(delay);
  }

  private async pass(): Promise<void> {
    const now = this.now();
    if (now - this.lastPrunedAt >= PRUNE_EVERY_MS) {
      const forgotten = this.outbox.pruneDelivered(now - DELIVERED_RETENTION_MS, this.destination.kinds);
      this.lastPrunedAt = now;
      if (forgotten > 0)
        this.logger.info(
          { forgotten },
          `${this.destination.name} outbox: entries delivered over 90 days ago forgotten`,
        );
    }
    for (;;) {
      if (this.stopped) return;
      const due = this.outbox.due(this.now(), BATCH, this.destination.kinds);
      if (due.length === 0) return;
      let failures = 0;
      for (const entry of due) {
        if (this.stopped) return;
        if (!(await this.deliver(entry))) failures++;
      }
      // A receiver that refuses everything is not hammered: wait for the backoff timer instead.
      if (failures === due.length) return;
    }
  }

  private async deliver(entry: OutboxEntry): Promise<boolean> {
    let failure: string | undefined;
    try {
      failure = await this.destination.deliver(entry);
    } catch (error) {
      failure = (error as Error).message ?? String(error);
    }
    if (failure === undefined) {
      this.outbox.markDelivered(entry.id, this.now());
      return true;
    }
    // Jittered so that many workstations do not retry in step.
    this.outbox.markFailed(entry.id, this.now() + backoff(this.destination, entry.attempts + 1), failure);
    this.logger.warn(
      { outbox_id: entry.id, kind: entry.kind, attempts: entry.attempts + 1, error: failure },
      `${this.destination.name} delivery failed`,
    );
    return false;
  }
}
