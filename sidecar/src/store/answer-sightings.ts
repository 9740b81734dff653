import type { Db } from './database';
import { jsonElementSql, readableJsonArraySql, readableTimeSql, storedBodyIdSql } from './unreadable-stored-json';

/** Tasks read per transaction: a few milliseconds of the request thread's time (retention.ts). */
const TASKS_PER_READ = 200;

/**
 * A task's Asia/Shanghai day in SQL, as stats/days.ts shanghaiDay computes it (UTC+8 all year). A created_at no day
 * can be read from (readableTimeSql: NULL, text, past year 9999, before year 1) reads as the last day there is: such a
 * task protects what it names rather than exposing it, and its NULL would fail body_seen's NOT NULL, the batch, and
 * with it every retention pass from then on (the row is never pruned either, being from no day before the window).
 */
const TASK_DAY = `COALESCE(date((${readableTimeSql('t.created_at')} + 28800000) / 1000, 'unixepoch'), '9999-12-31')`;

/**
 * What the recorded answers still refer to, for retention.ts: the latest day each result body was part of an answer
 * (body_seen), and the latest day a reminder was answered again after the day it is dated by (reminder_seen). A
 * task row's results are [jr_id, rule_id, severity, amount, result_bodies.id]; they are read here, after the rows
 * were written, in batches in id order, so the request path (where a repeated answer costs no statement at all)
 * does nothing for it.
 *
 * Task ids only grow: each sidecar counts up from past every stored id (records.ts). A sidecar still finishing its
 * last answers during a restart counts from below its successor's ids, so its last few rows could land under what
 * was read already; retention.ts reads first a minute after the start, when the one before has long stopped.
 */
export class AnswerSightings {
  private readonly lastRead;
  private readonly setLastRead;
  private readonly batchEnd;
  private readonly noteBodies;
  private readonly noteReminders;
  private readonly readNext: () => boolean;

  constructor(db: Db) {
    this.lastRead = db
      .prepare<[], number>("SELECT COALESCE(MAX(value), 0) FROM retention_progress WHERE name = 'tasks_read'")
      .pluck();
    this.setLastRead = db.prepare<[number]>(
      `INSERT INTO retention_progress (name, value) VALUES ('tasks_read', ?)
       ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
    );
    this.batchEnd = db
      .prepare<[number, number], number | null>(
        'SELECT MAX(id) FROM (SELECT id FROM tasks WHERE id > ? ORDER BY id LIMIT ?)',
      )
      .pluck();
    // Rows are rewritten only when the day moves on: most answers repeat results of the same day. An entry naming no
    // body (storedBodyIdSql: a damaged one) notes nothing: its NULL would take a fresh id, and a text SQLite cannot
    // convert would fail the whole batch with "datatype mismatch", and with it every retention pass from then on.
    this.noteBodies = db.prepare<{ after: number; upTo: number }>(
      `INSERT INTO body_seen (id, day)
       SELECT body, MAX(day) FROM (
         SELECT ${storedBodyIdSql(jsonElementSql('j', 'array'))} AS body, ${TASK_DAY} AS day
         FROM tasks t, json_each(${readableJsonArraySql('t.results')}) j
         WHERE t.id > @after AND t.id <= @upTo
       ) WHERE body IS NOT NULL
       GROUP BY body
       ON CONFLICT (id) DO UPDATE SET day = excluded.day WHERE excluded.day > body_seen.day`,
    );
    // A provincial gateway's jr_id names no reminder (it is counted under a linked one, whose upstream_links.seen_at
    // says when it was last answered), so only the reminders answered under their own jr_id are noted here.
    this.noteReminders = db.prepare<{ after: number; upTo: number }>(
      `INSERT INTO reminder_seen (jr_id, day)
       SELECT r.jr_id, s.day FROM (
         SELECT json_extract(${jsonElementSql('j', 'array')}, '$[0]') AS jr_id, MAX(${TASK_DAY}) AS day
         FROM tasks t, json_each(${readableJsonArraySql('t.results')}) j
         WHERE t.id > @after AND t.id <= @upTo
         GROUP BY 1
       ) s JOIN reminders r ON r.jr_id = s.jr_id
       WHERE s.day > r.day
       ON CONFLICT (jr_id) DO UPDATE SET day = excluded.day WHERE excluded.day > reminder_seen.day`,
    );
    // Inside a caller's transaction this is a savepoint of it.
    this.readNext = db.transaction(() => {
      const after = this.lastRead.get() ?? 0;
      const upTo = this.batchEnd.get(after, TASKS_PER_READ);
      if (upTo === null || upTo === undefined) return false;
      this.noteBodies.run({ after, upTo });
      this.noteReminders.run({ after, upTo });
      this.setLastRead.run(upTo);
      return true;
    });
  }

  /** Reads the next batch of tasks written since the last read, in one transaction; false when all were read. */
  readBatch(): boolean {
    return this.readNext();
  }

  /** Reads every task written since the last read (inside the transaction that prunes by what it notes). */
  readAll(): void {
    while (this.readNext()) {
      // until everything written is read
    }
  }
}
