import type { EncounterSummary, Finding } from '@prealert/core';
import type { LineDates } from '../national/line-dates';
import type { LineNames } from '../national/line-names';
import type { RecordedResult } from './recorded-result';

// What one 3101/3102 answer hands the recorder (records.ts): its own module because the request path, the analysis
// thread and the national answerers build and pass it without needing the recorder itself.
/** What the recorder reads of a finding. */
export type RecordedFinding = Pick<Finding, 'jrId' | 'deptCode' | 'deptName' | 'doctorCode' | 'doctorName'>;

/** Everything about one 3101/3102 answer that is kept. Held by reference until flushed: no copying on the request path. */
export interface AnalysisRecord {
  taskId: string;
  /**
   * taskId holds the patient's name or an ID number (a HIS that builds it as 「T-王秀英-身份证号」): the task row keeps
   * its keyed pseudonym instead (PatientPseudonymizer.taskKey), which a lookup by the same task_id finds again.
   */
  taskIdNamesPatient?: true;
  infno: '3101' | '3102';
  scenes: readonly number[];
  receivedAt: Date;
  elapsedUs: number;
  libraryVersion: string;
  /** result[] exactly as answered (local and upstream merged, prior decisions marked). */
  results: readonly RecordedResult[];
  /** Local findings, for the department and doctor names a national result does not carry. */
  findings: readonly RecordedFinding[];
  encounters: readonly EncounterSummary[];
  /** The gateway's results counted under another jr_id, [gateway jr_id, jr_id] (mergeResults); none without upstream. */
  upstreamLinks?: readonly (readonly [gatewayJrId: string, jrId: string])[] | undefined;
  /** The item name of each line the results flag or involve (lineNamesOf); of the request only these and lineDates are kept. */
  lineNames?: LineNames | undefined;
  /** The day each of those lines was ordered on (lineDatesOf): the reminder page dates a long stay's grouped lines. */
  lineDates?: LineDates | undefined;
  /**
   * The request's patient names (patientNamesOf), masked in the department and doctor names and codes stored
   * (staff-fields.ts) and kept only as keyed digests, for a 3103 reason (patient-name-digests.ts); absent when it
   * names none.
   */
  patientNames?: readonly string[];
  /** Set by AnalysisRecorder.undelivered while the record is still queued: its client was gone before the answer. */
  undelivered?: true;
  /**
   * The tasks row id the recorder gave this answer, set when its rows are built. A mark given after that finds the
   * answer's own row by it: task_id and time do not tell answers apart (a HIS reuses task ids, "" or a date, and
   * two answers can share a millisecond).
   */
  taskRow?: number;
}
