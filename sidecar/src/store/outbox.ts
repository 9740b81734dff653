import type { Db } from './database';

/** disposition and daily_figures go to the 数据归集 platform; upstream_feedback is a 3103 for the provincial gateway. */
export type OutboxKind = 'disposition' | 'daily_figures' | 'upstream_feedback';

export interface OutboxEntry {
  id: string;
  kind: OutboxKind;
  payload: string;
  createdAt: number;
  attempts: number;
}

/**
 * The durable queue of what leaves the workstation (the 数据归集 platform, the provincial gateway). Rows are
 * written in the same transaction as their cause.
 */
export class OutboxStore {
  private readonly insert;
  private readonly selectDue;
  private readonly delivered;
  private readonly failed;
  private readonly countPending;
  private readonly nextDueAt;
  private readonly exists;
  private readonly retryNow;
  private readonly prune;

  constructor(db: Db) {
    this.insert = db.prepare(
      'INSERT OR IGNORE INTO outbox (id, kind, payload, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.selectDue = db.prepare(
      `SELECT id, kind, payload, created_at AS createdAt, attempts FROM outbox
       WHERE delivered_at IS NULL AND next_attempt_at <= ? AND kind IN (SELECT value FROM json_each(?))
       ORDER BY created_at, id LIMIT ?`,
    );
    this.delivered = db.prepare(
      'UPDATE outbox SET delivered_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?',
    );
    this.failed = db.prepare(
      'UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?',
    );
    this.countPending = db.prepare('SELECT COUNT(*) AS n FROM outbox WHERE delivered_at IS NULL').pluck();
    this.nextDueAt = db
      .prepare(
        `SELECT MIN(next_attempt_at) FROM outbox
         WHERE delivered_at IS NULL AND kind IN (SELECT value FROM json_each(?))`,
      )
      .pluck();
    this.exists = db.prepare('SELECT 1 FROM outbox WHERE id = ?').pluck();
    this.retryNow = db.prepare('UPDATE outbox SET next_attempt_at = ? WHERE delivered_at IS NULL');
    this.prune = db.prepare('DELETE FROM outbox WHERE delivered_at < ? AND kind IN (SELECT value FROM json_each(?))');
  }

  /** Adds an entry unless one with this id exists; returns whether it was added. */
  add(id: string, kind: OutboxKind, payload: unknown, now: number): boolean {
    return this.insert.run(id, kind, JSON.stringify(payload), now, now).changes === 1;
  }

  has(id: string): boolean {
    return this.exists.get(id) !== undefined;
  }

  due(now: number, limit: number, kinds: readonly OutboxKind[]): OutboxEntry[] {
    return this.selectDue.all(now, JSON.stringify(kinds), limit) as OutboxEntry[];
  }

  markDelivered(id: string, now: number): void {
    this.delivered.run(now, id);
  }

  markFailed(id: string, retryAt: number, error: string): void {
    this.failed.run(retryAt, error.slice(0, 500), id);
  }

  /** Makes every pending entry due now (after the platform was fixed). */
  retryAllNow(now: number): void {
    this.retryNow.run(now);
  }

  /** Forgets entries of these kinds delivered before `before` (epoch ms); returns how many. Pending ones stay. */
  pruneDelivered(before: number, kinds: readonly OutboxKind[]): number {
    return this.prune.run(before, JSON.stringify(kinds)).changes;
  }

  pending(): number {
    return this.countPending.get() as number;
  }

  /** Epoch ms of the earliest pending entry's next attempt, or undefined when nothing of these kinds is pending. */
  nextAttemptAt(kinds: readonly OutboxKind[]): number | undefined {
    return (this.nextDueAt.get(JSON.stringify(kinds)) as number | null) ?? undefined;
  }
}
