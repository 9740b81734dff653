import type { Limit } from '../library/model';

/**
 * Kinds whose finding is a fact of the patient or the encounter held against the item — sex, age, 门诊/住院, the
 * hospital's level, the 险种, an internet visit — and not of a day or of the line's doctor: a new day's line of the
 * same item in the same encounter asks the same question again.
 */
const PATIENT_FACT_KINDS: ReadonlySet<Limit['kind']> = new Set<Limit['kind']>([
  'sex',
  'age_group',
  'age_range',
  'visit_type',
  'min_hospital_level',
  'insurance_type',
  'internet_visit',
]);

/**
 * Whether one answer to a finding of this point stands for the whole encounter, so its jr_id is made of the point and
 * the encounter (judgeResultIdOfStay) rather than the day's rx_ids: the patient-fact kinds, 药品限二线使用 (it asks
 * whether the patient's history shows the first line, which a new day's order of the drug does not change: a ward
 * week re-asked it daily), and every indication. A text-only one asks whether the patient meets the text; one with a
 * local mapping's ICD prefixes asks whether a diagnosis of the encounter starts with one, a fact of the encounter's
 * diagnoses and not of the day. Its id does not hash the diagnoses: a diagnosis that meets the prefixes silences it,
 * and any other change (a 出院诊断 added at settlement, a station sending only the main diagnosis) would ask a
 * doctor who already answered again, at the settlement desk too. Whichever of the point's codes (the item's packs)
 * the lines carry, the question is the same.
 */
export function asksOncePerStay(limit: Limit): boolean {
  return PATIENT_FACT_KINDS.has(limit.kind) || limit.kind === 'second_line' || limit.kind === 'indication';
}
