import type { Db } from './database';

/**
 * The rows of one 3101/3102 answer, ready for SQLite: built on the request thread (AnalysisRecorder), written by a
 * RecordRowWriter on whichever thread owns the writing connection. Plain values only, so they cross to a worker
 * thread by structured clone. Row ids are chosen by the recorder, so no row waits for another's insert.
 */
export interface RecordRows {
  /** tasks: id, task_id, infno, trig_scen, created_at, elapsed_us, library_version, encounters, results. */
  task: [number, string, string, string, number, number, string, string, string];
  /** result_bodies: id, jr_id, json — only bodies not stored before. */
  bodies: [number, string, string][];
  /** reminders (INSERT OR IGNORE): jr_id, first_task, day, first_at, infno, rule_id, rule_name, kp_id, severity,
   *  impact, amount, mdtrt_id, patient_key, dept_code, dept_name, doctor_code, doctor_name, source. */
  reminders: ReminderRow[];
}

export type ReminderRow = [
  string,
  number,
  string,
  number,
  string,
  string,
  string,
  string,
  number,
  string,
  number,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
];

/** What one write did: records written, records dropped as unwritable, and the error that stopped it if any. */
export interface WriteOutcome {
  written: number;
  /** Records the database refused on their own account (not for a disk or lock problem): never retried. */
  dropped: number;
  /** Records held for the next write because the disk or a lock refused them; older ones beyond the limit dropped. */
  held: number;
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

function describe(error: unknown): { message: string; code?: string } {
  const e = error as { message?: unknown; code?: unknown } | null;
  return {
    message: typeof e?.message === 'string' ? e.message : String(error),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
  };
}

/**
 * Writes record rows in one transaction per call. Records a disk or lock problem refused are held and written
 * before the next call's; a record the database refuses on its own account is dropped so that it cannot hold back
 * every record after it.
 */
export class RecordRowWriter {
  private readonly writeAll: (records: readonly RecordRows[]) => void;
  private held: RecordRows[] = [];

  constructor(
    db: Db,
    private readonly maxHeld = 50_000,
  ) {
    const insertTask = db.prepare(
      `INSERT INTO tasks (id, task_id, infno, trig_scen, created_at, elapsed_us, library_version, encounters, results)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertBody = db.prepare('INSERT INTO result_bodies (id, jr_id, json) VALUES (?, ?, ?)');
    // First sighting wins: a reminder is dated and attributed by when it was first shown.
    const insertReminder = db.prepare(
      `INSERT OR IGNORE INTO reminders (jr_id, first_task, day, first_at, infno, rule_id, rule_name, kp_id, severity,
         impact, amount, mdtrt_id, patient_key, dept_code, dept_name, doctor_code, doctor_name, source)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.writeAll = db.transaction((records: readonly RecordRows[]) => {
      for (const record of records) {
        insertTask.run(record.task);
        for (const body of record.bodies) insertBody.run(body);
        for (const reminder of record.reminders) insertReminder.run(reminder);
      }
    });
  }

  /** Records held after a disk or lock problem, waiting for the next write. */
  get holding(): number {
    return this.held.length;
  }

  write(records: readonly RecordRows[]): WriteOutcome {
    const batch = this.held.length > 0 ? this.held.concat(records) : records;
    this.held = [];
    if (batch.length === 0) return { written: 0, dropped: 0, held: 0 };
    try {
      this.writeAll(batch);
      return { written: batch.length, dropped: 0, held: 0 };
    } catch (error) {
      // A disk or lock problem: the batch waits for the next write (the disk may recover); trying its records one
      // by one would only fail the same way.
      const outcome: WriteOutcome = { written: 0, dropped: 0, held: 0, error: describe(error) };
      if (isStorageTrouble(error)) this.held = batch.slice();
      else this.oneByOne(batch, outcome);
      const excess = this.held.length - this.maxHeld;
      if (excess > 0) {
        this.held.splice(0, excess);
        outcome.dropped += excess;
      }
      outcome.held = this.held.length;
      return outcome;
    }
  }

  private oneByOne(batch: readonly RecordRows[], outcome: WriteOutcome): void {
    for (const record of batch) {
      try {
        this.writeAll([record]);
        outcome.written++;
      } catch (error) {
        if (isStorageTrouble(error)) this.held.push(record);
        else {
          outcome.dropped++;
          outcome.dropError ??= describe(error);
        }
      }
    }
  }
}
