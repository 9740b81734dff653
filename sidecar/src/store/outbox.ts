import type { UpstreamFeedback } from '../upstream/provincial-gateway';
import type { Db } from './database';
import { storedJson } from './unreadable-stored-json';

/** disposition and daily_figures go to the 数据归集 platform; upstream_feedback is a 3103 for the provincial gateway. */
export type OutboxKind = 'disposition' | 'daily_figures' | 'upstream_feedback';
export const OUTBOX_KINDS: readonly OutboxKind[] = ['disposition', 'daily_figures', 'upstream_feedback'];

/**
 * The id of a decision's entry for the platform: one per (install, reminder, revision), so a retry after a lost
 * acknowledgement keeps its id, and the earlier revisions of a decision are found by their common prefix.
 */
export function dispositionEntryId(installId: string, jrId: string, revision: number): string {
  return `${dispositionPrefix(installId, jrId)}${revision}`;
}
/** The common start of the ids of every revision of a decision's entries (retention.ts drops delivered ones). */
export function dispositionPrefix(installId: string, jrId: string): string {
  return `disposition:${installId}:${jrId}:r`;
}

/**
 * The last_error of an entry set aside because its payload is not a JSON object (unreadable-stored-json.ts): it can
 * never be sent as it is, so it is not retried; the column already there says why the row waits, so no schema change.
 */
export const UNREADABLE_PAYLOAD = 'payload is not readable JSON';
/**
 * An entry set aside and still unreadable. One whose payload IT repaired into a JSON object no longer is, and so is
 * due again at once (setAside leaves its next attempt at the time it was set aside).
 */
const SET_ASIDE = `(last_error IS '${UNREADABLE_PAYLOAD}'
  AND CASE WHEN json_valid(payload) THEN json_type(payload) <> 'object' ELSE 1 END)`;
/**
 * A disposition entry's revision, read from its id (dispositionEntryId) past its reminder's prefix (the position
 * after it bound three times): NULL unless what follows is digits only, since a jr_id may itself contain ":r".
 */
const REVISION_SUFFIX = `(CASE WHEN substr(id, ?) <> '' AND substr(id, ?) NOT GLOB '*[^0-9]*'
  THEN CAST(substr(id, ?) AS INTEGER) END)`;

interface OutboxRow {
  id: string;
  kind: OutboxKind;
  payload: string;
  createdAt: number;
  attempts: number;
  wasSetAside: number;
}

export interface OutboxEntry {
  id: string;
  kind: OutboxKind;
  payload: string;
  createdAt: number;
  attempts: number;
  /**
   * It was set aside as unreadable (setAside) and IT has since repaired it: before it is sent, what was decided after
   * it while it waited must be looked at (OutboxStore.supersededSinceSetAside). Absent for an ordinary entry.
   */
  wasSetAside?: boolean;
}

/** What OutboxStore.deleteSetAside did with an id: the entry's kind when it deleted it. */
export type SetAsideDeletion =
  | { deleted: true; kind: OutboxKind }
  | { deleted: false; reason: 'not-found' | 'not-set-aside' };

/**
 * The durable queue of what leaves the workstation (the 数据归集 platform, the provincial gateway). Rows are
 * written in the same transaction as their cause, and only for a destination configured: most workstations have
 * none, and a queue nobody reads would only grow (and keep an alarm on its age ringing) for good.
 */
export class OutboxStore {
  /** The kinds some configured destination takes (JSON array, for the queries). */
  private readonly destinationKinds: string;
  private readonly accepted: ReadonlySet<OutboxKind>;
  private readonly insert;
  private readonly selectDue;
  private readonly delivered;
  private readonly failed;
  private readonly countPending;
  private readonly countPendingOf;
  private readonly oldestPending;
  private readonly nextDueAt;
  private readonly exists;
  private readonly retryNow;
  private readonly prune;
  private readonly dropRevisions;
  private readonly feedbackNaming;
  private readonly rewrite;
  private readonly drop;

  private readonly undeliverable;
  private readonly setAsideRow;
  private readonly countSetAside;
  private readonly setAsideOne;
  private readonly laterRevision;
  private readonly laterFeedback;
  private readonly laterDecidedRevision;

  /** `kinds`: what the configured destinations take; an entry of any other kind is neither queued nor counted. */
  constructor(db: Db, kinds: readonly OutboxKind[]) {
    this.accepted = new Set(kinds);
    this.destinationKinds = JSON.stringify([...this.accepted]);
    this.insert = db.prepare(
      'INSERT OR IGNORE INTO outbox (id, kind, payload, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.selectDue = db.prepare<[number, string, number], OutboxRow>(
      `SELECT id, kind, payload, created_at AS createdAt, attempts,
              last_error IS '${UNREADABLE_PAYLOAD}' AS wasSetAside FROM outbox
       WHERE delivered_at IS NULL AND next_attempt_at <= ? AND kind IN (SELECT value FROM json_each(?))
         AND NOT ${SET_ASIDE}
       ORDER BY created_at, id LIMIT ?`,
    );
    this.delivered = db.prepare(
      'UPDATE outbox SET delivered_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?',
    );
    this.failed = db.prepare(
      'UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?',
    );
    // Pending: waiting to be sent. An entry set aside is not (it is counted on its own), and its age must not keep the
    // alarm on the oldest pending entry ringing for good.
    const waiting = `delivered_at IS NULL AND kind IN (SELECT value FROM json_each(?)) AND NOT ${SET_ASIDE}`;
    this.countPending = db.prepare(`SELECT COUNT(*) FROM outbox WHERE ${waiting}`).pluck();
    this.countPendingOf = db.prepare(`SELECT COUNT(*) FROM outbox WHERE ${waiting}`).pluck();
    this.oldestPending = db.prepare(`SELECT MIN(created_at) FROM outbox WHERE ${waiting}`).pluck();
    this.countSetAside = db
      .prepare(
        `SELECT COUNT(*) FROM outbox
         WHERE delivered_at IS NULL AND kind IN (SELECT value FROM json_each(?)) AND ${SET_ASIDE}`,
      )
      .pluck();
    this.setAsideOne = db.prepare<[string], { kind: OutboxKind; setAside: number }>(
      `SELECT kind, delivered_at IS NULL AND ${SET_ASIDE} AS setAside FROM outbox WHERE id = ?`,
    );
    // Any later revision, delivered or not: one sent already is exactly what the repaired entry must not overwrite.
    this.laterRevision = db
      .prepare<[string, string, number, number, number, number], number>(
        `SELECT 1 FROM outbox WHERE id > ? AND id < ? AND kind = 'disposition' AND ${REVISION_SUFFIX} > ? LIMIT 1`,
      )
      .pluck();
    // "Later" is by insertion order, not created_at: a clock stepped back, or two 3103s in the same millisecond,
    // would misorder them. The table has a rowid, and a row inserted while another is there gets a higher one
    // (max + 1). Only VACUUM (a restored backup, made with VACUUM INTO) may renumber rowids, and it keeps their
    // order in practice, though SQLite does not promise it. A warn that is not an object (a hand repair) is not
    // read: json_extract on a string warn would fail the forwarder's whole pass, every pass.
    this.laterFeedback = db.prepare<[string, string], { payload: string }>(
      `SELECT payload FROM outbox WHERE kind = 'upstream_feedback'
         AND rowid > (SELECT rowid FROM outbox WHERE id = ?)
         AND EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(payload) THEN payload END, '$.data.warns') AS w
                     WHERE json_extract(CASE WHEN w.type = 'object' THEN w.value END, '$.warn_rslt_id')
                           IN (SELECT value FROM json_each(?)))`,
    );
    // The outbox forgets delivered entries after 90 days, while one set aside waits for the records window (400
    // days by default): a later decision whose entry was delivered and forgotten is still in the decisions, the
    // source of truth. A decision's revision only grows, and goes on past a pruned reminder's (disposition_revisions).
    this.laterDecidedRevision = db
      .prepare<[string, number, string, number], number>(
        `SELECT 1 FROM dispositions WHERE jr_id = ? AND revision > ?
         UNION ALL SELECT 1 FROM disposition_revisions WHERE jr_id = ? AND revision > ? LIMIT 1`,
      )
      .pluck();
    // Only a row not set aside already is changed: the caller warns once, not at every pass that meets it again.
    this.setAsideRow = db.prepare(
      `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = '${UNREADABLE_PAYLOAD}'
       WHERE id = ? AND delivered_at IS NULL AND last_error IS NOT '${UNREADABLE_PAYLOAD}'`,
    );
    this.undeliverable = db.prepare(
      'DELETE FROM outbox WHERE delivered_at IS NULL AND kind NOT IN (SELECT value FROM json_each(?))',
    );
    this.nextDueAt = db
      .prepare(
        `SELECT MIN(next_attempt_at) FROM outbox
         WHERE delivered_at IS NULL AND kind IN (SELECT value FROM json_each(?)) AND NOT ${SET_ASIDE}`,
      )
      .pluck();
    this.exists = db.prepare('SELECT 1 FROM outbox WHERE id = ?').pluck();
    this.retryNow = db.prepare('UPDATE outbox SET next_attempt_at = ? WHERE delivered_at IS NULL');
    // A delivered 3103 queued after a 3103 still set aside (or repaired, not yet sent) is kept past the 90 days: it is
    // what tells the repaired one which of its warns were decided again since (laterFeedback). A 3103 carries no
    // revision, and the local decisions cannot say which gateway jr_id a later answer was sent under, nor tell a new
    // answer from the same one given again (which queues nothing); the outbox row can. Set-aside entries are rare
    // and go with the records window (or when IT repairs or deletes them), so this keeps little. Queued after, by
    // insertion order (rowid), as laterFeedback reads them.
    this.prune = db.prepare(
      `DELETE FROM outbox WHERE delivered_at < ? AND kind IN (SELECT value FROM json_each(?))
         AND NOT (kind = 'upstream_feedback' AND rowid > IFNULL(
               (SELECT MIN(rowid) FROM outbox WHERE kind = 'upstream_feedback' AND delivered_at IS NULL
                  AND last_error IS '${UNREADABLE_PAYLOAD}'),
               ${Number.MAX_SAFE_INTEGER}))`,
    );
    // By primary key range (dispositionEntryId), then checked by content: a jr_id may itself contain ":r". A payload
    // that is not JSON (kept by the migrations, unreadable-stored-json.ts) would make json_extract fail the decision
    // being stored; it is not read (CASE, unlike AND, is evaluated in order) and so never dropped.
    // One whose payload is not an object is matched by its id alone: if it were passed over, IT repairing it later
    // would send it after this newer decision. Its id must then be the prefix and a revision number only.
    this.dropRevisions = db.prepare(
      `DELETE FROM outbox WHERE id >= ? AND id < ? AND delivered_at IS NULL AND kind = 'disposition'
         AND CASE WHEN json_valid(payload) AND json_type(payload) = 'object'
               THEN json_extract(payload, '$.warn_rslt_id') = ? AND json_extract(payload, '$.install_id') = ?
               ELSE substr(id, ?) <> '' AND substr(id, ?) NOT GLOB '*[^0-9]*' END`,
    );
    // An earlier 3103 whose payload is not JSON, or a warn that is not an object, names no warn here: it is neither
    // read nor dropped.
    this.feedbackNaming = db.prepare<[string], { id: string; payload: string }>(
      `SELECT id, payload FROM outbox WHERE delivered_at IS NULL AND kind = 'upstream_feedback'
         AND EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(payload) THEN payload END, '$.data.warns') AS w
                     WHERE json_extract(CASE WHEN w.type = 'object' THEN w.value END, '$.warn_rslt_id')
                           IN (SELECT value FROM json_each(?)))`,
    );
    this.rewrite = db.prepare('UPDATE outbox SET payload = ? WHERE id = ?');
    this.drop = db.prepare('DELETE FROM outbox WHERE id = ?');
  }

  /**
   * Adds an entry unless one with this id exists; returns whether it was added. A decision supersedes what is still
   * undelivered of earlier ones on the same reminder, so a retried older decision (backing off after a failure)
   * can never land after it: a 'disposition' (id from dispositionEntryId) drops the undelivered earlier revisions
   * of its warn_rslt_id, and an 'upstream_feedback' takes its warn_rslt_ids out of undelivered earlier 3103s,
   * dropping one left with none. Called inside the transaction that stores the decision.
   */
  add(id: string, kind: OutboxKind, payload: unknown, now: number): boolean {
    if (!this.accepted.has(kind)) return false;
    if (kind === 'disposition')
      this.supersedeDisposition(id, payload as { install_id?: unknown; warn_rslt_id?: unknown });
    else if (kind === 'upstream_feedback') this.supersedeFeedback(payload as UpstreamFeedback);
    return this.insert.run(id, kind, JSON.stringify(payload), now, now).changes === 1;
  }

  private supersedeDisposition(id: string, payload: { install_id?: unknown; warn_rslt_id?: unknown }): void {
    if (typeof payload.install_id !== 'string' || typeof payload.warn_rslt_id !== 'string') return;
    const prefix = dispositionPrefix(payload.install_id, payload.warn_rslt_id);
    if (!id.startsWith(prefix)) return;
    // Every id with the prefix: up to, not including, the prefix with its last character ("r") moved on by one.
    const suffixAt = prefix.length + 1;
    this.dropRevisions.run(
      prefix,
      `${prefix.slice(0, -1)}s`,
      payload.warn_rslt_id,
      payload.install_id,
      suffixAt,
      suffixAt,
    );
  }

  private supersedeFeedback(feedback: UpstreamFeedback): void {
    const warns = (feedback as Partial<UpstreamFeedback> | undefined)?.data?.warns;
    if (!Array.isArray(warns)) return;
    const named = new Set(warns.map((w) => w.warn_rslt_id));
    if (named.size === 0) return;
    for (const row of this.feedbackNaming.all(JSON.stringify([...named]))) {
      const earlier = JSON.parse(row.payload) as Partial<UpstreamFeedback>;
      // A payload edited into another shape (warns an object) is left as it is, as an unreadable one is: it must not
      // fail the decision being stored.
      if (earlier.data === undefined || !Array.isArray(earlier.data.warns)) continue;
      const warns = warnsNotIn(earlier.data.warns, named);
      if (!namesAnyReminder(warns)) this.drop.run(row.id);
      else this.rewrite.run(JSON.stringify({ ...earlier, data: { ...earlier.data, warns } }), row.id);
    }
  }

  /**
   * Drops the entries queued for no destination configured now (by a version that queued them regardless, or
   * before a destination was removed from the configuration); returns how many. Their destination may never come,
   * and one configured later gets what is decided from then on, and the figures of the last 30 days.
   */
  dropUndeliverable(): number {
    return this.undeliverable.run(this.destinationKinds).changes;
  }

  has(id: string): boolean {
    return this.exists.get(id) !== undefined;
  }

  due(now: number, limit: number, kinds: readonly OutboxKind[]): OutboxEntry[] {
    return this.selectDue
      .all(now, JSON.stringify(kinds), limit)
      .map(({ wasSetAside, ...entry }) => (wasSetAside === 1 ? { ...entry, wasSetAside: true } : entry));
  }

  /**
   * For an entry set aside and since repaired (`payload`, its readable payload), before it is sent: what was decided
   * after it while it waited wins, as add() would have made it win had the entry been readable then. A disposition
   * with a later revision of its reminder (in the outbox, delivered or not, or in the decisions: a delivered entry is
   * forgotten after 90 days, one set aside is kept longer) is dropped; a 3103 loses the warns a later 3103 names
   * (delivered or not: those queued after a set-aside 3103 are kept while it waits, see `prune`), and is dropped
   * when no warn naming a reminder is left. Returns the payload to send (rewritten when trimmed), or undefined when
   * dropped.
   */
  supersededSinceSetAside(entry: OutboxEntry, payload: unknown): string | undefined {
    // Dropped since the forwarder read its batch (a later 3103 superseded it while one before it was being sent):
    // the copy in hand is stale, and nothing is later than a row that is gone.
    if (!this.has(entry.id)) return undefined;
    const body = (typeof payload === 'object' && payload !== null ? payload : {}) as Record<string, unknown>;
    if (entry.kind === 'disposition') {
      if (typeof body.install_id !== 'string' || typeof body.warn_rslt_id !== 'string') return entry.payload;
      const prefix = dispositionPrefix(body.install_id, body.warn_rslt_id);
      const suffix = entry.id.slice(prefix.length);
      if (!entry.id.startsWith(prefix) || !/^[0-9]+$/.test(suffix)) return entry.payload;
      const at = prefix.length + 1;
      const revision = Number(suffix);
      const later =
        this.laterRevision.get(prefix, `${prefix.slice(0, -1)}s`, at, at, at, revision) ??
        this.laterDecidedRevision.get(body.warn_rslt_id, revision, body.warn_rslt_id, revision);
      if (later === undefined) return entry.payload;
      this.drop.run(entry.id);
      return undefined;
    }
    if (entry.kind !== 'upstream_feedback') return entry.payload;
    const feedback = body as Partial<UpstreamFeedback>;
    if (feedback.data === undefined || !Array.isArray(feedback.data.warns)) return entry.payload;
    // A hand repair may leave a warn that is not an object (null): it names no reminder, and must not throw here.
    const own = feedback.data.warns.map(warnIdOf).filter((id): id is string => id !== undefined);
    const later = new Set<string>();
    for (const row of this.laterFeedback.all(entry.id, JSON.stringify(own))) {
      const warns = (storedJson(row.payload)?.value as Partial<UpstreamFeedback> | undefined)?.data?.warns;
      if (Array.isArray(warns))
        for (const w of warns) {
          const id = warnIdOf(w);
          if (id !== undefined) later.add(id);
        }
    }
    const warns = warnsNotIn(feedback.data.warns, later);
    if (warns.length === feedback.data.warns.length) return entry.payload;
    if (!namesAnyReminder(warns)) {
      this.drop.run(entry.id);
      return undefined;
    }
    const trimmed = JSON.stringify({ ...feedback, data: { ...feedback.data, warns } });
    this.rewrite.run(trimmed, entry.id);
    return trimmed;
  }

  /**
   * Deletes one entry set aside as unreadable and not repaired (IT's last resort,
   * POST /v1/admin/outbox/delete-set-aside): only such an entry, so that a mistyped id cannot delete one still to be
   * sent.
   */
  deleteSetAside(id: string): SetAsideDeletion {
    const row = this.setAsideOne.get(id);
    if (row === undefined) return { deleted: false, reason: 'not-found' };
    if (row.setAside !== 1) return { deleted: false, reason: 'not-set-aside' };
    this.drop.run(id);
    return { deleted: true, kind: row.kind };
  }

  markDelivered(id: string, now: number): void {
    this.delivered.run(now, id);
  }

  markFailed(id: string, retryAt: number, error: string): void {
    this.failed.run(retryAt, error.slice(0, 500), id);
  }

  /**
   * Sets aside an entry whose payload is not a JSON object: kept (IT may repair it), not retried while it stays
   * unreadable. Returns false when it was set aside already (met again only if its payload reads in SQL but not in
   * JSON.parse), so that it is warned of once.
   */
  setAside(id: string, now: number): boolean {
    return this.setAsideRow.run(now, id).changes === 1;
  }

  /** Entries set aside as unreadable (setAside) and not repaired since, for the configured destinations. */
  unreadable(): number {
    return this.countSetAside.get(this.destinationKinds) as number;
  }

  /** Entries of these kinds set aside as unreadable and not repaired since. */
  unreadableOf(kinds: readonly OutboxKind[]): number {
    return this.countSetAside.get(JSON.stringify(kinds)) as number;
  }

  /** Makes every pending entry due now (after the platform was fixed). */
  retryAllNow(now: number): void {
    this.retryNow.run(now);
  }

  /** Forgets entries of these kinds delivered before `before` (epoch ms); returns how many. Pending ones stay. */
  pruneDelivered(before: number, kinds: readonly OutboxKind[]): number {
    return this.prune.run(before, JSON.stringify(kinds)).changes;
  }

  /** Entries waiting for a configured destination (not those set aside as unreadable). */
  pending(): number {
    return this.countPending.get(this.destinationKinds) as number;
  }

  pendingOf(kinds: readonly OutboxKind[]): number {
    return this.countPendingOf.get(JSON.stringify(kinds)) as number;
  }

  /** Epoch ms at which the oldest entry still pending was written, or undefined when none is. */
  oldestPendingAt(): number | undefined {
    return (this.oldestPending.get(this.destinationKinds) as number | null) ?? undefined;
  }

  /**
   * Seconds the oldest pending entry has waited at `now` (0 when none waits, or one was written on a clock ahead of
   * this one): how far behind the receivers are, as /metrics and /v1/status report it.
   */
  oldestPendingAgeSeconds(now = Date.now()): number {
    const at = this.oldestPendingAt();
    return at === undefined ? 0 : Math.max(0, (now - at) / 1000);
  }

  /** Epoch ms of the earliest pending entry's next attempt, or undefined when nothing of these kinds is pending. */
  nextAttemptAt(kinds: readonly OutboxKind[]): number | undefined {
    return (this.nextDueAt.get(JSON.stringify(kinds)) as number | null) ?? undefined;
  }
}

/** The warns whose reminder is not in `superseded`. One that names none (a hand repair's stray null) stays. */
function warnsNotIn<W>(warns: readonly W[], superseded: ReadonlySet<string>): W[] {
  return warns.filter((w) => {
    const id = warnIdOf(w);
    return id === undefined || !superseded.has(id);
  });
}

/** Whether any warn names a reminder: an entry left with none has nothing to tell the gateway, and is dropped. */
function namesAnyReminder(warns: readonly unknown[]): boolean {
  return warns.some((w) => warnIdOf(w) !== undefined);
}

/** A 3103 warn's warn_rslt_id, or undefined for a warn that is not an object with a string one (a hand repair). */
function warnIdOf(warn: unknown): string | undefined {
  if (typeof warn !== 'object' || warn === null) return undefined;
  const id = (warn as { warn_rslt_id?: unknown }).warn_rslt_id;
  return typeof id === 'string' ? id : undefined;
}
