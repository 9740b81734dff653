import type { JudgeResultDto } from '@prealert/core';

/**
 * One answered result as the recorder takes it: the columns it indexes, and the result itself as JSON text as the
 * answer carries it (an answer cut to a caller's buffer carries it shortened; the record keeps it whole). From the
 * analysis thread a result crosses as five values and one string instead of an object of some twenty strings:
 * cloning the objects and rebuilding them on the request thread cost about 30 µs per answer, more than recording
 * it. The recorder reads the rest of a result (names, patient) from the JSON, and only for a reminder or a body it
 * has not stored before.
 */
export type RecordedResult = readonly [
  jrId: string,
  ruleId: string,
  severity: number,
  amount: number,
  /** The result's task_id, blanked in the stored body ('' when it has none, or null: nothing to blank). */
  taskId: string,
  json: string,
  /** The continued jr_id whose decisions cover every line this result flags (national-service.ts), if any. */
  coveredBy?: string,
];

export function recordedResult(
  result: JudgeResultDto,
  json: string = JSON.stringify(result),
  coveredBy?: string,
): RecordedResult {
  const { jr_id, rule_id, sev_deg, vola_amt, task_id } = result;
  return coveredBy === undefined
    ? [jr_id, rule_id, Number(sev_deg), vola_amt, task_id ?? '', json]
    : [jr_id, rule_id, Number(sev_deg), vola_amt, task_id ?? '', json, coveredBy];
}
