import { isTextOnlyIndication } from '../checks/indication';
import type { Limit } from '../library/model';
import type { Encounter } from '../normalize/normalized-types';

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
 * diagnoses and not of the day (stayQuestionFacts). Whichever of the point's codes (the item's packs) the lines
 * carry, the question is the same.
 */
export function asksOncePerStay(limit: Limit): boolean {
  return PATIENT_FACT_KINDS.has(limit.kind) || limit.kind === 'second_line' || limit.kind === 'indication';
}

/**
 * What of the encounter the answer to a stay question rests on, for its jr_id (judgeResultIdOfStay's facts), or
 * undefined where nothing more than the point and the encounter does. A mapped indication (ICD prefixes) answers from
 * the encounter's diagnoses, and its message names them (本次诊断为 …): while they stay the same the doctor's
 * 继续执行 stands for the stay, but a diagnosis added that does not meet the prefixes, or one removed, changes what
 * the doctor answered (a reason may rest on a diagnosis no longer there), so the question is asked again. The
 * diagnoses as compared (diagnosisKey), once each and sorted: the order a HIS sends them in, or `E833` for
 * `E83.300`, changes nothing. A text-only indication keeps its id of the point and encounter (its quiet prefixes
 * only silence it, so a changed diagnosis that still does not silence it asks nothing new).
 */
export function stayQuestionFacts(limit: Limit, encounter: Encounter): readonly string[] | undefined {
  if (limit.kind !== 'indication' || isTextOnlyIndication(limit)) return undefined;
  return [...new Set(encounter.diagnosisKeys)].sort();
}
