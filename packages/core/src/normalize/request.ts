/**
 * A validated 3101/3102 input read into the evaluator's shapes (normalizeAnalysis). Each step has its module:
 * patient-normalization, encounter-normalization, line-normalization; the shapes are in normalized-types.
 */
import type { AnalysisInput } from '../envelope/national-types';
import type { FieldError } from '../envelope/validate';
import type { LocalTime } from './dates';
import type { OpenLineReading } from './day-charges';
import { text } from './field-text';
import type { NormalizedRequest, Patient } from './normalized-types';
import { normalizePatient } from './patient-normalization';

export type { Encounter, Line, NormalizedRequest, Patient } from './normalized-types';
export type { Sex } from './sex-code';

/** 3101 (事前) or 3102 (事中): a 3102's lines are fee details, read as charges (endDayCharges). */
export type AnalysisInfno = '3101' | '3102';

export type Normalization = { ok: true; request: NormalizedRequest } | { ok: false; errors: FieldError[] };

/** Reads a validated 3101/3102 input into the evaluator's shapes; malformed dates are errors naming the field. */
export function normalizeAnalysis(input: AnalysisInput, now: LocalTime, infno: AnalysisInfno = '3101'): Normalization {
  const errors: FieldError[] = [];
  const data = input.data;
  const patients: Patient[] = [];
  const reusedMdtrtIds: string[] = [];
  const reading: OpenLineReading = infno === '3102' ? 'charges' : 'orders';
  for (let i = 0; i < data.patient_dtos.length; i++) {
    patients.push(normalizePatient(data.patient_dtos[i]!, now, reading, i, errors, reusedMdtrtIds));
  }
  if (errors.length > 0) return { ok: false, errors };
  // A list, or as some clients send it, one string ("GZ…,GZ…"); "" and [] mean every rule.
  // Ids naming no rule of the active library are set aside by the evaluator (ruleFilterOf, run-state.ts).
  const ruleIds = (
    Array.isArray(data.rule_ids) ? data.rule_ids.map((id) => text(id).trim()) : text(data.rule_ids).split(/[,，;；\s]+/)
  ).filter((s) => s !== '');
  return { ok: true, request: { taskId: text(data.task_id), patients, ruleIds, reusedMdtrtIds } };
}
