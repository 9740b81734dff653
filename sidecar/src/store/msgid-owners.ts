import { randomUUID } from 'node:crypto';
import type { PatientPseudonymizer } from '../patient-pseudonym';
import type { Db } from './database';
import type { AnalysisRecord } from './records';

/** Task ids taken from a msgid remembered here; an older one is looked up in the tasks table instead. */
const REMEMBERED_LIMIT = 20_000;

/**
 * Who each task id taken from a msgid (recorded-task-id.ts) was recorded for: the patients and encounters of its
 * answer. A buggy HIS that sends every 3101 without task_id and reuses one msgid recorded a second patient under
 * the first one's id, and /v1/tasks/<id> and the reminder page then showed the doctor of the first the answers of
 * the second. An answer whose msgid is already recorded for other patients or encounters is recorded under an id
 * of its own instead (named in X-Prealert-Task-Id as any); the same patient and encounters again (a retry, a
 * re-analysis) stay under the msgid, the latest answer replacing the one before, as a reused task_id does.
 *
 * Decided on the request thread, which records every answer (the analysis thread's too), so one place knows every
 * claim: those since start in memory (also what is queued and not yet written), older ones from the tasks table.
 */
export class MsgidOwners {
  private readonly remembered = new Map<string, string>();
  private readonly stored;

  constructor(
    db: Db,
    private readonly pseudonyms: Pick<PatientPseudonymizer, 'key'>,
  ) {
    this.stored = db
      .prepare<[string], string>('SELECT encounters FROM tasks WHERE task_id = ? ORDER BY id DESC LIMIT 1')
      .pluck();
  }

  /** The id `record` is recorded under: its taskId, or a new one when its msgid belongs to another. Sets it there. */
  recordUnder(record: AnalysisRecord): string {
    if (!record.taskIdFromMsgid) return record.taskId;
    const owner = ownerKey(record.encounters.map((e) => [e.encounterId, this.pseudonyms.key(e.patientId)]));
    const earlier = this.remembered.get(record.taskId) ?? this.storedOwner(record.taskId);
    if (earlier !== undefined && earlier !== owner) {
      record.taskId = randomUUID();
      record.taskIdFromMsgid = false;
      return record.taskId;
    }
    if (!this.remembered.has(record.taskId) && this.remembered.size >= REMEMBERED_LIMIT) {
      const oldest = this.remembered.keys().next().value;
      if (oldest !== undefined) this.remembered.delete(oldest);
    }
    this.remembered.set(record.taskId, owner);
    return record.taskId;
  }

  /**
   * The owner of the latest answer stored under the id. A read that fails (the database busy) counts as another
   * owner's: an id of its own never shows one patient's answers to another's doctor.
   */
  private storedOwner(taskId: string): string | undefined {
    let encounters: string | undefined;
    try {
      encounters = this.stored.get(taskId);
    } catch {
      return UNREADABLE;
    }
    if (encounters === undefined) return undefined;
    // tasks.encounters: [[mdtrt_id, patient_key, dept_code, doctor_code, med_type], …] (database.ts).
    const rows = JSON.parse(encounters) as [string, string][];
    return ownerKey(rows.map((e) => [e[0], e[1]]));
  }
}

/** Never an ownerKey, which is empty or holds a \u0000 between each patient and encounter. */
const UNREADABLE = 'unreadable';

/** The distinct [mdtrt_id, patient pseudonym] pairs, in one order whatever order they came in. */
function ownerKey(pairs: (readonly [string, string])[]): string {
  return [...new Set(pairs.map(([encounter, patient]) => `${patient}\u0000${encounter}`))].sort().join('\u0001');
}
