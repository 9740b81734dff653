// The recorder's side of undelivered answers (AnalysisRecorder.undelivered), on a real records database: a mark
// given while the record is queued, and one given after its rows were written (a long answer cut off while it was
// being written), against the answers of the same jr_id around it.
import fs from 'node:fs';
import path from 'node:path';
import type { JudgeResultDto } from '@prealert/core';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { PatientPseudonymizer } from '../src/patient-pseudonym';
import { ComplianceFigures } from '../src/stats/compliance-figures';
import { DATABASE_FILE_NAME, MIGRATIONS, openDatabase, SCHEMA_VERSION } from '../src/store/database';
import { openRecordSink } from '../src/store/record-sink';
import { recordedResult } from '../src/store/recorded-result';
import { type AnalysisRecord, AnalysisRecorder } from '../src/store/records';
import { oldSchemaDatabase } from './helpers/old-schema-database';
import { tempDataDir } from './helpers/test-server';

const logger = pino({ level: 'silent' });
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const pseudonyms = new PatientPseudonymizer(Buffer.alloc(32, 7));
const JR_ID = 'JR-UNDELIVERED-1';

/** One answer of the same warning (区分性别使用, a real national rule id) at `at`, for `amount`. */
function record(taskId: string, at: string, amount: number, doctorCode = 'D1', jrId = JR_ID): AnalysisRecord {
  const result: JudgeResultDto = {
    jr_id: jrId,
    rule_id: 'GZ10000301004000',
    rule_name: '区分性别使用',
    vola_cont: '',
    patn_id: 'p',
    mdtrt_id: 'M',
    judge_result_detail_dtos: [],
    vola_amt: amount,
    vola_amt_stas: '1',
    sev_deg: '2',
    vola_evid: '',
    vola_bhvr_type: '1',
    task_id: taskId,
    wf_impact: 'reason',
    kp_id: '',
  };
  return {
    taskId,
    infno: '3101',
    scenes: [2],
    receivedAt: new Date(at),
    elapsedUs: 50,
    libraryVersion: 'test',
    results: [recordedResult(result)],
    findings: [{ jrId, deptCode: 'A03', deptName: '内科', doctorCode, doctorName: doctorCode }],
    encounters: [],
  };
}

describe.each([{ useWorker: true }, { useWorker: false }])(
  'undelivered answers (record writer thread: $useWorker)',
  ({ useWorker }) => {
    async function recorderOnNewDatabase() {
      const dir = tempDataDir();
      dirs.push(dir);
      const db = openDatabase(dir);
      const recorder = new AnalysisRecorder(db, pseudonyms, await openRecordSink(db, logger, { useWorker }));
      const figures = new ComplianceFigures(db);
      const totals = () => figures.report('2026-03-01', '2026-03-31', 'doctor').totals;
      const reminder = () =>
        db
          .prepare('SELECT day, amount, doctor_code, undelivered, first_task FROM reminders WHERE jr_id = ?')
          .get(JR_ID) as { day: string; amount: number; doctor_code: string; undelivered: number | null };
      const taskRow = (taskId: string) =>
        db.prepare('SELECT id, undelivered FROM tasks WHERE task_id = ?').get(taskId) as {
          id: number;
          undelivered: number | null;
        };
      return { db, recorder, totals, reminder, taskRow };
    }

    it('a delivered answer after undelivered ones is the first sighting: its day, doctor and amount', async () => {
      const { db, recorder, totals, reminder, taskRow } = await recorderOnNewDatabase();
      const gone = record('T-GONE', '2026-03-14T17:00:00Z', 10, 'D-GONE');
      recorder.enqueue(gone);
      recorder.undelivered(gone);
      await recorder.flush();
      expect(totals().reminders).toBe(0);
      expect(reminder()).toMatchObject({ day: '2026-03-15', undelivered: 1 });

      recorder.enqueue(record('T-SEEN', '2026-03-16T02:00:00Z', 25, 'D-SEEN'));
      await recorder.flush();
      expect(totals()).toMatchObject({ reminders: 1, reminder_amount: 25, pending: 1 });
      expect(reminder()).toMatchObject({
        day: '2026-03-16',
        amount: 25,
        doctor_code: 'D-SEEN',
        undelivered: null,
        first_task: taskRow('T-SEEN').id,
      });
      // An undelivered answer after it, with another amount, changes nothing.
      const goneAgain = record('T-GONE-2', '2026-03-16T03:00:00Z', 99);
      recorder.enqueue(goneAgain);
      recorder.undelivered(goneAgain);
      await recorder.flush();
      expect(totals()).toMatchObject({ reminders: 1, reminder_amount: 25 });
      expect(taskRow('T-GONE-2').undelivered).toBe(1);
      await recorder.close();
      db.close();
    });

    it('an answer cut off after its rows were written is marked then, and the next delivered one counts again', async () => {
      const { db, recorder, totals, reminder, taskRow } = await recorderOnNewDatabase();
      const cut = record('T-CUT', '2026-03-15T02:00:00Z', 10);
      recorder.enqueue(cut);
      await recorder.flush();
      expect(totals().reminders).toBe(1);
      recorder.undelivered(cut);
      await recorder.flush();
      expect(taskRow('T-CUT').undelivered).toBe(1);
      expect(reminder().undelivered).toBe(1);
      expect(totals().reminders).toBe(0);
      // The recorder no longer takes the jr_id for counted: the next delivered answer carries its row again.
      recorder.enqueue(record('T-AGAIN', '2026-03-15T03:00:00Z', 10));
      await recorder.flush();
      expect(totals()).toMatchObject({ reminders: 1, pending: 1 });
      expect(reminder()).toMatchObject({ undelivered: null, first_task: taskRow('T-AGAIN').id });
      await recorder.close();
      db.close();
    });

    it('a late mark finds its own answer, not another of the same task_id answered in the same millisecond', async () => {
      const { db, recorder, totals } = await recorderOnNewDatabase();
      // A HIS that reuses one task id (a constant, the day) for two encounters answered in the same millisecond;
      // the first answer is cut off while being written, after its rows went to the writer.
      const at = '2026-03-15T02:00:00.123Z';
      const cut = record('T-REUSED', at, 10, 'D1', 'JR-CUT');
      const shown = record('T-REUSED', at, 20, 'D1', 'JR-SHOWN');
      recorder.enqueue(cut);
      recorder.enqueue(shown);
      await recorder.flush();
      recorder.undelivered(cut);
      await recorder.flush();
      expect(
        db.prepare("SELECT json_extract(results, '$[0][0]') AS jr_id, undelivered FROM tasks ORDER BY id").all(),
      ).toEqual([
        { jr_id: 'JR-CUT', undelivered: 1 },
        { jr_id: 'JR-SHOWN', undelivered: null },
      ]);
      expect(db.prepare('SELECT jr_id, undelivered FROM reminders ORDER BY jr_id').all()).toEqual([
        { jr_id: 'JR-CUT', undelivered: 1 },
        { jr_id: 'JR-SHOWN', undelivered: null },
      ]);
      expect(totals()).toMatchObject({ reminders: 1, reminder_amount: 20 });
      await recorder.close();
      db.close();
    });

    it('a late mark is applied past a later answer whose stored results are valid JSON of the wrong shape', async () => {
      const { db, recorder, totals, reminder, taskRow } = await recorderOnNewDatabase();
      const cut = record('T-CUT', '2026-03-15T02:00:00Z', 10);
      recorder.enqueue(cut);
      recorder.enqueue(record('T-OTHER', '2026-03-15T02:00:01Z', 10, 'D1', 'JR-OTHER'));
      await recorder.flush();
      // A hand edit dropping the outer brackets: an array still, of scalars, which json_extract reads as malformed.
      const damaged = db.prepare("UPDATE tasks SET results = results -> '$[0]' WHERE task_id = 'T-OTHER'");
      expect(damaged.run().changes).toBe(1);
      recorder.undelivered(cut);
      await recorder.flush();
      expect(taskRow('T-CUT').undelivered).toBe(1);
      expect(reminder().undelivered).toBe(1);
      expect(totals().reminders).toBe(1);
      await recorder.close();
      db.close();
    });

    it('a late mark leaves a reminder counted that a delivered answer written meanwhile showed', async () => {
      const { db, recorder, totals, taskRow } = await recorderOnNewDatabase();
      const cut = record('T-CUT', '2026-03-15T02:00:00Z', 10);
      recorder.enqueue(cut);
      recorder.enqueue(record('T-SHOWN', '2026-03-15T02:00:01Z', 10));
      await recorder.flush();
      recorder.undelivered(cut);
      await recorder.flush();
      expect(taskRow('T-CUT').undelivered).toBe(1);
      expect(totals().reminders).toBe(1);
      await recorder.close();
      db.close();
    });
  },
);

describe('the undelivered columns (tasks.undelivered, reminders.undelivered)', () => {
  it('a database from before them is counted as before, read-only and once migrated', async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    const file = path.join(dir, DATABASE_FILE_NAME);
    const before = MIGRATIONS.findIndex((m) => m.includes('ADD COLUMN undelivered'));
    const old = oldSchemaDatabase(dir, before);
    old.exec(`INSERT INTO tasks VALUES (1, 'T1', '3101', '2', 0, 10, 'v', '[]', '[]');
      INSERT INTO reminders (jr_id, first_task, day, first_at, infno, rule_id, rule_name, kp_id, severity, impact,
        amount, mdtrt_id, patient_key, dept_code, dept_name, doctor_code, doctor_name, source)
      VALUES ('JR-OLD', 1, '2026-03-15', 0, '3101', 'GZ10000301004000', '区分性别使用', 'kp', 2, 'reason', 30, 'M',
        'pk', 'A03', '内科', 'D1', 'D1', 'local');`);
    // \`prealert stats\` on a database the sidecar has not migrated yet.
    const readOnly = new Database(file, { readonly: true });
    expect(new ComplianceFigures(readOnly).report('2026-03-15', '2026-03-15', 'day').totals).toMatchObject({
      reminders: 1,
      pending: 1,
    });
    readOnly.close();
    old.close();
    const db = openDatabase(dir);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.prepare('SELECT undelivered FROM tasks').pluck().all()).toEqual([null]);
    // /v1/status counts the undelivered ones from an index of them, not by reading every row.
    const plan = db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT (SELECT COUNT(*) FROM tasks WHERE undelivered IS NOT NULL),
           (SELECT COUNT(*) FROM reminders WHERE undelivered IS NOT NULL)`,
      )
      .all() as { detail: string }[];
    expect(plan.map((step) => step.detail).filter((detail) => detail.includes('INDEX'))).toEqual([
      'SEARCH tasks USING COVERING INDEX tasks_undelivered (undelivered>?)',
      'SEARCH reminders USING COVERING INDEX reminders_undelivered (undelivered>?)',
    ]);
    expect(new ComplianceFigures(db).report('2026-03-15', '2026-03-15', 'day').totals).toMatchObject({
      reminders: 1,
      reminder_amount: 30,
    });
    db.close();
  });
});
