import type { JudgeResultDto } from '@prealert/core';
import { maskIdNumbers } from '../logging';
import { nameDigestsOf } from '../patient-name-digests';
import type { PatientPseudonymizer } from '../patient-pseudonym';
import { shanghaiDay } from '../stats/days';
import type { AnalysisRecord } from './analysis-record';
import type { Db } from './database';
import { describeError, type RecordRows, type ReminderRow, type WriteOutcome } from './record-rows';
import type { RecordSink } from './record-sink';
import type { RecordedResult } from './recorded-result';
import { sameBody, withoutTaskId } from './result-body-sameness';
import { recordedStaffCode, recordedStaffName } from './staff-fields';
import { maskIdNumbersInBody } from './stored-id-numbers';
import { jsonElementSql, readableJsonArraySql } from './unreadable-stored-json';

// The record's type moved to its own module; importers of it from here keep working.
export type { AnalysisRecord, RecordedFinding } from './analysis-record';

export interface RecorderOptions {
  /** A write failed; `pending` records are held for the next flush, or -1 when one record was dropped as unwritable. */
  onError?: (error: unknown, pending: number) => void;
  /** A write went through and nothing is held any more: after onError, the disk takes the records again. */
  onWritten?: () => void;
  /**
   * Whether the reminder's latest decision is 返回修改 (DispositionStore.returnedToModify): a delivered answer of it
   * is carried to the writer even when nothing else of it changed, as it may ask the desk again (reasked_at,
   * record-rows.ts). Without it, no answer re-asks a reminder.
   */
  returnedToModify?: (jrId: string) => boolean;
}

interface KnownReminder {
  seq: number;
  amount: number;
  /** Its row was carried with a covered_by: a later covered answer has nothing more to tell the writer. */
  covered: boolean;
}

interface StoredBody {
  id: number;
  /** The write (AnalysisRecorder's sequence) whose rows first carried it. */
  seq: number;
  /** The result's JSON as answered, its task_id blanked: equal for an unchanged result of any later task. */
  sameness: string;
}

/** Bodies remembered per jr_id so a re-analysed encounter reuses its stored result bodies instead of writing them again. */
const BODY_CACHE_LIMIT = 20_000;
/** jr_ids known to be in `reminders` already: a repeat answer then costs no statement at all. */
const KNOWN_REMINDERS_LIMIT = 50_000;
const PSEUDONYM_CACHE_LIMIT = 5_000;

/** `text`'s keyed digest from `cache`, made by `pseudonyms[how]` on a miss; the cache is emptied at its limit. */
function cachedKey(
  cache: Map<string, string>,
  text: string,
  pseudonyms: PatientPseudonymizer,
  how: 'key' | 'nameKey',
): string {
  let key = cache.get(text);
  if (key === undefined) {
    key = pseudonyms[how](text);
    if (cache.size >= PSEUDONYM_CACHE_LIMIT) cache.clear();
    cache.set(text, key);
  }
  return key;
}

/**
 * How long a queued record may wait for others to share its transaction. Under load a commit per event-loop turn
 * carried one or two records, and the commit (WAL frames for each touched page) cost as much as the inserts:
 * measured on a real file, ~40 µs per record one by one, ~20 µs ten at a time. The wait bounds what a kill -9 can
 * take: 3101 answers of the last few milliseconds, which the HIS can ask again; 3103 decisions never wait here
 * (they are written durably before their answer, and flush this queue first).
 */
export const RECORD_FLUSH_DELAY_MS = 5;
/** A batch this large is written at the next turn without waiting out the delay. */
const RECORD_BATCH_LIMIT = 64;
/** Records per transaction: a long transaction would hold the write lock a 3103 on the request thread waits for. */
const RECORDS_PER_WRITE = 500;
/** After a disk or lock problem held records back, they are tried again this soon even if nothing new comes. */
const HELD_RETRY_MS = 1000;
/** Records kept while the disk refuses writes; older ones beyond this are dropped (and counted). */
const MAX_HELD = 50_000;

/**
 * Records 3101/3102 answers in batches: `enqueue` only appends to a queue; within RECORD_FLUSH_DELAY_MS the queued
 * records become rows (ids, pseudonymised patients, result bodies not stored before, reminders seen for the first
 * time or with another amount) and go to the sink, which writes them, on its own thread where it can (record-sink.ts). The answer never
 * waits for SQLite. Anything that reads records (3103, task lookups, stats, shutdown) awaits `flush()` first.
 *
 * Rows are built before the rows they refer to are known to be written. A body or reminder first carried by a write
 * that has not yet been confirmed (every earlier write written whole, nothing held or dropped) is carried again by
 * later rows (INSERT OR IGNORE): whichever write lands first stores it, and a record the database refuses cannot
 * leave a later one pointing at a body or reminder that never was. Rows a disk or lock problem refused stay here,
 * not with the writer, and go again with the next write.
 */
export class AnalysisRecorder {
  private queue: AnalysisRecord[] = [];
  private scheduled: NodeJS.Timeout | undefined;
  private scheduledSoon: NodeJS.Immediate | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly onError: (error: unknown, pending: number) => void;
  private readonly onWritten: () => void;
  private readonly returnedToModify: (jrId: string) => boolean;
  /** jr_id → its last stored body (the JSON as answered, task id blanked), its row id and the write that carried it. */
  private readonly bodies = new Map<string, StoredBody>();
  /** Body rows of writes not yet confirmed, by id: carried again by later rows until confirmed. */
  private readonly unconfirmedBodies = new Map<number, { seq: number; row: RecordRows['bodies'][number] }>();
  private readonly patientKeys = new Map<string, string>();
  /** Patient name → its digest for the task row (nameKey). */
  private readonly nameDigests = new Map<string, string>();
  /** jr_id → the write that carried its reminder row, and the amount it was last answered with. */
  private readonly knownReminders = new Map<string, KnownReminder>();
  private lastTaskId: number;
  private lastBodyId: number;
  /** Writes handed to the sink, and the latest up to which everything is known to be written. */
  private writeSeq = 0;
  private confirmedSeq = 0;
  /** Records handed to the sink and not yet answered for. */
  private inFlight = 0;
  /** Rows a disk or lock problem refused, oldest first: written before anything newer. */
  private held: RecordRows[] = [];
  /** The last write handed to the sink: every earlier one has been answered when it has. */
  private lastWrite: Promise<void> = Promise.resolve();
  /** Records written since start. */
  written = 0;
  /** Records lost: refused by the database, or beyond MAX_HELD while the disk kept refusing writes. */
  dropped = 0;
  /** Undelivered marks for records already handed to the sink (see `undelivered`), not yet applied. */
  private marking: Promise<void> | undefined;
  private readonly markWritten: (record: AnalysisRecord) => void;

  constructor(
    db: Db,
    private readonly pseudonyms: PatientPseudonymizer,
    private readonly sink: RecordSink,
    options: RecorderOptions = {},
  ) {
    this.onError = options.onError ?? (() => {});
    this.onWritten = options.onWritten ?? (() => {});
    this.returnedToModify = options.returnedToModify ?? (() => false);
    // Ids are the recorder's to give, so rows go to the sink without waiting for each other's inserts. They start
    // past what is stored and past the start time in ms × 1000: a sidecar still finishing its last answers while
    // its successor starts on the same data dir (a restart) counts up from below, far from the new one's ids.
    const base = Date.now() * 1000;
    const maxTask = db.prepare('SELECT COALESCE(MAX(id), 0) FROM tasks').pluck().get() as number;
    const maxBody = db.prepare('SELECT COALESCE(MAX(id), 0) FROM result_bodies').pluck().get() as number;
    this.lastTaskId = Math.max(maxTask, base);
    this.lastBodyId = Math.max(maxBody, base);
    const markTask = db.prepare<[number]>('UPDATE tasks SET undelivered = 1 WHERE id = ?');
    // Only the reminders this answer was the first sighting of, and not those a 3103 or a later delivered answer
    // (a task written since, not itself undelivered) shows some doctor saw. A gateway's result is named in a task
    // by its own jr_id and counted under the linked one.
    const markReminders = db.prepare<{ task: number }>(
      `UPDATE reminders SET undelivered = 1
       WHERE first_task = @task AND undelivered IS NULL
         AND NOT EXISTS (SELECT 1 FROM dispositions d WHERE d.jr_id = reminders.jr_id)
         AND NOT EXISTS (
           SELECT 1 FROM tasks t, json_each(${readableJsonArraySql('t.results')}) j
           WHERE t.id > @task AND t.undelivered IS NULL
             AND COALESCE((SELECT u.jr_id FROM upstream_links u WHERE u.gateway_jr_id = json_extract(${jsonElementSql('j', 'array')}, '$[0]')),
                          json_extract(${jsonElementSql('j', 'array')}, '$[0]')) = reminders.jr_id)`,
    );
    this.markWritten = db.transaction((record: AnalysisRecord) => {
      const task = record.taskRow;
      // No rows were built (the record was refused), or its task row was never written: nothing counts it.
      if (task === undefined || markTask.run(task).changes === 0) return;
      markReminders.run({ task });
    });
  }

  enqueue(record: AnalysisRecord): void {
    this.queue.push(record);
    if (this.scheduled === undefined) this.scheduled = setTimeout(() => void this.flush(), RECORD_FLUSH_DELAY_MS);
    if (this.queue.length >= RECORD_BATCH_LIMIT && this.scheduledSoon === undefined)
      this.scheduledSoon = setImmediate(() => void this.flush());
  }

  /** Records not yet written: queued, being written, or held after a disk problem. */
  get pending(): number {
    return this.queue.length + this.inFlight + this.held.length;
  }

  /** Records a disk or lock problem refused, waiting here to be written again. */
  get heldRecords(): number {
    return this.held.length;
  }

  /** Where the records are written (for status): the record writer thread, or this one. */
  get writerThread(): RecordSink['where'] {
    return this.sink.where;
  }

  /**
   * The answer of this record never reached its client: the connection closed before it was written (a widget or
   * SDK that gave up on a slow 3101, the native shim past its deadline). Almost always the record is still queued
   * (the answer is written in the same turn it is recorded) and its rows go out marked, at no cost. A long answer
   * cut off while it was being written was handed to the sink already: its task and the reminders it was the first
   * sighting of are marked once the write is in, on this thread's connection (rare, and after the answer).
   */
  undelivered(record: AnalysisRecord): void {
    if (this.queue.includes(record)) {
      record.undelivered = true;
      return;
    }
    const countedAs = record.upstreamLinks === undefined ? undefined : new Map(record.upstreamLinks);
    // Known as delivered no more: the next delivered answer carries the reminder's row again, and is counted.
    for (const r of record.results) this.knownReminders.delete(countedAs?.get(r[0]) ?? r[0]);
    const marked = this.writeQueued().then(() => {
      try {
        this.markWritten(record);
      } catch {
        // The database refused the mark (disk full, locked past the busy timeout): the answer stays counted, as
        // every answer was before delivery was recorded.
      }
      if (this.marking === marked) this.marking = undefined;
    });
    this.marking = marked;
  }

  /**
   * Hands everything queued (after anything held) to the sink; resolves once it, and every earlier write, has been
   * answered for, and every undelivered mark given before it applied. Never rejects.
   */
  flush(): Promise<void> {
    const written = this.writeQueued();
    const marking = this.marking;
    return marking === undefined ? written : Promise.all([written, marking]).then(() => undefined);
  }

  private writeQueued(): Promise<void> {
    if (this.scheduled !== undefined) {
      clearTimeout(this.scheduled);
      this.scheduled = undefined;
    }
    if (this.scheduledSoon !== undefined) {
      clearImmediate(this.scheduledSoon);
      this.scheduledSoon = undefined;
    }
    if (this.queue.length === 0 && this.held.length === 0) return this.lastWrite;
    const batch = this.queue;
    this.queue = [];
    const rows = this.held;
    this.held = [];
    for (const record of batch) {
      // The write these rows go out with; bodies and reminders remember it (see the class comment).
      const seq = this.writeSeq + 1 + Math.floor(rows.length / RECORDS_PER_WRITE);
      try {
        rows.push(this.rowsOf(record, seq));
      } catch (error) {
        this.dropped++;
        this.report(error, -1);
      }
    }
    for (let from = 0; from < rows.length; from += RECORDS_PER_WRITE) {
      const part = rows.slice(from, from + RECORDS_PER_WRITE);
      const seq = ++this.writeSeq;
      this.inFlight += part.length;
      this.lastWrite = this.sink.write(part).then(
        (outcome) => this.settle(seq, part.length, outcome),
        // Rows that cannot even be handed over (not cloneable): never retried, they would fail the same way.
        (error: unknown) =>
          this.settle(seq, part.length, {
            written: 0,
            dropped: part.length,
            held: [],
            dropError: describeError(error),
          }),
      );
    }
    return this.lastWrite;
  }

  /** Writes what is queued and stops the sink (its thread, if any). Rows still held by a disk problem are lost. */
  async close(): Promise<void> {
    clearTimeout(this.retryTimer);
    await this.flush();
    if (this.held.length > 0) this.report(new Error(`${this.held.length} records held at shutdown`), -1);
    await this.sink.close();
  }

  private settle(seq: number, sent: number, outcome: WriteOutcome): void {
    this.inFlight -= sent;
    this.written += outcome.written;
    this.dropped += outcome.dropped;
    if (outcome.held.length > 0) {
      this.held = outcome.held.concat(this.held);
      const excess = this.held.length - MAX_HELD;
      if (excess > 0) {
        this.held.splice(0, excess);
        this.dropped += excess;
        this.forgetStored();
      }
    }
    if (outcome.dropped > 0) this.forgetStored();
    else if (this.held.length === 0 && seq > this.confirmedSeq) {
      this.confirmedSeq = seq;
      for (const [id, body] of this.unconfirmedBodies) if (body.seq <= seq) this.unconfirmedBodies.delete(id);
    }
    if (outcome.dropError) this.report(errorOf(outcome.dropError), -1);
    if (outcome.error && outcome.held.length > 0) this.report(errorOf(outcome.error), this.pending);
    else if (this.held.length === 0 && outcome.written > 0) this.onWritten();
    if (this.held.length > 0 && this.retryTimer === undefined) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        void this.flush();
      }, HELD_RETRY_MS);
      this.retryTimer.unref();
    }
  }

  /**
   * What was remembered as stored may not be (rows were lost, or retention.ts is about to prune): from here on,
   * rows carry their result bodies and reminders afresh (INSERT OR IGNORE) instead of referring to stored ones.
   */
  forgetStored(): void {
    this.bodies.clear();
    this.unconfirmedBodies.clear();
    this.knownReminders.clear();
  }

  private report(error: unknown, pending: number): void {
    try {
      this.onError(error, pending);
    } catch {
      // A failing error callback must not stop the records.
    }
  }

  private rowsOf(record: AnalysisRecord, seq: number): RecordRows {
    const at = record.receivedAt.getTime();
    const taskRow = ++this.lastTaskId;
    const bodies: RecordRows['bodies'] = [];
    const names = record.patientNames ?? [];
    const code = (c: string) => recordedStaffCode(c, names, this.codeKey);
    const encounters = record.encounters.map((e) => [
      e.encounterId,
      this.patientKey(e.patientId),
      code(e.deptCode),
      code(e.doctorCode),
      e.medType,
    ]);
    // A result is parsed only for a body or reminder not stored before, and then once for both.
    const parsed = new Map<RecordedResult, JudgeResultDto>();
    const answered = (r: RecordedResult): JudgeResultDto => {
      let result = parsed.get(r);
      if (result === undefined) {
        result = JSON.parse(r[5]) as JudgeResultDto;
        parsed.set(r, result);
      }
      return result;
    };
    const results = record.results.map((r) => [r[0], r[1], r[2], r[3], this.bodyId(r, bodies, seq, answered)]);
    const reminders: ReminderRow[] = [];
    // A gateway's result is counted under the jr_id it is linked to (mergeResults), not its own fresh one.
    const countedAs = record.upstreamLinks === undefined ? undefined : new Map(record.upstreamLinks);
    for (const r of record.results) {
      const answeredId = r[0];
      const jrId = countedAs?.get(answeredId) ?? answeredId;
      const known = this.knownReminders.get(jrId);
      // A changed amount (the quantity changed, same jr_id) is carried to the row: the figures may count it. So is
      // a first covered answer of a reminder recorded uncovered (asked before its lines were all continued): the
      // writer then takes it out of the figures, as the desk is not asked about it again. So is any answer of a
      // reminder answered 返回修改: the line unchanged, the desk is asked again (the writer tells by time whether the
      // decision came before this answer, and writes only when that changes the figures).
      const coversNow = r[6] !== undefined && known?.covered !== true;
      // Nobody saw an undelivered answer: it adds a reminder (uncounted) only where none is known, and is not
      // remembered, so that the next delivered answer of the jr_id carries its row and is counted (record-rows.ts).
      if (record.undelivered && known !== undefined) continue;
      if (
        known !== undefined &&
        known.seq <= this.confirmedSeq &&
        known.amount === r[3] &&
        !coversNow &&
        !this.returnedToModify(jrId)
      )
        continue;
      const result = answered(r);
      const f = record.findings.find((finding) => finding.jrId === answeredId);
      const e = f ? undefined : record.encounters.find((encounter) => encounter.encounterId === result.mdtrt_id);
      reminders.push([
        jrId,
        taskRow,
        shanghaiDay(at),
        at,
        record.infno,
        r[1],
        maskIdNumbers(result.rule_name),
        result.kp_id ?? '',
        r[2],
        result.wf_impact ?? 'reason',
        r[3],
        result.mdtrt_id ?? '',
        this.patientKey(result.patn_id ?? ''),
        code(f?.deptCode ?? e?.deptCode ?? ''),
        recordedStaffName(f?.deptName ?? '', names),
        code(f?.doctorCode ?? e?.doctorCode ?? ''),
        recordedStaffName(f?.doctorName ?? '', names),
        f ? 'local' : 'upstream',
        r[6] ?? null,
        record.undelivered ? 1 : null,
      ]);
      if (record.undelivered) continue;
      if (known === undefined) {
        if (this.knownReminders.size >= KNOWN_REMINDERS_LIMIT) this.knownReminders.clear();
        this.knownReminders.set(jrId, { seq, amount: r[3], covered: r[6] !== undefined });
      } else if (known.amount !== r[3] || coversNow) {
        known.seq = seq;
        known.amount = r[3];
        known.covered ||= coversNow;
      }
    }
    const rows: RecordRows = {
      task: [
        taskRow,
        record.taskIdNamesPatient ? this.pseudonyms.taskKey(record.taskId) : record.taskId,
        record.infno,
        record.scenes.join(','),
        at,
        Math.round(record.elapsedUs),
        record.libraryVersion,
        JSON.stringify(encounters),
        JSON.stringify(results),
        record.undelivered ? 1 : null,
        record.lineNames ?? null,
        record.lineDates ?? null,
        names.length === 0 ? null : JSON.stringify(nameDigestsOf(names, this.nameKey)),
      ],
      bodies,
      reminders,
    };
    if (record.upstreamLinks !== undefined) rows.links = record.upstreamLinks.map(([g, jrId]) => [g, jrId, at]);
    record.taskRow = taskRow;
    return rows;
  }

  private readonly codeKey = (code: string): string => this.pseudonyms.codeKey(code);
  /**
   * Cached as patient keys are: a HIS asks again for the same patient at every change of the prescription, and an
   * HMAC made afresh cost the request thread about 8 µs per answer (pnpm bench:http, --cpu-prof).
   */
  private readonly nameKey = (name: string): string => cachedKey(this.nameDigests, name, this.pseudonyms, 'nameKey');

  private patientKey(patientId: string): string {
    return cachedKey(this.patientKeys, patientId, this.pseudonyms, 'key');
  }

  /**
   * The id of this result's stored body, adding a body row when it differs from the last one stored for its
   * jr_id (or carrying that one again while its write is unconfirmed). A re-analysed encounter mostly answers the
   * same results again: its JSON, task id aside, is then the same string, and nothing is parsed or serialised.
   */
  private bodyId(
    r: RecordedResult,
    bodies: RecordRows['bodies'],
    seq: number,
    answered: (r: RecordedResult) => JudgeResultDto,
  ): number {
    const jrId = r[0];
    const known = this.bodies.get(jrId);
    if (known !== undefined && sameBody(known.sameness, r)) {
      if (known.seq > this.confirmedSeq) {
        const unconfirmed = this.unconfirmedBodies.get(known.id);
        if (unconfirmed !== undefined) bodies.push(unconfirmed.row);
      }
      return known.id;
    }
    const id = ++this.lastBodyId;
    const row: RecordRows['bodies'][number] = [id, jrId, this.bodyJson(answered(r))];
    bodies.push(row);
    this.unconfirmedBodies.set(id, { seq, row });
    if (this.bodies.size >= BODY_CACHE_LIMIT) this.bodies.clear();
    this.bodies.set(jrId, { id, seq, sameness: withoutTaskId(r) });
    return id;
  }

  /**
   * The stored form of a result: patn_id pseudonymised, task_id blank (the task row holds it; see TaskStore), and
   * ID numbers masked in its texts (a gateway's vola_cont quoting the patient's 身份证号, a data-quality reminder
   * quoting the hilist_name the HIS sent). The HIS was answered with the result as it was.
   */
  private bodyJson(r: JudgeResultDto): string {
    const json = JSON.stringify({
      ...r,
      task_id: '',
      patn_id: this.patientKey(r.patn_id ?? ''),
      judge_result_detail_dtos: (r.judge_result_detail_dtos ?? []).map((d) => ({
        ...d,
        patn_id: this.patientKey(d.patn_id ?? ''),
      })),
    });
    return maskIdNumbersInBody(json);
  }
}

/** An error as the sink reported it, with SQLite's code kept for the log. */
function errorOf(reported: { message: string; code?: string }): Error {
  return Object.assign(new Error(reported.message), reported.code ? { code: reported.code } : {});
}
