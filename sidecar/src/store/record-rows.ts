import type { Db } from './database';
import { answeredAfterDecision, reaskedAfterDecision } from './decision-order';
import { jsonElementSql, readableJsonArraySql, storedBodyIdSql } from './unreadable-stored-json';

/**
 * The rows of one 3101/3102 answer, ready for SQLite: built on the request thread (AnalysisRecorder), written by a
 * RecordRowWriter on whichever thread owns the writing connection. Plain values only, so they cross to a worker
 * thread by structured clone. Row ids are chosen by the recorder, so no row waits for another's insert.
 */
export interface RecordRows {
  /** A tasks row. */
  task: [
    id: number,
    taskId: string,
    infno: string,
    trigScen: string,
    createdAt: number,
    elapsedUs: number,
    libraryVersion: string,
    encounters: string,
    results: string,
    /** 1 when the client was gone before the answer was written (AnalysisRecorder.undelivered), else null. */
    undelivered: 1 | null,
    /** JSON {rx_id: item name} of the lines its results flag or involve; null when none is named. */
    lineNames: string | null,
    /** JSON {rx_id: "yyyy-MM-dd"}, the day each of those lines was ordered on; null when none is known. */
    lineDates: string | null,
    /**
     * JSON [[length, digest], …] of the patient names the request carried (patient-name-digests.ts), for masking
     * them in a 3103 reason; null when it named none.
     */
    nameDigests: string | null,
  ];
  /** result_bodies rows: only bodies not stored before (or not yet confirmed stored). */
  bodies: [id: number, jrId: string, json: string][];
  /** reminders rows: a new jr_id, or the latest answer of a known one (its amount; see RecordRowWriter). */
  reminders: ReminderRow[];
  /** upstream_links rows: a gateway's jr_id and the reminder it is counted under, seen at this answer. */
  links?: [gatewayJrId: string, jrId: string, seenAt: number][];
}

/** A reminders row, in the table's column order. */
export type ReminderRow = [
  jrId: string,
  firstTask: number,
  day: string,
  firstAt: number,
  infno: string,
  ruleId: string,
  ruleName: string,
  kpId: string,
  severity: number,
  impact: string,
  amount: number,
  mdtrtId: string,
  patientKey: string,
  deptCode: string,
  deptName: string,
  doctorCode: string,
  doctorName: string,
  source: string,
  /** The continued jr_id whose decisions cover it (on this answer): counted in no figure (RecordRowWriter). */
  coveredBy: string | null,
  /** 1 when carried by an answer its client never got: the reminder is counted in no figure until one is delivered. */
  undelivered: 1 | null,
];

/** What one write did with its records. */
export interface WriteOutcome {
  written: number;
  /** Records the database refused on their own account (not for a disk or lock problem): never retried. */
  dropped: number;
  /** Records a disk or lock problem refused: the caller keeps them and hands them in again later. */
  held: RecordRows[];
  /** The error that stopped the batch, if any. */
  error?: { message: string; code?: string };
  /** The first refused record's error, when records were dropped. */
  dropError?: { message: string; code?: string };
}

/** SQLite's codes for a disk or lock problem, which may pass; anything else is the record's own fault. */
const STORAGE_TROUBLE = /^SQLITE_(FULL|IOERR|BUSY|LOCKED|READONLY|CANTOPEN|NOMEM|PROTOCOL)/;

function isStorageTrouble(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && STORAGE_TROUBLE.test(code);
}

/** An error as plain data (it crosses threads): its message and SQLite's code, if any. */
export function describeError(error: unknown): { message: string; code?: string } {
  const e = error as { message?: unknown; code?: unknown } | null;
  return {
    message: typeof e?.message === 'string' ? e.message : String(error),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
  };
}

/**
 * Writes record rows, one transaction per call. Keeps nothing between calls: rows a disk or lock problem refused
 * go back to the caller (AnalysisRecorder keeps them on the request thread, so they survive a writer thread that
 * stops). A record the database refuses on its own account is dropped, so that it cannot hold back every record
 * after it; a record whose task row is already there (a batch written again after its writer thread stopped
 * before answering) counts as written.
 */
export class RecordRowWriter {
  private readonly writeAll: (records: readonly RecordRows[]) => void;
  private readonly taskIdAt: (id: number) => string | undefined;

  constructor(db: Db) {
    const insertTask = db.prepare(
      `INSERT INTO tasks (id, task_id, infno, trig_scen, created_at, elapsed_us, library_version, encounters, results,
         undelivered, line_names, line_dates, name_digests)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // OR IGNORE: a later answer whose rows were built before this body was confirmed written carries it again.
    const insertBody = db.prepare('INSERT OR IGNORE INTO result_bodies (id, jr_id, json) VALUES (?, ?, ?)');
    // First sighting wins for the date and attribution: a reminder is dated and attributed by when it was first
    // shown. Its amount follows the latest answer (the quantity changed, same jr_id), as that is what the doctor's
    // decision is about: a 继续执行 carries over to later answers (they come back prior_dspo, nobody is asked again),
    // and an undecided warning is at stake at its latest amount. Compared by time, not write order, so a row written
    // late never moves the amount back; a row carried again with the same amount (an unconfirmed write's, see
    // AnalysisRecorder) changes nothing and rewrites nothing.
    //
    // A 返回修改 does not carry over: a delivered answer received after it (dispositions.at) that still raises the
    // same jr_id shows the line was not changed, and the desk is asked again (spec 3101-3103.md §5.3: mostly nobody
    // answers there). reasked_at records that answer's time, so the figures count the reminder pending, not
    // complied, until a 3103 dated after it decides it (compliance-figures.ts); being undecided again, it is at stake
    // at the latest amount. One primary-key lookup on dispositions, only for a jr_id already known, and a write only
    // when reasked_at moves: an answer after an earlier re-ask of the same decision changes nothing. A 返回修改 given
    // at or after the answer's time decided that answer and stays 遵从.
    //
    // "Shown" means delivered: an answer whose client was gone (undelivered) adds its reminder, uncounted, only when
    // the jr_id is new, and changes nothing of a known one (nor re-asks it: nobody saw it). The first delivered answer
    // of a reminder known only from undelivered ones takes it over as if it were its first sighting: its date, task,
    // attribution and amount, and whether it is covered.
    const moves = `(excluded.amount IS NOT COALESCE(reminders.answered_amount, reminders.amount)
                    AND excluded.first_at >= COALESCE(reminders.answered_at, reminders.first_at))`;
    const reasks = `EXISTS (SELECT 1 FROM dispositions d
                            WHERE d.jr_id = excluded.jr_id AND d.dspo_way = '2'
                              AND ${answeredAfterDecision('excluded.first_task', 'd')}
                              AND NOT ${reaskedAfterDecision('reminders', 'd')})`;
    const insertReminder = db.prepare(
      `INSERT INTO reminders (jr_id, first_task, day, first_at, infno, rule_id, rule_name, kp_id, severity,
         impact, amount, mdtrt_id, patient_key, dept_code, dept_name, doctor_code, doctor_name, source, covered_by,
         undelivered)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (jr_id) DO UPDATE SET
         first_task = IIF(reminders.undelivered IS NULL, reminders.first_task, excluded.first_task),
         day = IIF(reminders.undelivered IS NULL, reminders.day, excluded.day),
         first_at = IIF(reminders.undelivered IS NULL, reminders.first_at, excluded.first_at),
         infno = IIF(reminders.undelivered IS NULL, reminders.infno, excluded.infno),
         dept_code = IIF(reminders.undelivered IS NULL, reminders.dept_code, excluded.dept_code),
         dept_name = IIF(reminders.undelivered IS NULL, reminders.dept_name, excluded.dept_name),
         doctor_code = IIF(reminders.undelivered IS NULL, reminders.doctor_code, excluded.doctor_code),
         doctor_name = IIF(reminders.undelivered IS NULL, reminders.doctor_name, excluded.doctor_name),
         covered_by = IIF(reminders.undelivered IS NULL, reminders.covered_by, excluded.covered_by),
         answered_amount = CASE WHEN reminders.undelivered IS NOT NULL THEN NULL
                                WHEN ${moves} THEN excluded.amount ELSE reminders.answered_amount END,
         answered_at = CASE WHEN reminders.undelivered IS NOT NULL THEN NULL
                            WHEN ${moves} THEN excluded.first_at ELSE reminders.answered_at END,
         amount = IIF(reminders.undelivered IS NOT NULL OR ${moves}, excluded.amount, reminders.amount),
         reasked_at = IIF(${reasks}, excluded.first_at, reminders.reasked_at),
         reasked_task = IIF(${reasks}, excluded.first_task, reminders.reasked_task),
         undelivered = NULL
       WHERE excluded.undelivered IS NULL AND (reminders.undelivered IS NOT NULL OR ${moves} OR ${reasks})`,
    );
    // A reminder recorded uncovered whose later answer came back covered (its lines were all continued since it was
    // asked, so the HIS got prior_dspo and the desk is not asked again) leaves the figures as if covered from the
    // first: left counted it would stay pending for ever on top of the days' reminders. One with a decision of its
    // own (a 3103 naming it, or the 返回修改 that uncovered it) is counted on that decision and stays so.
    const coverLate = db.prepare(
      `UPDATE reminders SET covered_by = ?
       WHERE jr_id = ? AND covered_by IS NULL
         AND NOT EXISTS (SELECT 1 FROM dispositions d WHERE d.jr_id = reminders.jr_id)`,
    );
    // A delivered, uncovered answer asks again about every line of an earlier reminder of the same rule, point,
    // encounter and library version that nobody answered (spec 3101-3103.md §5.3: most desks send no 3103): the
    // settlement's 药品限支付疗程 flags the union of the days the nurse station was warned about one by one. The
    // earlier one is folded into it, so the figures count the money once, at the later reminder (countedReminder).
    // A reminder with a decision is left as it is: what the doctor answered counts as answered. The lines are read
    // from the result bodies each reminder was answered with (a day-scoped jr_id hashes its lines, so any answer of
    // it flags the same ones). Earlier by task id, which only grows (decision-order.ts), not by the wall clock.
    // A body that is not JSON (kept by the migrations, unreadable-stored-json.ts), or a task's results damaged on
    // disk (cut short, or valid JSON of the wrong shape), flags no line here rather than failing json_each or ->>,
    // and with it the recording of every later answer. The body id is read as every other reader of tasks.results
    // reads it (storedBodyIdSql): `->> 4` read 12.0, "12.0", "1e1" and true as bodies, folding a reminder into a later
    // one on lines the flagged lines, the page and the pruning say it never flagged.
    const result = `(${jsonElementSql('res', 'array')})`;
    const detail = `(${jsonElementSql('d', 'object')})`;
    const flaggedBy = (task: string, jrId: string, also = '') =>
      `SELECT ${detail} ->> 'rx_id' FROM tasks t, json_each(${readableJsonArraySql('t.results')}) res, result_bodies b,
              json_each(CASE WHEN json_valid(b.json) THEN b.json END, '$.judge_result_detail_dtos') d
       WHERE t.id = ${task} AND ${result} ->> 0 = ${jrId} AND b.id = ${storedBodyIdSql(result)}
         AND CAST(${detail} ->> 'vola_item_type' AS TEXT) = '1' ${also}`;
    const fold = db.prepare<{
      jrId: string;
      task: number;
      ruleId: string;
      kpId: string;
      mdtrtId: string;
      patientKey: string;
    }>(
      `UPDATE reminders SET folded_into = @jrId
       WHERE mdtrt_id = @mdtrtId AND rule_id = @ruleId AND kp_id = @kpId AND patient_key = @patientKey
         AND jr_id <> @jrId AND folded_into IS NULL AND covered_by IS NULL AND first_task < @task
         AND NOT EXISTS (SELECT 1 FROM dispositions d WHERE d.jr_id = reminders.jr_id)
         AND (SELECT library_version FROM tasks WHERE id = reminders.first_task)
             = (SELECT library_version FROM tasks WHERE id = @task)
         AND EXISTS (${flaggedBy('reminders.first_task', 'reminders.jr_id')})
         AND NOT EXISTS (${flaggedBy(
           'reminders.first_task',
           'reminders.jr_id',
           `AND (${detail} ->> 'rx_id' IS NULL OR ${detail} ->> 'rx_id' NOT IN (${flaggedBy('@task', '@jrId')}))`,
         )})`,
    );
    // The first reminder a gateway id was counted under stays; seen_at moves to its latest sighting.
    const upsertLink = db.prepare(
      `INSERT INTO upstream_links (gateway_jr_id, jr_id, seen_at) VALUES (?, ?, ?)
       ON CONFLICT (gateway_jr_id) DO UPDATE SET seen_at = MAX(seen_at, excluded.seen_at)`,
    );
    const taskAt = db.prepare<[number], string>('SELECT task_id FROM tasks WHERE id = ?').pluck();
    this.taskIdAt = (id) => taskAt.get(id);
    this.writeAll = db.transaction((records: readonly RecordRows[]) => {
      for (const record of records) {
        insertTask.run(record.task);
        for (const body of record.bodies) insertBody.run(body);
        for (const reminder of record.reminders) {
          insertReminder.run(reminder);
          // An undelivered answer's result was covered for nobody: the desk was not spared a question.
          if (reminder[18] !== null && reminder[19] === null) coverLate.run(reminder[18], reminder[0]);
          if (reminder[18] === null && reminder[19] === null)
            fold.run({
              jrId: reminder[0],
              task: record.task[0],
              ruleId: reminder[5],
              kpId: reminder[7],
              mdtrtId: reminder[11],
              patientKey: reminder[12],
            });
        }
        if (record.links !== undefined) for (const link of record.links) upsertLink.run(link);
      }
    });
  }

  write(records: readonly RecordRows[]): WriteOutcome {
    if (records.length === 0) return { written: 0, dropped: 0, held: [] };
    try {
      this.writeAll(records);
      return { written: records.length, dropped: 0, held: [] };
    } catch (error) {
      // A disk or lock problem: the batch waits (the disk may recover); trying its records one by one would only
      // fail the same way.
      if (isStorageTrouble(error))
        return { written: 0, dropped: 0, held: records.slice(), error: describeError(error) };
      const outcome: WriteOutcome = { written: 0, dropped: 0, held: [], error: describeError(error) };
      for (const record of records) {
        try {
          this.writeAll([record]);
          outcome.written++;
        } catch (one) {
          if (isStorageTrouble(one)) outcome.held.push(record);
          else if (this.alreadyWritten(record, one)) outcome.written++;
          else {
            outcome.dropped++;
            outcome.dropError ??= describeError(one);
          }
        }
      }
      return outcome;
    }
  }

  private alreadyWritten(record: RecordRows, error: unknown): boolean {
    const code = (error as { code?: unknown } | null)?.code;
    return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' && this.taskIdAt(record.task[0]) === record.task[1];
  }
}
