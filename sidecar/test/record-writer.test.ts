import fs from 'node:fs';
import type { JudgeResultDto } from '@prealert/core';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { PatientPseudonymizer } from '../src/patient-pseudonym';
import { openDatabase } from '../src/store/database';
import { type RecordRows, RecordRowWriter } from '../src/store/record-rows';
import { openRecordSink } from '../src/store/record-sink';
import { recordedResult } from '../src/store/recorded-result';
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

function result(taskId: string, ruleId: unknown = 'GZ10000301004000'): JudgeResultDto {
  return {
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
  };
}

function record(taskId: string, ruleId: unknown = 'GZ10000301004000'): AnalysisRecord {
  return {
    taskId,
    infno: '3101',
    scenes: [2],
    receivedAt: new Date('2026-03-15T01:30:00Z'),
    elapsedUs: 50,
    libraryVersion: 'test',
    results: [recordedResult(result(taskId, ruleId))],
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
      const startedAt = Date.now();
      const second = new AnalysisRecorder(db, pseudonyms, await openRecordSink(db, logger, { useWorker }));
      second.enqueue(record('B'));
      await second.close();
      expect(second.written).toBe(1);
      const ids = db.prepare('SELECT id, task_id FROM tasks ORDER BY id').all() as { id: number; task_id: string }[];
      expect(ids.map((r) => r.task_id)).toEqual(['A', 'B']);
      // Past what was stored, and past the start time in ms × 1000 (a predecessor still writing counts up below).
      expect(ids[1]!.id).toBeGreaterThan(ids[0]!.id);
      expect(ids[1]!.id).toBeGreaterThanOrEqual(startedAt * 1000);
      db.close();
    });
  },
);

describe('answers that share bodies and reminders', () => {
  it.each([{ useWorker: true }, { useWorker: false }])(
    'a refused answer does not take the body or reminder of an answer it shares one with (writer thread: $useWorker)',
    async ({ useWorker }) => {
      const db = database();
      const recorder = new AnalysisRecorder(db, pseudonyms, await openRecordSink(db, logger, { useWorker }));
      const good = result('T1');
      // T1 carries X (fine) and a result the database refuses; T2, in the same batch, answers X again.
      recorder.enqueue({
        ...record('T1'),
        results: [
          recordedResult({ ...good, jr_id: 'X' }),
          recordedResult({ ...good, jr_id: 'Y', rule_id: { bad: true } as unknown as string }),
        ],
      });
      recorder.enqueue({ ...record('T2'), results: [recordedResult({ ...good, jr_id: 'X', task_id: 'T2' })] });
      await recorder.flush();
      expect([recorder.written, recorder.dropped]).toEqual([1, 1]);
      const task = db.prepare("SELECT results FROM tasks WHERE task_id = 'T2'").pluck().get() as string;
      const bodyId = (JSON.parse(task) as [string, string, number, number, number][])[0]![4];
      expect(db.prepare('SELECT jr_id FROM result_bodies WHERE id = ?').pluck().get(bodyId)).toBe('X');
      expect(db.prepare('SELECT jr_id FROM reminders').pluck().all()).toEqual(['X']);
      // After a refusal the recorder forgets what it knew to be stored (X is stored once more), then shares again.
      const bodies = () => db.prepare('SELECT COUNT(*) FROM result_bodies').pluck().get() as number;
      recorder.enqueue({ ...record('T3'), results: [recordedResult({ ...good, jr_id: 'X', task_id: 'T3' })] });
      await recorder.flush();
      const afterT3 = bodies();
      recorder.enqueue({ ...record('T4'), results: [recordedResult({ ...good, jr_id: 'X', task_id: 'T4' })] });
      recorder.enqueue({ ...record('T5'), results: [recordedResult({ ...good, jr_id: 'X', task_id: 'T5' })] });
      await recorder.flush();
      expect(afterT3).toBeLessThanOrEqual(2);
      expect(bodies()).toBe(afterT3);
      expect(db.prepare('SELECT COUNT(*) FROM reminders').pluck().get()).toBe(1);
      await recorder.close();
      db.close();
    },
  );
});

describe('result bodies across tasks', () => {
  it.each([
    { label: 'plain', taskIds: ['T1', 'T2', 'T3'] },
    { label: 'needing escapes', taskIds: ['任务"1"', 'T\\2\n', '任务\u00003'] },
  ])('are stored once while a result comes back unchanged under new task ids ($label)', async ({ taskIds }) => {
    const db = database();
    const recorder = new AnalysisRecorder(db, pseudonyms, await openRecordSink(db, logger, { useWorker: false }));
    for (const taskId of taskIds) {
      recorder.enqueue({ ...record(taskId), results: [recordedResult({ ...result(taskId), jr_id: 'X' })] });
      await recorder.flush();
    }
    const stored = db.prepare('SELECT json FROM result_bodies').pluck().all() as string[];
    expect(stored).toHaveLength(1);
    expect(JSON.parse(stored[0]!)).toMatchObject({ jr_id: 'X', task_id: '' });
    // A change before the task id (the amount) or after it (a prior "continue" marked, then its reason, of the
    // same length) is a new body; the same again under another task id is not.
    const changed = { ...result('T9'), jr_id: 'X', vola_amt: 2 };
    recorder.enqueue({ ...record('T9'), results: [recordedResult(changed)] });
    const marked = { ...changed, task_id: 'T10', dspo_way: '1', dspo_way_rea: '已确认' };
    recorder.enqueue({ ...record('T10'), results: [recordedResult(marked)] });
    const reason = { ...marked, task_id: 'T11', dspo_way_rea: '已核对' };
    recorder.enqueue({ ...record('T11'), results: [recordedResult(reason)] });
    recorder.enqueue({ ...record('T12'), results: [recordedResult({ ...reason, task_id: 'T12' })] });
    await recorder.close();
    expect(db.prepare('SELECT COUNT(*) FROM result_bodies').pluck().get()).toBe(4);
    db.close();
  });

  it("blank only the result's own task id when a field inside it repeats the id", async () => {
    const db = database();
    const recorder = new AnalysisRecorder(db, pseudonyms, await openRecordSink(db, logger, { useWorker: false }));
    for (const taskId of ['T1', 'T2']) {
      const answered = {
        ...result(taskId),
        jr_id: 'X',
        judge_result_detail_dtos: [
          {
            jrd_id: 'X-1',
            patn_id: 'p',
            mdtrt_id: 'M',
            rx_id: 'R1',
            vola_item_type: '1' as const,
            vola_amt: 1,
            task_id: taskId,
          },
        ],
      };
      recorder.enqueue({ ...record(taskId), results: [recordedResult(answered)] });
      await recorder.flush();
    }
    // The detail's own task_id differs between the tasks, so each task stores its body, as it always has.
    const stored = (db.prepare('SELECT json FROM result_bodies ORDER BY id').pluck().all() as string[]).map(
      (json) => JSON.parse(json) as { task_id: string; judge_result_detail_dtos: { task_id: string }[] },
    );
    expect(stored.map((b) => [b.task_id, b.judge_result_detail_dtos[0]!.task_id])).toEqual([
      ['', 'T1'],
      ['', 'T2'],
    ]);
    await recorder.close();
    db.close();
  });
});

describe('the record writer thread', () => {
  it('keeps rows a lock refused on this thread: written after the lock goes, even when the thread has stopped', async () => {
    const db = database();
    const errors: number[] = [];
    const sink = await openRecordSink(db, logger, { busyTimeoutMs: 20 });
    const recorder = new AnalysisRecorder(db, pseudonyms, sink, { onError: (_e, pending) => errors.push(pending) });
    // A 3103 on this thread holds the write lock longer than the writer waits for it.
    db.exec('BEGIN IMMEDIATE');
    for (let i = 0; i < 5; i++) recorder.enqueue(record(`L${i}`));
    await recorder.flush();
    expect(recorder.pending).toBe(5);
    expect(errors).toContain(5);
    await (sink as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    db.exec('COMMIT');
    recorder.enqueue(record('L5'));
    await recorder.flush();
    expect([recorder.written, recorder.dropped, recorder.pending]).toEqual([6, 0, 0]);
    const written = db.prepare('SELECT task_id FROM tasks ORDER BY id').pluck().all();
    expect(written).toEqual(['L0', 'L1', 'L2', 'L3', 'L4', 'L5']);
    await recorder.close();
    db.close();
  });

  it('when it stops with a write unanswered, that write is done here', async () => {
    const db = database();
    const sink = await openRecordSink(db, logger, { busyTimeoutMs: 500 });
    const recorder = new AnalysisRecorder(db, pseudonyms, sink);
    for (let i = 0; i < 10; i++) recorder.enqueue(record(`W${i}`));
    await recorder.flush();
    // A message the thread cannot handle kills it, with the next write queued behind it and never answered. (Not
    // worker.terminate(): a thread stopped inside SQLite's busy wait aborts the whole process when SQLite returns,
    // because better-sqlite3 can no longer create the error object.)
    const worker = (sink as unknown as { worker: { postMessage(message: unknown): void } }).worker;
    worker.postMessage({ type: 'write', seq: 0, records: null });
    for (let i = 0; i < 10; i++) recorder.enqueue(record(`M${i}`));
    const unanswered = recorder.flush();
    await unanswered;
    await recorder.flush();
    expect([recorder.written, recorder.dropped, recorder.pending]).toEqual([20, 0, 0]);
    expect(db.prepare('SELECT COUNT(*) FROM tasks').pluck().get()).toBe(20);
    await recorder.close();
    db.close();
  });
});

describe('closing the record writer thread', () => {
  it('does not wait for a thread that has exited: it can no longer answer closed', async () => {
    const db = database();
    const sink = await openRecordSink(db, logger);
    expect(sink.where).toBe('worker');
    // A write the thread cannot handle kills it before it reads the close queued behind it, so no `closed` comes.
    const worker = (sink as unknown as { worker: { postMessage(message: unknown): void } }).worker;
    worker.postMessage({ type: 'write', seq: 0, records: null });
    const from = Date.now();
    await sink.close();
    // Waiting on for the 10 s meant for writes still being answered held the sidecar's stop for nothing.
    expect(Date.now() - from).toBeLessThan(2_000);
    db.close();
  }, 20_000);
});

describe('RecordRowWriter', () => {
  const rows = (from: number, n: number): RecordRows[] =>
    Array.from({ length: n }, (_, i) => ({
      task: [from + i, `T${from + i}`, '3101', '2', 0, 1, 'v', '[]', 'x'.repeat(4000), null, null, null, null],
      bodies: [],
      reminders: [],
    }));

  it('gives back a batch the disk refuses, to be handed in again', () => {
    const db = database();
    const writer = new RecordRowWriter(db);
    const pages = db.pragma('page_count', { simple: true }) as number;
    // A full disk, as SQLite sees one: no page may be added.
    db.pragma(`max_page_count = ${pages}`);
    const refused = writer.write(rows(1, 5));
    expect(refused).toMatchObject({ written: 0, dropped: 0, error: { code: 'SQLITE_FULL' } });
    expect(refused.held.map((r) => r.task[1])).toEqual(['T1', 'T2', 'T3', 'T4', 'T5']);
    db.pragma('max_page_count = 1073741823');
    expect(writer.write([...refused.held, ...rows(6, 2)])).toMatchObject({ written: 7, dropped: 0, held: [] });
    expect(db.prepare('SELECT COUNT(*) FROM tasks').pluck().get()).toBe(7);
    db.close();
  });

  it('counts a record whose task row is already there as written, not as refused', () => {
    const db = database();
    const writer = new RecordRowWriter(db);
    expect(writer.write(rows(1, 3))).toMatchObject({ written: 3, dropped: 0 });
    expect(writer.write([...rows(1, 3), ...rows(4, 1)])).toMatchObject({ written: 4, dropped: 0, held: [] });
    expect(db.prepare('SELECT COUNT(*) FROM tasks').pluck().get()).toBe(4);
    db.close();
  });
});
