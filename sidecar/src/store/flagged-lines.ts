import { type ContinuedReminderLines, lineKey } from './continued-lines';
import { jsonElementSql, readableJsonArraySql, storedBodyIdSql } from './unreadable-stored-json';

// How the lines a continued reminder flagged are read from its first answer's stored body, as ContinuedLines keys:
// the query and the grouping, apart from the store that holds the lines in memory.

export interface FlaggedLineRow {
  jrId: string;
  libraryVersion: string;
  patientKey: string;
  mdtrtId: string;
  ruleId: string;
  kpId: string;
  rxId: string | number;
}

/**
 * Each reminder's flagged lines, the parts of their lineKeys, from its first answer, under the library version it
 * was answered with (every answer of a jr_id is: the jr_id includes the version). The key itself is built by
 * lineKey alone: a second spelling of it here would let the covered check silently match nothing once one drifted.
 */
const result = jsonElementSql('j', 'array');
const detail = jsonElementSql('dt', 'object');

export const FLAGGED_LINES = `SELECT r.jr_id AS jrId, t.library_version AS libraryVersion, r.patient_key AS patientKey,
    r.mdtrt_id AS mdtrtId,
    r.rule_id AS ruleId, r.kp_id AS kpId, json_extract(${detail}, '$.rx_id') AS rxId
  FROM reminders r JOIN tasks t ON t.id = r.first_task, json_each(${readableJsonArraySql('t.results')}) j
    JOIN result_bodies b ON b.id = ${storedBodyIdSql(result)} AND json_extract(${result}, '$[0]') = r.jr_id,
    json_each(CASE WHEN json_valid(b.json) THEN b.json END, '$.judge_result_detail_dtos') dt
  WHERE CAST(json_extract(${detail}, '$.vola_item_type') AS TEXT) = '1'`;

export function linesByReminder(rows: readonly FlaggedLineRow[]): ContinuedReminderLines[] {
  const byReminder = new Map<string, string[]>();
  for (const row of rows) {
    const key = lineKey(row.libraryVersion, row.patientKey, row.mdtrtId, row.ruleId, row.kpId, String(row.rxId));
    const keys = byReminder.get(row.jrId);
    if (keys === undefined) byReminder.set(row.jrId, [key]);
    else if (!keys.includes(key)) keys.push(key);
  }
  return [...byReminder];
}
