import fs from 'node:fs';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { PatientPseudonymizer } from '../src/patient-pseudonym';
import { openDatabase } from '../src/store/database';
import { type RecordRows, RecordRowWriter } from '../src/store/record-rows';
import { openRecordSink } from '../src/store/record-sink';
import { type AnalysisRecord, AnalysisRecorder } from '../src/store/records';
import { tempDataDir } from './helpers/test-server';

const logger = pino({ level: 'silent' });
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function database() {
  const dir = tempDataDir();
  dirs.push(dir);
  return openDatabase(dir);
}

function record(taskId: string, ruleId: unknown = 'GZ10000301004000'): AnalysisRecord {
  return {
    taskId,
    infno: '3101',
    scenes: [2],
    receivedAt: new Date('2026-03-15T01:30:00Z'),
    elapsedUs: 50,
    libraryVersion: 'test',
    results: [
      {
        jr_id: `JR-${taskId}`,
        rule_id: ruleId as string,
        rule_name: '区分性别使用',
        vola_cont: '',
        patn_id: 'p',
        mdtrt_id: 'M',
        judge_result_detail_dtos: [],
        vola_amt: 1,
        vola_amt_stas: '1',
        sev_deg: '2',
        vola_evid: '',
        vola_bhvr_type: '1',
        task_id: taskId,
        wf_impact: 'reason',
        kp_id: '',
      },
    ],
    findings: [],
    encounters: [],
  };
}

const pseudonyms = new PatientPseudonymizer(Buffer.alloc(32, 7));

describe.each([{ useWorker: true }, { useWorker: false }])(
  '3101 records (record writer thread: $useWorker)',
  ({ useWorker }) => {
    it('writes on the expected thread, and the rows are readable here once flushed', async () => {
      const db = database();
      const sink = await openRecordSink(db, logger, { useWorker });
      expect(sink.where).toBe(useWorker ? 'worker' : 'in-thread');
      const recorder = new AnalysisRecorder(db, pseudonyms, sink);
      for (let i = 0; i < 100; i++) recorder.enqueue(record(`T${i}`));
      await recorder.flush();
      expect(recorder.written).toBe(100);
      expect(recorder.pending).toBe(0);
      expect(db.prepare('SELECT COUNT(*) FROM tasks').pluck().get()).toBe(100);
      expect(db.prepare('SELECT COUNT(*) FROM reminders').pluck().get()).toBe(100);
      // The same answers again: no new bodies or reminders, one more task each.
      for (let i = 0; i < 100; i++) recorder.enqueue(record(`T${i}`));
      await recorder.flush();
      expect(db.prepare('SELECT COUNT(*) FROM tasks').pluck().get()).toBe(200);
      expect(db.prepare('SELECT COUNT(*) FROM result_bodies').pluck().get()).toBe(100);
      expect(db.prepare('SELECT COUNT(*) FROM reminders').pluck().get()).toBe(100);
      await recorder.close();
      db.close();
    });

    it('drops a record the database refuses on its own account and writes the rest of its batch', async () => {
      const db = database();
      const errors: number[] = [];
      const recorder = new AnalysisRecorder(db, pseudonyms, await openRecordSink(db, logger, { useWorker }), {
        onError: (_e, pending) => errors.push(pending),
      });
      recorder.enqueue(record('T1'));
      // Not bindable: better-sqlite3 refuses the statement (a NULL would only be skipped by INSERT OR IGNORE).
      recorder.enqueue(record('T2', { code: 'GZ10000301004000' }));
      recorder.enqueue(record('T3'));
      await recorder.flush();
      expect(recorder.written).toBe(2);
      expect(recorder.dropped).toBe(1);
      expect(recorder.pending).toBe(0);
      expect(errors).toContain(-1);
      expect(db.prepare('SELECT task_id FROM tasks ORDER BY task_id').pluck().all()).toEqual(['T1', 'T3']);
      await recorder.close();
      db.close();
    });

    it('continues ids after the rows already in the database (a restart)', async () => {
      const db = database();
      const first = new AnalysisRecorder(db, pseudonyms, await openRecordSink(db, logger, { useWorker }));
      first.enqueue(record('A'));
      await first.close();
      const second = new AnalysisRecorder(db, pseudonyms, await openRecordSink(db, logger, { useWorker }));
      second.enqueue(record('B'));
      await second.close();
      expect(second.written).toBe(1);
      expect(db.prepare('SELECT id, task_id FROM tasks ORDER BY id').all()).toEqual([
        { id: 1, task_id: 'A' },
        { id: 2, task_id: 'B' },
      ]);
      db.close();
    });
  },
);

describe('the record writer thread', () => {
  it('when it stops, the records go on being written here, none twice', async () => {
    const db = database();
    const sink = await openRecordSink(db, logger);
    expect(sink.where).toBe('worker');
    const recorder = new AnalysisRecorder(db, pseudonyms, sink);
    for (let i = 0; i < 10; i++) recorder.enqueue(record(`W${i}`));
    // Stopped while a batch is on its way: that batch is written here, or refused by its ids if the thread wrote it.
    const inFlight = recorder.flush();
    await (sink as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await inFlight;
    for (let i = 0; i < 10; i++) recorder.enqueue(record(`M${i}`));
    await recorder.flush();
    expect(recorder.pending).toBe(0);
    expect(db.prepare('SELECT COUNT(*) FROM tasks').pluck().get()).toBe(20);
    expect(db.prepare('SELECT COUNT(DISTINCT task_id) FROM tasks').pluck().get()).toBe(20);
    await recorder.close();
    db.close();
  });
});

describe('RecordRowWriter', () => {
  it('holds a batch the disk refuses and writes it before the next one', () => {
    const db = database();
    const writer = new RecordRowWriter(db);
    const rows = (from: number, n: number): RecordRows[] =>
      Array.from({ length: n }, (_, i) => ({
        task: [from + i, `T${from + i}`, '3101', '2', 0, 1, 'v', '[]', 'x'.repeat(4000)],
        bodies: [],
        reminders: [],
      }));
    const pages = db.pragma('page_count', { simple: true }) as number;
    // A full disk, as SQLite sees one: no page may be added.
    db.pragma(`max_page_count = ${pages}`);
    const refused = writer.write(rows(1, 5));
    expect(refused).toMatchObject({ written: 0, dropped: 0, held: 5, error: { code: 'SQLITE_FULL' } });
    db.pragma('max_page_count = 1073741823');
    expect(writer.write(rows(6, 2))).toMatchObject({ written: 7, dropped: 0, held: 0 });
    expect(db.prepare('SELECT COUNT(*) FROM tasks').pluck().get()).toBe(7);
    db.close();
  });
});
