import { backoff } from '../backoff';
import type { Logger } from '../logging';
import { type OutboxEntry, type OutboxKind, type OutboxStore, UNREADABLE_PAYLOAD } from '../store/outbox';
import { storedJson } from '../store/unreadable-stored-json';
import { type DeliveryFailure, unreachable } from './delivery-failure';

const BATCH = 50;
const IDLE_POLL_MS = 30_000;
/**
 * Delivered entries are kept this long (for IT staff asking what went out), then forgotten, so that a workstation's
 * database does not grow with every decision for years. Longer than the days whose figures may still be queued
 * (daily-figures.ts looks back 30 days and skips a day whose entry is still here).
 */
export const DELIVERED_RETENTION_MS = 90 * 24 * 3600_000;
const PRUNE_EVERY_MS = 24 * 3600_000;
/**
 * Different entries refused alike in a row (the same DeliveryFailure.likeness, nothing taken between) that make it
 * the destination refusing everything (a gateway whose TIF signature fails answers every 3103 alike). One bad entry
 * retried stays one entry, and a refusal about the entry names it; two could still be a coincidence.
 */
export const REFUSED_ALIKE = 3;

/** Where some kinds of outbox entry go. `deliver` resolves to undefined when the receiver took the entry. */
export interface OutboxDestination {
  /** For log lines, /metrics and /v1/status. */
  readonly name: string;
  readonly kinds: readonly OutboxKind[];
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
  /** A rejection counts as the destination unreachable (connection refused, timeout). */
  deliver(entry: OutboxEntry): Promise<DeliveryFailure | undefined>;
  close(): Promise<void>;
}

/** A destination's state as /metrics and /v1/status show it. */
export interface DestinationState {
  name: string;
  /** Unreachable: the outbox waits, and only probes with its oldest entry once per backoff interval. */
  paused: boolean;
  /** Epoch ms of the first failed delivery of this outage. */
  unreachableSince: number | null;
  reason: string | null;
  /** Failed deliveries in a row in this outage (the first one and the probes). */
  failures: number;
  nextProbeAt: number | null;
}

interface Outage {
  since: number;
  reason: string;
  failures: number;
  probeAt: number;
  /** It began with entries refused alike, not with the destination out of reach: for the line when it ends. */
  refusing: boolean;
}

/** A refusal's warning, held until it is known whether it was the entry's or the destination's. */
interface HeldWarning {
  fields: Record<string, unknown>;
  msg: string;
}

type Outcome = 'delivered' | 'refused' | 'unreachable';

/**
 * Delivers outbox entries of its destination's kinds, oldest first; an entry stays in the database until the
 * destination took it, so a crash or an outage loses nothing and a retry after a lost acknowledgement is the
 * receiver's to dedup (each entry keeps its id).
 *
 * The destination, not the entry, is what backs off when it cannot be reached: an outage of hours with thousands
 * of entries waiting would otherwise cost a connect, an UPDATE and a log line per entry per retry (the soak's 135
 * failed deliveries a second). So the first such failure pauses the whole outbox; it then tries one entry, the
 * oldest, per backoff interval (exponential with jitter up to retryMaxMs), new entries wait without starting a
 * pass, and the first success drains the rest in order. An entry the receiver refused (most 4xx) backs off alone,
 * unless REFUSED_ALIKE different entries in a row were refused alike: that is the destination refusing everything,
 * and it pauses as when unreachable (the soak's storm again otherwise, a warning per entry per interval).
 */
export class OutboxForwarder {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** Passes in a row that the outbox's own table refused (disk full, I/O error): they back off like deliveries. */
  private storeFailures = 0;
  private lastPrunedAt = Number.NEGATIVE_INFINITY;
  private outage: Outage | undefined;
  /** After an outage, until the drain that followed it ends: for the one line saying the destination is back. */
  private recovery: { downMs: number; delivered: number; refusing: boolean } | undefined;
  /** The entries refused alike since the last one taken (DeliveryFailure.likeness), as far as REFUSED_ALIKE. */
  private streak: { likeness: string; entries: Set<string> } | undefined;
  /**
   * Warnings of refusals in the current streak, written when it breaks (an entry taken, another refusal), when one
   * of its entries is refused again before REFUSED_ALIKE different ones were (it is retried alone), or at stop;
   * dropped when the streak pauses the outbox, whose one warning stands for them. Held across passes: 3103s come
   * one at a time, a pass each, so the end of a pass says nothing about what the next entry will meet.
   */
  private held: HeldWarning[] = [];

  constructor(
    private readonly outbox: OutboxStore,
    private readonly destination: OutboxDestination,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.warnSetAside();
    this.kick();
  }

  /**
   * Entries set aside before this start (an earlier build may have set them aside too) are never met again by a
   * pass, so without this line they would wait unseen after an upgrade. The count only: their text may quote a patient.
   */
  private warnSetAside(): void {
    let count: number;
    try {
      count = this.outbox.unreadableOf(this.destination.kinds);
    } catch (error) {
      this.logger.error({ err: error }, `${this.destination.name} outbox: the database refused a read`);
      return;
    }
    if (count === 0) return;
    this.logger.warn(
      { unreadable: count },
      `${this.destination.name} outbox: ${count} entries set aside as not readable JSON wait for IT to repair or delete them (README, Records database)`,
    );
  }

  /**
   * Deliver soon (new entries were added). While the destination is unreachable they wait for the next probe:
   * a pass per 3103 is what made the retry storm.
   */
  kick(): void {
    if (this.stopped) return;
    if (this.outage && this.now() < this.outage.probeAt) return;
    this.schedule(0);
  }

  /** Probe now, whatever the backoff (the admin says the destination was fixed). */
  retryNow(): void {
    if (this.outage) this.outage.probeAt = this.now();
    this.kick();
  }

  state(): DestinationState {
    const outage = this.outage;
    return {
      name: this.destination.name,
      paused: outage !== undefined,
      unreachableSince: outage?.since ?? null,
      reason: outage?.reason ?? null,
      failures: outage?.failures ?? 0,
      nextProbeAt: outage?.probeAt ?? null,
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    this.writeHeld();
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
    const now = this.now();
    if (this.outage) {
      // Not before the probe is due, nor before there is something to probe with (kick() brings a new entry in).
      this.schedule(Math.max(0, Math.max(this.outage.probeAt, next ?? now + IDLE_POLL_MS) - now));
      return;
    }
    const delay = next === undefined ? IDLE_POLL_MS : Math.min(IDLE_POLL_MS, Math.max(0, next - now));
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
    if (this.outage) {
      if (this.now() < this.outage.probeAt) return;
      // The oldest due: one that got no answer stays due and is the probe again (order kept); one that got an answer
      // waits on its own schedule too (deliver below), so the next oldest may go first.
      const [probe] = this.outbox.due(this.now(), 1, this.destination.kinds);
      if (probe === undefined || this.stopped) return;
      if ((await this.deliver(probe)) === 'unreachable') return;
    }
    for (;;) {
      if (this.stopped) return;
      const due = this.outbox.due(this.now(), BATCH, this.destination.kinds);
      if (due.length === 0) break;
      let refused = 0;
      for (const entry of due) {
        if (this.stopped) return;
        const outcome = await this.deliver(entry);
        if (outcome === 'unreachable') return;
        if (outcome === 'refused') refused++;
      }
      // A receiver that refuses every entry is not hammered: they wait for their own backoff.
      if (refused === due.length) break;
    }
    this.recovered();
  }

  private async deliver(due: OutboxEntry): Promise<Outcome> {
    const read = storedJson(due.payload);
    if (read === undefined) return this.unreadable(due);
    const entry = due.wasSetAside ? this.repaired(due, read.value) : due;
    if (entry === undefined) return 'delivered';
    let failure: DeliveryFailure | undefined;
    try {
      failure = await this.destination.deliver(entry);
    } catch (error) {
      failure = unreachable(error);
    }
    if (failure === undefined) {
      this.outbox.markDelivered(entry.id, this.now());
      this.endStreak();
      this.reachable();
      if (this.recovery) this.recovery.delivered++;
      return 'delivered';
    }
    const streak = this.refusedAlike(entry, failure);
    if (failure.scope === 'entry' && streak !== 'alike') {
      // It answered about this entry: it is reachable, and the others go.
      this.reachable();
      // Jittered so that many workstations do not retry in step.
      this.outbox.markFailed(entry.id, this.now() + backoff(this.destination, entry.attempts + 1), failure.error);
      const warning: HeldWarning = {
        fields: { outbox_id: entry.id, kind: entry.kind, attempts: entry.attempts + 1, error: failure.error },
        msg: `${this.destination.name} refused an entry; it is retried with backoff`,
      };
      if (streak === 'held') this.held.push(warning);
      else this.logger.warn(warning.fields, warning.msg);
      return 'refused';
    }
    if (streak === 'alike') {
      // Their warnings would say one thing REFUSED_ALIKE times; the pause's says it once.
      this.held = [];
      this.unreachableNow(`${failure.error}, alike for ${REFUSED_ALIKE} different entries in a row`, true);
    } else this.unreachableNow(failure.error, false);
    // Without an answer the entry was never looked at: it stays due, so the next probe takes it again and the
    // order of delivery stays the order of creation. With one, it waits on its own too, and the next probe takes
    // the next oldest.
    const retryAt = failure.answered ? this.now() + backoff(this.destination, entry.attempts + 1) : this.now();
    this.outbox.markFailed(entry.id, retryAt, failure.error);
    return 'unreachable';
  }

  /**
   * An entry whose payload is not a JSON object (kept by the migrations, unreadable-stored-json.ts; a disk fault, a
   * hand edit) is not sent: a receiver would refuse it, and a gateway's deliver could not even build its 3103. Retrying
   * it cannot help, so it is set aside once, with one warning, and kept for IT (OutboxStore.setAside): counted in
   * /v1/status and /metrics, sent once its payload is repaired. It is its own failure, never the destination's, so
   * the entries behind it go on. Only the row id and kind are logged: the text may quote a patient.
   */
  private unreadable(entry: OutboxEntry): Outcome {
    if (this.outbox.setAside(entry.id, this.now())) {
      this.logger.warn(
        { table: 'outbox', row_id: entry.id, kind: entry.kind, attempts: entry.attempts + 1 },
        `${this.destination.name} outbox: outbox row ${entry.id} is not readable JSON; kept, not sent, set aside until repaired`,
      );
      return 'refused';
    }
    // Set aside already, yet met again: its payload reads as an object in SQL but not here. It backs off quietly,
    // or every pass would take it again at once.
    const retryAt = this.now() + backoff(this.destination, entry.attempts + 1);
    this.outbox.markFailed(entry.id, retryAt, UNREADABLE_PAYLOAD);
    return 'refused';
  }

  /**
   * An entry IT repaired after it was set aside: while it waited, a later decision on its reminder may have been
   * sent, and sending it now would overwrite that one at the receiver. It is dropped (or a 3103 trimmed) as add()
   * would have done had it been readable then (OutboxStore.supersededSinceSetAside). Undefined: dropped, not sent.
   */
  private repaired(entry: OutboxEntry, payload: unknown): OutboxEntry | undefined {
    const sent = this.outbox.supersededSinceSetAside(entry, payload);
    if (sent === entry.payload) return entry;
    this.logger.info(
      { outbox_id: entry.id, kind: entry.kind },
      sent === undefined
        ? `${this.destination.name} outbox: repaired entry ${entry.id} dropped, not sent: a later decision on its reminder supersedes it`
        : `${this.destination.name} outbox: repaired entry ${entry.id} sent without the warns a later 3103 names`,
    );
    return sent === undefined ? undefined : { ...entry, payload: sent };
  }

  /**
   * 'alike': this refusal makes REFUSED_ALIKE different entries in a row refused alike, none taken between (the
   * destination refuses everything); 'held': it may yet, so its warning waits; 'entry': it is the entry's. A
   * refusal without a likeness, or another one, ends the streak (the destination tells entries apart).
   */
  private refusedAlike(entry: OutboxEntry, failure: DeliveryFailure): 'alike' | 'held' | 'entry' {
    if (failure.scope !== 'entry') return 'entry';
    if (failure.likeness === undefined || failure.likeness !== this.streak?.likeness) this.endStreak();
    if (failure.likeness === undefined) return 'entry';
    this.streak ??= { likeness: failure.likeness, entries: new Set() };
    if (this.streak.entries.size >= REFUSED_ALIKE) return 'alike';
    if (this.streak.entries.has(entry.id)) {
      // Its retry came before other entries did: so far it is one entry refused, and that is worth a warning now.
      this.writeHeld();
      return 'entry';
    }
    this.streak.entries.add(entry.id);
    return this.streak.entries.size >= REFUSED_ALIKE ? 'alike' : 'held';
  }

  private endStreak(): void {
    this.writeHeld();
    this.streak = undefined;
  }

  private writeHeld(): void {
    for (const { fields, msg } of this.held) this.logger.warn(fields, msg);
    this.held = [];
  }

  private reachable(): void {
    if (!this.outage) return;
    this.recovery = { downMs: this.now() - this.outage.since, delivered: 0, refusing: this.outage.refusing };
    this.outage = undefined;
  }

  /** `refusing`: entries refused alike, not the destination out of reach (for the warning and the line when back). */
  private unreachableNow(reason: string, refusing: boolean): void {
    const now = this.now();
    if (this.outage) {
      this.outage.failures++;
      this.outage.reason = reason;
      this.outage.probeAt = now + backoff(this.destination, this.outage.failures);
      this.logger.debug(
        { reason, failures: this.outage.failures, next_probe_in_ms: this.outage.probeAt - now },
        `${this.destination.name} still ${this.outage.refusing ? 'refusing' : 'unreachable'}`,
      );
      return;
    }
    this.recovered();
    this.outage = { since: now, reason, failures: 1, probeAt: now + backoff(this.destination, 1), refusing };
    this.logger.warn(
      { reason, pending: this.pendingOrNull(), retry_max_ms: this.destination.retryMaxMs },
      `${this.destination.name} ${refusing ? 'refuses every entry alike' : 'unreachable'}: the outbox keeps what is pending and tries one entry per backoff interval`,
    );
  }

  private recovered(): void {
    if (!this.recovery) return;
    const { downMs, delivered, refusing } = this.recovery;
    this.recovery = undefined;
    this.logger.info(
      { down_s: Math.round(downMs / 1000), delivered, pending: this.pendingOrNull() },
      `${this.destination.name} ${refusing ? 'takes entries again' : 'reachable again'}`,
    );
  }

  /** For a log line: a database refusing this read must not keep the line from being written. */
  private pendingOrNull(): number | null {
    try {
      return this.outbox.pendingOf(this.destination.kinds);
    } catch {
      return null;
    }
  }
}
