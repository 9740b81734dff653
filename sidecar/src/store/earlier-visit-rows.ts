import type { EarlierVisitDecision } from './earlier-visit-reasons';

// How the patient's earlier-visit 继续执行 reasons (EarlierVisitReasons) are read from the database: the query and
// its row, apart from the store that holds them in memory.

/**
 * The 继续执行 decisions with a reason on a reminder of a knowledge point, with its patient (the keyed pseudonym),
 * encounter, rule and point (EarlierVisitDecision). A decision without its reminder row names no patient: left out.
 */
export const EARLIER_VISITS = `SELECT d.jr_id AS jrId, r.patient_key AS patientKey, r.mdtrt_id AS mdtrtId, r.rule_id AS ruleId,
    r.kp_id AS kpId, d.dspo_way_rea AS reason, d.at AS at
  FROM dispositions d JOIN reminders r ON r.jr_id = d.jr_id
  WHERE d.dspo_way = '1' AND d.dspo_way_rea <> '' AND r.kp_id <> ''`;

export interface EarlierVisitRow {
  jrId: string;
  patientKey: string;
  mdtrtId: string;
  ruleId: string;
  kpId: string;
  reason: string;
  at: number;
}

export function earlierVisitDecision(row: EarlierVisitRow): EarlierVisitDecision {
  return [row.jrId, row.patientKey, row.mdtrtId, row.ruleId, row.kpId, row.reason, row.at];
}
