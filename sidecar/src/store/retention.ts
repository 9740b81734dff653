import type { Logger } from '../logging';
import { DELIVERED_RETENTION_MS } from '../outbox/outbox-forwarder';
import { addDays, shanghaiDay } from '../stats/days';
import { AnswerSightings } from './answer-sightings';
import type { Db } from './database';
import type { DispositionStore } from './dispositions';
import { KeptFirstBodies, type KeptPage } from './kept-first-bodies';
import { dispositionPrefix } from './outbox';
import { foldIntoPrunedFigures } from './pruned-figures';
import type { AnalysisRecorder } from './records';
import { jsonElementSql, readableJsonArraySql, readableTimeSql, storedBodyIdSql } from './unreadable-stored-json';

/**
 * A task row as a pass reads it: `bodies` is the JSON array of the body id each results entry names (storedBodyIdSql:
 * null for an entry naming none), null when the results column is not a readable JSON array. Read in SQL, not by
 * JSON.parse, which reads 12.0 and 1e1 as the 12 and 10 that name a body where every other reader sees a damaged entry.
 */
interface TaskToPrune {
  id: number;
  /** Null when not a time a day can be read from (text, past year 9999, before year 1: a disk fault, a hand edit). */
  createdAt: number | null;
  bodies: string | null;
}

/** A task's created_at (of `t`), or NULL when no day can be read from it. */
const READABLE_CREATED_AT = readableTimeSql('t.created_at');

/**
 * The first pass waits this long after the start: the workstation is busy starting the HIS then, and a sidecar
 * still finishing its last answers during a restart has stopped by then (answer-sightings.ts).
 */
const FIRST_PASS_DELAY_MS = 60_000;
const PASS_EVERY_MS = 24 * 3600_000;
// Rows per transaction, each batch holding the request thread (and the write lock) for a few milliseconds. Measured
// on a 250 MB database with 200 days to prune (200,000 answers, 67,000 reminders), checkpoints on their own thread as
// in the sidecar: the pass took 4 s, the event loop's longest wait was 9 ms (p99 3.6 ms). A day's pass: 20-40 ms.
const REMINDERS_PER_BATCH = 100;
const TASKS_PER_BATCH = 200;
const KEPT_TASKS_PER_PAGE = 500;
const LINKS_PER_BATCH = 1000;
const OUTBOX_PER_BATCH = 500;
/** The most a pass moves the cutoff beyond the last one applied (a pass runs daily, and a minute after each start). */
const MAX_CUTOFF_STEP_DAYS = 2;

/** Whole days from `from` to `to` (YYYY-MM-DD). */
function daysFrom(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** Rows removed by one pass, per table. Counts only: nothing about a patient or an answer is logged. */
export interface PruneCounts {
  reminders: number;
  dispositions: number;
  tasks: number;
  result_bodies: number;
  upstream_links: number;
  /** Delivered entries. */
  outbox: number;
  /** Entries their destination never took, from before the window. */
  outbox_undelivered: number;
}

export interface PruneReport extends PruneCounts {
  /** The first day kept (Asia/Shanghai): records of the days before it were pruned. */
  kept_from: string;
  ms: number;
}

export interface RetentionOptions {
  /** Days of detailed records kept; 0 keeps everything. */
  retentionDays: number;
  installId: string;
  recorder: Pick<AnalysisRecorder, 'forgetStored' | 'flush' | 'heldRecords'>;
  dispositions: Pick<DispositionStore, 'forget'>;
  logger: Logger;
  /** Removes files kept beside the records (rejected spool files) from before the cutoff; returns how many. */
  pruneFiles?: (beforeMs: number) => Promise<number>;
  /**
   * Called after a pass removed rows, and after every pass while the last call could not cut: cuts the WAL
   * (wal-checkpointer.ts), whose frames would otherwise keep the deleted rows readable on disk until overwritten.
   * Resolves whether it cut; gives up when `stop` is aborted (the sidecar is stopping).
   */
  afterPrune?: (stop: AbortSignal) => Promise<boolean>;
}

interface Cutoff {
  /** Days before this one are pruned. */
  day: string;
  /** Its first millisecond (Asia/Shanghai midnight). */
  ms: number;
}

/**
 * Prunes the records database to the last `retentionDays` days, a minute after the start and then daily, in small
 * transactions on the request thread's connection (between them, requests go on). What is removed, and what stays:
 *
 * - A reminder dated before the window goes, with its decision and its upstream_links, unless it is still in use
 *   within the window: answered again (reminder_seen; upstream_links.seen_at for a gateway's jr_id) or decided
 *   (dispositions.at) since the window began. A 3103 may name any jr_id answered within the window. Its figures are
 *   first added to pruned_figures, which /v1/stats still reports (pruned-figures.ts).
 * - A task (one 3101/3102 answer) from before the window goes, but for the first answer of a reminder that stays
 *   (reminders.first_task refers to it); with it the result bodies no answer within the window gave (body_seen)
 *   and no answer kept from before it refers to.
 * - An upstream link last seen before the window goes, but for the latest one of a reminder that stays: a later
 *   decision on it is sent to the gateway under that id.
 * - An outbox entry goes once delivered, and no earlier than the window and the 90 days its forwarder keeps it
 *   (outbox-forwarder.ts). One not delivered goes once it is older than the window: a platform that has not taken
 *   it in that long is not going to, and kept it would bound neither the file nor the outbox's age alarm. A pruned reminder's delivered decision entries
 *   go with it. Its decision's last revision is kept (disposition_revisions): a decision on the same jr_id answered
 *   again later goes on from it, so its entry's id is never one the platform already received.
 *
 * Before the first reminder or body goes, the recorder forgets which it had stored (it would refer to them in new
 * rows without writing them) and everything it built before is written; each transaction then first reads the
 * tasks written since (answer-sightings.ts), so an answer written a moment ago keeps what it refers to.
 *
 * No VACUUM: the pages freed are reused by the next days' records, so once a workstation has kept its window the
 * file stops growing, and giving the pages back to the disk would only have it grow again. auto_vacuum cannot be
 * switched on in an existing database without a full VACUUM (the whole file rewritten, twice its size on disk, every
 * other connection locked out meanwhile), and incremental_vacuum in WAL mode writes every page it moves to the WAL
 * and again to the file. IT can reclaim the space once after the first pass of an old database with the sidecar
 * stopped (README).
 */
export class RecordsRetention {
  private readonly sightings: AnswerSightings;
  private readonly reminderBatch;
  private readonly anyOldReminder;
  private readonly fold;
  private readonly deleteDispositions;
  private readonly keepRevisions;
  private readonly deleteLinksOf;
  private readonly deleteSeen;
  private readonly deleteReminders;
  private readonly deleteDeliveredDecisions;
  private readonly taskBatch;
  private readonly taskAges;
  private readonly keptFirstTasks;
  private readonly keptFirstBodies;
  private readonly keptFirstTaskPage;
  private readonly bodiesOfTasks;
  private readonly deleteTasks;
  private readonly deleteBodies;
  private readonly deleteBodiesSeen;
  private readonly linkBatch;
  private readonly deleteLinks;
  private readonly deleteDelivered;
  private readonly deleteUndelivered;
  private readonly latestTaskAt;
  private readonly appliedCutoff;
  private readonly saveCutoff;
  private readonly appliedWindow;
  private readonly saveWindow;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<PruneReport | undefined> | undefined;
  private stopping = false;
  /** Aborted by close: a WAL cut under way gives up rather than hold the stop (its retries take seconds). */
  private readonly stop = new AbortController();
  /**
   * A pass removed rows but the WAL could not be cut (a reader held an old snapshot): every later pass tries
   * again, whether or not it removes anything, as the deleted rows stay readable in the WAL until then.
   */
  private walCutPending = false;

  constructor(
    private readonly db: Db,
    private readonly options: RetentionOptions,
  ) {
    this.sightings = new AnswerSightings(db);
    const live = `(EXISTS (SELECT 1 FROM reminder_seen s WHERE s.jr_id = r.jr_id AND s.day >= @day)
      OR EXISTS (SELECT 1 FROM dispositions d WHERE d.jr_id = r.jr_id AND d.at >= @ms)
      OR EXISTS (SELECT 1 FROM upstream_links l WHERE l.jr_id = r.jr_id AND l.seen_at >= @ms))`;
    // In (day, rowid) order, the reminders_by_day index's own.
    this.reminderBatch = db.prepare<
      Cutoff & { afterDay: string; afterRow: number; limit: number },
      { row: number; day: string; jrId: string; live: number }
    >(
      `SELECT r.rowid AS row, r.day AS day, r.jr_id AS jrId, ${live} AS live FROM reminders r
       WHERE r.day < @day AND (r.day, r.rowid) > (@afterDay, @afterRow)
       ORDER BY r.day, r.rowid LIMIT @limit`,
    );
    this.anyOldReminder = db
      .prepare<Cutoff, number>(`SELECT 1 FROM reminders r WHERE r.day < @day AND NOT ${live} LIMIT 1`)
      .pluck();
    this.fold = foldIntoPrunedFigures(db);
    const inList = 'IN (SELECT value FROM json_each(?))';
    this.deleteDispositions = db.prepare<[string]>(`DELETE FROM dispositions WHERE jr_id ${inList}`);
    this.keepRevisions = db.prepare<[string]>(
      `INSERT INTO disposition_revisions (jr_id, revision)
       SELECT jr_id, revision FROM dispositions WHERE jr_id ${inList}
       ON CONFLICT (jr_id) DO UPDATE SET revision = MAX(revision, excluded.revision)`,
    );
    this.deleteLinksOf = db.prepare<[string]>(`DELETE FROM upstream_links WHERE jr_id ${inList}`);
    this.deleteSeen = db.prepare<[string]>(`DELETE FROM reminder_seen WHERE jr_id ${inList}`);
    this.deleteReminders = db.prepare<[string]>(`DELETE FROM reminders WHERE jr_id ${inList}`);
    // By primary key range, as OutboxStore finds a decision's revisions.
    this.deleteDeliveredDecisions = db.prepare<[string, string]>(
      'DELETE FROM outbox WHERE id >= ? AND id < ? AND delivered_at IS NOT NULL',
    );
    const results = readableJsonArraySql('t.results');
    this.taskBatch = db.prepare<[number, number], TaskToPrune>(
      `SELECT t.id, ${READABLE_CREATED_AT} AS createdAt, CASE WHEN ${results} IS NOT NULL THEN
         (SELECT json_group_array(${storedBodyIdSql(jsonElementSql('j', 'array'))}) FROM json_each(${results}) j)
       END AS bodies
       FROM tasks t WHERE t.id > ? ORDER BY t.id LIMIT ?`,
    );
    this.taskAges = db.prepare<[number, number], { id: number; createdAt: number | null }>(
      `SELECT id, ${READABLE_CREATED_AT} AS createdAt FROM tasks t WHERE id > ? ORDER BY id LIMIT ?`,
    );
    this.keptFirstTasks = db.prepare<[string], number>('SELECT first_task FROM reminders WHERE day < ?').pluck();
    this.keptFirstTaskPage = db
      .prepare<[KeptPage], number>(
        `SELECT DISTINCT first_task FROM reminders WHERE day < @day AND first_task > @after
         ORDER BY first_task LIMIT @limit`,
      )
      .pluck();
    // The result bodies kept first answers refer to (kept-first-bodies.ts). A body's body_seen day is the latest day
    // of an answer that gave it, so a body of a kept answer from before the window can look unused: an answer of the
    // same day giving it too may be pruned.
    const bodyId = storedBodyIdSql(jsonElementSql('j', 'array'));
    this.keptFirstBodies = db
      .prepare<[string], number>(
        `SELECT DISTINCT body FROM (
           SELECT ${bodyId} AS body
           FROM reminders r JOIN tasks t ON t.id = r.first_task,
             json_each(${readableJsonArraySql('t.results')}) j
           WHERE r.day < ?
         ) WHERE body IS NOT NULL`,
      )
      .pluck();
    this.bodiesOfTasks = db
      .prepare<[string], number>(
        `SELECT DISTINCT body FROM (
           SELECT ${bodyId} AS body FROM tasks t, json_each(${readableJsonArraySql('t.results')}) j
           WHERE t.id IN (SELECT value FROM json_each(?))
         ) WHERE body IS NOT NULL`,
      )
      .pluck();
    this.deleteTasks = db.prepare<[string]>(`DELETE FROM tasks WHERE id ${inList}`);
    this.deleteBodies = db.prepare<{ ids: string; day: string }>(
      `DELETE FROM result_bodies WHERE id IN (SELECT value FROM json_each(@ids))
         AND NOT EXISTS (SELECT 1 FROM body_seen s WHERE s.id = result_bodies.id AND s.day >= @day)`,
    );
    this.deleteBodiesSeen = db.prepare<{ ids: string; day: string }>(
      'DELETE FROM body_seen WHERE id IN (SELECT value FROM json_each(@ids)) AND day < @day',
    );
    this.linkBatch = db.prepare<[number, number], { row: number; seenAt: number }>(
      'SELECT rowid AS row, seen_at AS seenAt FROM upstream_links WHERE rowid > ? ORDER BY rowid LIMIT ?',
    );
    this.deleteLinks = db.prepare<{ rows: string; ms: number }>(
      `DELETE FROM upstream_links WHERE rowid IN (SELECT value FROM json_each(@rows)) AND seen_at < @ms
         AND (NOT EXISTS (SELECT 1 FROM reminders r WHERE r.jr_id = upstream_links.jr_id)
              OR EXISTS (SELECT 1 FROM upstream_links n
                         WHERE n.jr_id = upstream_links.jr_id AND n.seen_at > upstream_links.seen_at))`,
    );
    this.deleteDelivered = db.prepare<[number, number]>(
      'DELETE FROM outbox WHERE rowid IN (SELECT rowid FROM outbox WHERE delivered_at < ? LIMIT ?)',
    );
    this.deleteUndelivered = db.prepare<[number, number]>(
      `DELETE FROM outbox WHERE rowid IN
         (SELECT rowid FROM outbox WHERE delivered_at IS NULL AND created_at < ? LIMIT ?)`,
    );
    // The task written last (ids only grow): its time, not the largest created_at, as a clock set back since then
    // would otherwise leave a task stamped in the future the measure of every later pass.
    // One whose time no day can be read from is passed over: its day would fail the pass, and every one after it.
    this.latestTaskAt = db
      .prepare<[], number>(
        `SELECT created_at FROM tasks t WHERE ${READABLE_CREATED_AT} IS NOT NULL ORDER BY id DESC LIMIT 1`,
      )
      .pluck();
    this.appliedCutoff = db
      .prepare<[], number>("SELECT value FROM retention_progress WHERE name = 'cutoff_ms'")
      .pluck();
    this.saveCutoff = db.prepare<[number]>(
      `INSERT INTO retention_progress (name, value) VALUES ('cutoff_ms', ?)
       ON CONFLICT (name) DO UPDATE SET value = MAX(value, excluded.value)`,
    );
    // The retention days the stored cutoff was computed with (none in a database pruned by an earlier version).
    this.appliedWindow = db
      .prepare<[], number>("SELECT value FROM retention_progress WHERE name = 'cutoff_days'")
      .pluck();
    this.saveWindow = db.prepare<[number]>(
      `INSERT INTO retention_progress (name, value) VALUES ('cutoff_days', ?)
       ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
    );
  }

  /** Runs a pass a minute from now and then every day (nothing when retentionDays is 0). */
  start(): void {
    if (this.options.retentionDays === 0 || this.stopping) return;
    const next = (delay: number) => {
      this.timer = setTimeout(() => {
        void this.prune().finally(() => {
          if (!this.stopping) next(PASS_EVERY_MS);
        });
      }, delay);
      this.timer.unref();
    };
    next(FIRST_PASS_DELAY_MS);
  }

  /** Stops the schedule; waits for a pass under way to end its current batch. */
  async close(): Promise<void> {
    this.stopping = true;
    this.stop.abort();
    clearTimeout(this.timer);
    await this.running;
  }

  /**
   * One pass (shared with one already under way); resolves with what it removed, or undefined when retention is
   * off, the sidecar is stopping, or the pass failed or was put off (logged). Never rejects.
   */
  prune(now = Date.now()): Promise<PruneReport | undefined> {
    if (this.options.retentionDays === 0 || this.stopping) return Promise.resolve(undefined);
    this.running ??= this.pass(now)
      .catch((error: unknown) => {
        this.options.logger.error({ err: error }, 'pruning old records failed; trying again tomorrow');
        return undefined;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /**
   * The first day kept. Pruning cannot be undone, and a clock read wrong at a pass (a BIOS battery, a bad NTP
   * answer) would otherwise prune everything before a day years ahead, so the day the clock gives is held back to
   * the window of the task written last (a clock ahead only now), and, once a pass has pruned, to two days beyond
   * the cutoff it applied (a clock that was ahead while the tasks were written too). The first pass of a database
   * never pruned (or whose last task is older than the window: a workstation long unused) has no cutoff of its own
   * yet and prunes its backlog in one go. Undefined when no task was ever written: nothing to measure by, and
   * nothing a reminder or an answer could have left.
   *
   * A window IT lowered is not a clock read ahead: the cutoff then jumps to the new window at once, as long as the
   * clock agrees with the records (the task written last is of today or yesterday). Held back by the two days a
   * pass, a window lowered from 400 to 90 days took some 300 daily passes to be reached.
   */
  private cutoff(now: number): { cutoff: Cutoff; store: boolean; storeDays: boolean } | undefined {
    const days = this.options.retentionDays;
    const today = shanghaiDay(now);
    const wanted = addDays(today, -days);
    const latest = this.latestTaskAt.get();
    if (latest === undefined) return undefined;
    const lastTaskDay = shanghaiDay(latest);
    const byTasks = addDays(lastTaskDay, -days);
    const applied = this.appliedCutoff.get();
    const appliedDay = applied === undefined ? undefined : shanghaiDay(applied);
    const appliedDays = this.appliedWindow.get();
    let byStep = appliedDay === undefined ? undefined : addDays(appliedDay, MAX_CUTOFF_STEP_DAYS);
    // A version before this one did not record the window: a cutoff the step would hold back is taken for one
    // computed with another window, as on a workstation that has pruned daily it can be nothing else.
    const windowChanged =
      appliedDay !== undefined &&
      (appliedDays === undefined ? byStep !== undefined && byStep < wanted : appliedDays !== days);
    const clockAgrees = byTasks >= addDays(wanted, -1);
    const newWindow = windowChanged && clockAgrees;
    if (newWindow) byStep = undefined;
    let day = wanted;
    if (byTasks < day) day = byTasks;
    if (byStep !== undefined && byStep < day) day = byStep;
    if (newWindow) {
      this.options.logger.info(
        {
          retention_days_before: appliedDays ?? null,
          retention_days: days,
          kept_from: day,
          last_applied_cutoff: appliedDay,
        },
        `records.retentionDays changed from ${appliedDays === undefined ? 'a window not recorded' : `${appliedDays} days`} to ${days} days: pruning the records before ${day} (the last pass pruned those before ${appliedDay})`,
      );
    }
    // (A pass soon after midnight, before the day's first answer, is held back a day: that is no news.)
    if (day < addDays(wanted, -1)) {
      const reasons: string[] = [];
      if (!clockAgrees)
        reasons.push(
          `the newest record is from ${lastTaskDay} while the clock reads ${today}: the clock is ahead of the records, or none were written lately`,
        );
      let reachedOn: string | null = null;
      if (byStep !== undefined && byStep < wanted && appliedDay !== undefined) {
        reasons.push(
          `the cutoff moves at most ${MAX_CUTOFF_STEP_DAYS} days a pass beyond the one last applied (${appliedDay}), a guard against a clock read ahead while records were written`,
        );
        // Daily passes: the cutoff gains two days a pass, the wanted day one.
        reachedOn = addDays(today, Math.max(0, daysFrom(appliedDay, wanted) - MAX_CUTOFF_STEP_DAYS));
      }
      const reach = !clockAgrees
        ? 'it is reached at the first pass after records are written on the clock’s day'
        : `with a pass a day it is reached on ${reachedOn}`;
      this.options.logger.warn(
        {
          wanted_kept_from: wanted,
          kept_from: day,
          last_task_day: lastTaskDay,
          last_applied_cutoff: appliedDay ?? null,
          retention_days: days,
          window_reached_on: clockAgrees ? reachedOn : null,
        },
        `pruning only the records before ${day}, not the ${days}-day window (before ${wanted}): ${reasons.join('; ')}; ${reach}`,
      );
    }
    const ms = Date.parse(`${day}T00:00:00+08:00`);
    // A cutoff held back by the last task alone, on a database never pruned, is not stored as applied: the records
    // of a workstation long unused are pruned in one go once it answers again.
    const store = applied !== undefined || day === wanted;
    // The window is recorded with the cutoff it gave; a changed one not yet applied stays a change for the next pass.
    return { cutoff: { day, ms }, store, storeDays: store && (!windowChanged || newWindow) };
  }

  private async pass(now: number): Promise<PruneReport | undefined> {
    const started = Date.now();
    const guarded = this.cutoff(now);
    if (guarded === undefined) return undefined;
    const { cutoff, store, storeDays } = guarded;
    const keptFrom = cutoff.day;
    await this.pruneFiles(cutoff);
    const counts: PruneCounts = {
      reminders: 0,
      dispositions: 0,
      tasks: 0,
      result_bodies: 0,
      upstream_links: 0,
      outbox: 0,
      outbox_undelivered: 0,
    };
    while (this.sightings.readBatch()) if (!(await this.breather())) return undefined;

    const anyOld = this.anyOldReminder.get(cutoff) !== undefined || this.anyOldTask(cutoff);
    if (anyOld) {
      this.options.recorder.forgetStored();
      await this.options.recorder.flush();
      if (this.options.recorder.heldRecords > 0) {
        // Those rows were built while the recorder still referred to stored reminders and bodies.
        this.options.logger.warn('records are waiting for the disk; pruning old records put off until tomorrow');
        return undefined;
      }
    }
    if (store) this.saveCutoff.run(cutoff.ms);
    if (storeDays) this.saveWindow.run(this.options.retentionDays);
    if (anyOld) {
      if (!(await this.pruneReminders(cutoff, counts))) return undefined;
      if (!(await this.pruneTasks(cutoff, counts))) return undefined;
    }
    if (!(await this.pruneLinks(cutoff, counts))) return undefined;
    // By the guarded cutoff as well: a delivered entry goes no earlier than the records it was about.
    const deliveredBefore = Math.min(cutoff.ms, now - DELIVERED_RETENTION_MS);
    for (;;) {
      const removed = this.deleteDelivered.run(deliveredBefore, OUTBOX_PER_BATCH);
      counts.outbox += removed.changes;
      if (removed.changes < OUTBOX_PER_BATCH || !(await this.breather())) break;
    }
    for (;;) {
      const removed = this.deleteUndelivered.run(cutoff.ms, OUTBOX_PER_BATCH);
      counts.outbox_undelivered += removed.changes;
      if (removed.changes < OUTBOX_PER_BATCH || !(await this.breather())) break;
    }
    if (counts.outbox_undelivered > 0)
      this.options.logger.warn(
        { outbox_undelivered: counts.outbox_undelivered, kept_from: keptFrom },
        `${counts.outbox_undelivered} outbox entries never delivered in ${this.options.retentionDays} days dropped`,
      );

    const report: PruneReport = { kept_from: keptFrom, ...counts, ms: Date.now() - started };
    const removed = Object.values(counts).some((n) => n > 0);
    if (removed) this.options.logger.info(report, `records older than ${this.options.retentionDays} days pruned`);
    if ((removed || this.walCutPending) && this.options.afterPrune !== undefined)
      this.walCutPending = !(await this.options.afterPrune(this.stop.signal));
    return report;
  }

  /** By the same guarded cutoff as the records; a failure is logged and leaves the records' pass to go on. */
  private async pruneFiles(cutoff: Cutoff): Promise<void> {
    if (this.options.pruneFiles === undefined) return;
    try {
      const files = await this.options.pruneFiles(cutoff.ms);
      if (files > 0)
        this.options.logger.info(
          { files, kept_from: cutoff.day },
          `rejected spool files older than ${this.options.retentionDays} days removed`,
        );
    } catch (error) {
      this.options.logger.error({ err: error }, 'removing old rejected spool files failed; trying again tomorrow');
    }
  }

  private async pruneReminders(cutoff: Cutoff, counts: PruneCounts): Promise<boolean> {
    let after = { afterDay: '', afterRow: 0 };
    for (;;) {
      const pruned = this.db
        .transaction(() => {
          this.sightings.readAll();
          const batch = this.reminderBatch.all({ ...cutoff, ...after, limit: REMINDERS_PER_BATCH });
          const last = batch.at(-1);
          if (last === undefined) return undefined;
          after = { afterDay: last.day, afterRow: last.row };
          const gone = batch.filter((r) => r.live === 0).map((r) => r.jrId);
          if (gone.length === 0) return gone;
          const ids = JSON.stringify(gone);
          this.fold.run(ids);
          this.keepRevisions.run(ids);
          counts.dispositions += this.deleteDispositions.run(ids).changes;
          counts.upstream_links += this.deleteLinksOf.run(ids).changes;
          this.deleteSeen.run(ids);
          counts.reminders += this.deleteReminders.run(ids).changes;
          for (const jrId of gone) {
            const prefix = dispositionPrefix(this.options.installId, jrId);
            counts.outbox += this.deleteDeliveredDecisions.run(prefix, `${prefix.slice(0, -1)}s`).changes;
          }
          return gone;
        })
        .immediate();
      if (pruned === undefined) return true;
      this.options.dispositions.forget(pruned);
      if (!(await this.breather())) return false;
    }
  }

  private async pruneTasks(cutoff: Cutoff, counts: PruneCounts): Promise<boolean> {
    let after = 0;
    const keptBodies = new KeptFirstBodies(this.keptFirstBodies, this.bodiesOfTasks, this.keptFirstTaskPage);
    if (!(await keptBodies.walk(cutoff.day, KEPT_TASKS_PER_PAGE, () => this.breather()))) return false;
    for (;;) {
      const more = this.db
        .transaction(() => {
          this.sightings.readAll();
          const batch = this.taskBatch.all(after, TASKS_PER_BATCH);
          if (batch.length === 0) return false;
          after = batch.at(-1)!.id;
          for (const task of batch)
            if (task.createdAt === null)
              // Kept: its age cannot be told. Only the row id is named: nothing of a patient.
              this.options.logger.warn(
                { table: 'tasks', row_id: task.id, column: 'created_at' },
                `tasks row ${task.id} created_at is not a time; the row is kept`,
              );
          const old = batch.filter((t) => t.createdAt !== null && t.createdAt < cutoff.ms);
          if (old.length === 0) return false;
          const kept = new Set(this.keptFirstTasks.all(cutoff.day));
          const gone = old.filter((t) => !kept.has(t.id));
          if (gone.length === 0) return true;
          const bodies = new Set<number>();
          for (const task of gone) {
            const named = task.bodies === null ? undefined : (JSON.parse(task.bodies) as (number | null)[]);
            const unnamed = named === undefined ? 0 : named.filter((body) => body === null).length;
            // Pruned by its age all the same: kept for being damaged, it would be kept for ever. A body only an
            // unreadable entry referred to cannot be named, and stays. Only the row id and a count are named: the
            // text may quote a patient.
            if (named === undefined) {
              // Valid JSON of the wrong shape (a hand edit dropping the outer brackets) names no body either.
              this.options.logger.warn(
                { table: 'tasks', row_id: task.id, column: 'results' },
                `tasks row ${task.id} results is not readable JSON; the row is pruned without the result bodies it refers to`,
              );
              continue;
            }
            // Its readable entries' bodies go with it, as any pruned answer's: a body is named the same way
            // everywhere (storedBodyIdSql), so an entry that names none cannot be a reference to one of them.
            if (unnamed > 0)
              this.options.logger.warn(
                { table: 'tasks', row_id: task.id, column: 'results', entries: unnamed },
                `tasks row ${task.id} results has ${unnamed} ${unnamed === 1 ? 'entry that names' : 'entries that name'} no result body; the row is pruned with the result bodies its other entries name`,
              );
            for (const body of named) if (body !== null) bodies.add(body);
          }
          // Never a body a remaining answer refers to: one within the window is in body_seen from its day on, one
          // kept from before it is the first answer of a reminder kept.
          keptBodies.update(kept, cutoff.day);
          for (const body of bodies) if (keptBodies.has(body)) bodies.delete(body);
          counts.tasks += this.deleteTasks.run(JSON.stringify(gone.map((t) => t.id))).changes;
          const ids = JSON.stringify([...bodies]);
          counts.result_bodies += this.deleteBodies.run({ ids, day: cutoff.day }).changes;
          this.deleteBodiesSeen.run({ ids, day: cutoff.day });
          return true;
        })
        .immediate();
      if (!more) return true;
      if (!(await this.breather())) return false;
    }
  }

  private async pruneLinks(cutoff: Cutoff, counts: PruneCounts): Promise<boolean> {
    let after = 0;
    for (;;) {
      const more = this.db
        .transaction(() => {
          const batch = this.linkBatch.all(after, LINKS_PER_BATCH);
          if (batch.length === 0) return false;
          after = batch.at(-1)!.row;
          const old = batch.filter((l) => l.seenAt < cutoff.ms).map((l) => l.row);
          if (old.length === 0) return false;
          counts.upstream_links += this.deleteLinks.run({ rows: JSON.stringify(old), ms: cutoff.ms }).changes;
          return true;
        })
        .immediate();
      if (!more) return true;
      if (!(await this.breather())) return false;
    }
  }

  /**
   * Whether a task from before the window can go (not the first answer of a reminder that stays). Tasks are read
   * in id order, which is the order they were written in, until a batch holds none from before the window.
   */
  private anyOldTask(cutoff: Cutoff): boolean {
    const kept = new Set(this.keptFirstTasks.all(cutoff.day));
    let after = 0;
    for (;;) {
      const batch = this.taskAges.all(after, TASKS_PER_BATCH);
      if (batch.length === 0) return false;
      after = batch.at(-1)!.id;
      const old = batch.filter((t) => t.createdAt !== null && t.createdAt < cutoff.ms);
      if (old.some((t) => !kept.has(t.id))) return true;
      if (old.length === 0) return false;
    }
  }

  /** Lets requests in between two batches; false when the sidecar is stopping. */
  private async breather(): Promise<boolean> {
    await new Promise((resolve) => setImmediate(resolve));
    return !this.stopping;
  }
}
