import type { EncounterSummary, Finding, JudgeResultDto } from '@prealert/core';
import type { Statement } from 'better-sqlite3';
import type { PatientPseudonymizer } from '../patient-pseudonym';
import { shanghaiDay } from '../stats/days';
import type { Db } from './database';

/** Everything about one 3101/3102 answer that is kept. Held by reference until flushed: no copying on the request path. */
export interface AnalysisRecord {
  taskId: string;
  infno: '3101' | '3102';
  scenes: readonly number[];
  receivedAt: Date;
  elapsedUs: number;
  libraryVersion: string;
  /** result[] exactly as answered (local and upstream merged, prior decisions marked). */
  results: readonly JudgeResultDto[];
  /** Local findings, for the department and doctor names a national result does not carry. */
  findings: readonly Finding[];
  encounters: readonly EncounterSummary[];
}

export interface RecorderOptions {
  /** A write failed; `pending` records are held for the next flush, or -1 when one record was dropped as unwritable. */
  onError?: (error: unknown, pending: number) => void;
  /** Records held in memory while the disk refuses writes; older ones beyond this are dropped (and counted). */
  maxPending?: number;
}

type Fields = Readonly<Record<string, unknown>>;

interface StoredBody {
  id: number;
  /** The result's own fields (details aside), copied: results are not the recorder's to keep. */
  fields: Fields;
  fieldCount: number;
  details: readonly Fields[];
}

function storedBody(r: JudgeResultDto, id: number): StoredBody {
  const fields: Record<string, unknown> = { ...r };
  delete fields.judge_result_detail_dtos;
  return {
    id,
    fields,
    fieldCount: Object.keys(fields).length,
    details: (r.judge_result_detail_dtos ?? []).map((d) => ({ ...d })),
  };
}

/** Whether `r` would be stored as the same body (task_id is not part of it; patn_id maps to the same key). */
function sameBody(stored: StoredBody, r: JudgeResultDto): boolean {
  let count = 0;
  for (const key in r) {
    if (key === 'judge_result_detail_dtos') continue;
    count++;
    if (key !== 'task_id' && stored.fields[key] !== (r as unknown as Fields)[key]) return false;
  }
  if (count !== stored.fieldCount) return false;
  const details = r.judge_result_detail_dtos ?? [];
  if (details.length !== stored.details.length) return false;
  for (let i = 0; i < details.length; i++) {
    const a = stored.details[i]!;
    const b = details[i] as unknown as Fields;
    let n = 0;
    for (const key in b) {
      n++;
      if (a[key] !== b[key]) return false;
    }
    if (n !== Object.keys(a).length) return false;
  }
  return true;
}

/** SQLite's codes for a disk or lock problem, which may pass; anything else is the record's own fault. */
const STORAGE_TROUBLE = /^SQLITE_(FULL|IOERR|BUSY|LOCKED|READONLY|CANTOPEN|NOMEM|PROTOCOL)/;

function isStorageTrouble(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && STORAGE_TROUBLE.test(code);
}

/** Bodies remembered per jr_id so a re-analysed encounter reuses its stored result bodies instead of writing them again. */
const BODY_CACHE_LIMIT = 20_000;
/** jr_ids known to be in `reminders` already: a repeat answer then costs no statement at all. */
const KNOWN_REMINDERS_LIMIT = 50_000;
const PSEUDONYM_CACHE_LIMIT = 5_000;

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

/**
 * Records 3101/3102 answers in batches: `enqueue` only appends to a queue, and one transaction writes whatever
 * accumulated within RECORD_FLUSH_DELAY_MS, so the answer never waits for SQLite. Anything that reads records
 * (3103, task lookups, stats, shutdown) calls `flush()` first.
 */
export class AnalysisRecorder {
  private queue: AnalysisRecord[] = [];
  private scheduled: NodeJS.Timeout | undefined;
  private scheduledSoon: NodeJS.Immediate | undefined;
  private readonly writeBatch: (batch: readonly AnalysisRecord[]) => void;
  private readonly maxPending: number;
  private readonly onError: (error: unknown, pending: number) => void;
  /** jr_id → (a copy of) the last result stored for it, and its row id. */
  private readonly bodies = new Map<string, StoredBody>();
  private readonly patientKeys = new Map<string, string>();
  private readonly knownReminders = new Set<string>();
  /** Records written since start. */
  written = 0;
  /** Records lost because the disk kept refusing writes. */
  dropped = 0;

  constructor(
    db: Db,
    private readonly pseudonyms: PatientPseudonymizer,
    options: RecorderOptions = {},
  ) {
    this.maxPending = options.maxPending ?? 50_000;
    this.onError = options.onError ?? (() => {});
    const insertTask = db.prepare(
      `INSERT INTO tasks (task_id, infno, trig_scen, created_at, elapsed_us, library_version, encounters, results)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertBody = db.prepare<[string, string]>('INSERT INTO result_bodies (jr_id, json) VALUES (?, ?)');
    // First sighting wins: a reminder is dated and attributed by when it was first shown.
    const insertReminder = db.prepare(
      `INSERT OR IGNORE INTO reminders (jr_id, first_task, day, first_at, infno, rule_id, rule_name, kp_id, severity, impact,
         amount, mdtrt_id, patient_key, dept_code, dept_name, doctor_code, doctor_name, source)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );

    this.writeBatch = db.transaction((batch: readonly AnalysisRecord[]) => {
      for (const record of batch) {
        const at = record.receivedAt.getTime();
        const encounters = record.encounters.map((e) => [
          e.encounterId,
          this.patientKey(e.patientId),
          e.deptCode,
          e.doctorCode,
          e.medType,
        ]);
        const results = record.results.map((r) => [
          r.jr_id,
          r.rule_id,
          Number(r.sev_deg),
          r.vola_amt,
          this.bodyId(r, insertBody),
        ]);
        const taskRow = insertTask.run(
          record.taskId,
          record.infno,
          record.scenes.join(','),
          at,
          Math.round(record.elapsedUs),
          record.libraryVersion,
          JSON.stringify(encounters),
          JSON.stringify(results),
        ).lastInsertRowid;
        for (const r of record.results) {
          if (this.knownReminders.has(r.jr_id)) continue;
          const f = record.findings.find((finding) => finding.jrId === r.jr_id);
          const e = f ? undefined : record.encounters.find((encounter) => encounter.encounterId === r.mdtrt_id);
          insertReminder.run(
            r.jr_id,
            taskRow,
            shanghaiDay(at),
            at,
            record.infno,
            r.rule_id,
            r.rule_name,
            r.kp_id ?? '',
            Number(r.sev_deg),
            r.wf_impact ?? 'reason',
            r.vola_amt,
            r.mdtrt_id ?? '',
            this.patientKey(r.patn_id ?? ''),
            f?.deptCode ?? e?.deptCode ?? '',
            f?.deptName ?? '',
            f?.doctorCode ?? e?.doctorCode ?? '',
            f?.doctorName ?? '',
            f ? 'local' : 'upstream',
          );
          if (this.knownReminders.size >= KNOWN_REMINDERS_LIMIT) this.knownReminders.clear();
          this.knownReminders.add(r.jr_id);
        }
      }
    });
  }

  enqueue(record: AnalysisRecord): void {
    this.queue.push(record);
    if (this.scheduled === undefined) this.scheduled = setTimeout(() => this.flush(), RECORD_FLUSH_DELAY_MS);
    if (this.queue.length >= RECORD_BATCH_LIMIT && this.scheduledSoon === undefined)
      this.scheduledSoon = setImmediate(() => this.flush());
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Writes everything queued, synchronously. Safe to call at any time. */
  flush(): void {
    if (this.scheduled !== undefined) {
      clearTimeout(this.scheduled);
      this.scheduled = undefined;
    }
    if (this.scheduledSoon !== undefined) {
      clearImmediate(this.scheduledSoon);
      this.scheduledSoon = undefined;
    }
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    try {
      this.writeBatch(batch);
      this.written += batch.length;
    } catch (error) {
      // The transaction rolled back; what was cached during it may not exist.
      this.bodies.clear();
      this.knownReminders.clear();
      this.onError(error, this.queue.length + batch.length);
      // A disk or lock problem: the batch waits for the next flush (the disk may recover); trying its records one
      // by one would only fail the same way.
      const kept = isStorageTrouble(error) ? batch : this.writeOneByOne(batch);
      this.queue = kept.concat(this.queue);
      const excess = this.queue.length - this.maxPending;
      if (excess > 0) {
        this.queue.splice(0, excess);
        this.dropped += excess;
      }
    }
  }

  /**
   * After a batch failed for no disk reason: a record the database refuses on its own account is dropped, so
   * that it cannot hold back every record after it. Returns the records refused because of the disk.
   */
  private writeOneByOne(batch: readonly AnalysisRecord[]): AnalysisRecord[] {
    const kept: AnalysisRecord[] = [];
    for (const record of batch) {
      try {
        this.writeBatch([record]);
        this.written++;
      } catch (error) {
        this.bodies.clear();
        this.knownReminders.clear();
        if (isStorageTrouble(error)) kept.push(record);
        else {
          this.dropped++;
          this.onError(error, -1);
        }
      }
    }
    return kept;
  }

  private patientKey(patientId: string): string {
    let key = this.patientKeys.get(patientId);
    if (key === undefined) {
      key = this.pseudonyms.key(patientId);
      if (this.patientKeys.size >= PSEUDONYM_CACHE_LIMIT) this.patientKeys.clear();
      this.patientKeys.set(patientId, key);
    }
    return key;
  }

  /**
   * The id of this result's stored body, storing it when it differs from the last one stored for its jr_id. A
   * re-analysed encounter mostly answers the same results again: comparing them field by field costs far less
   * than serialising each one to find out.
   */
  private bodyId(r: JudgeResultDto, insertBody: Statement<[string, string]>): number {
    const known = this.bodies.get(r.jr_id);
    if (known !== undefined && sameBody(known, r)) return known.id;
    const id = Number(insertBody.run(r.jr_id, this.bodyJson(r)).lastInsertRowid);
    if (this.bodies.size >= BODY_CACHE_LIMIT) this.bodies.clear();
    this.bodies.set(r.jr_id, storedBody(r, id));
    return id;
  }

  /** The stored form of a result: patn_id pseudonymised, task_id blank (the task row holds it; see TaskStore). */
  private bodyJson(r: JudgeResultDto): string {
    return JSON.stringify({
      ...r,
      task_id: '',
      patn_id: this.patientKey(r.patn_id ?? ''),
      judge_result_detail_dtos: (r.judge_result_detail_dtos ?? []).map((d) => ({
        ...d,
        patn_id: this.patientKey(d.patn_id ?? ''),
      })),
    });
  }
}
