import { anyStartsWith, diagnosisPrefixKeys } from '../normalize/diagnosis-code';
import type { Line } from '../normalize/normalized-types';
import { ageYearsAt } from '../normalize/patient-age';
import { diagnosesSent } from './diagnosis-text';
import { isWesternDrugCode, showsClass } from './drug-codes';
import type { PointCheck } from './hit';
import { flagCurrentLines, itemLabel, quoted } from './hit';

const TEXT_ONLY_FACT = '限定支付适应症未能按诊断自动判断';
const textOnlyFact = (): string => TEXT_ONLY_FACT;

/** Whether a diagnosis of the line's encounter starts with one of the prefixes, both compared as diagnosisKey. */
function diagnosedWith(line: Line, prefixes: readonly string[]): boolean {
  return anyStartsWith(line.encounter.diagnosisKeys, diagnosisPrefixKeys(prefixes));
}

/** Whether the patient is at least `minAgeYears` on the line's day; a patient without a birth date is not shown so. */
function oldEnough(line: Line, minAgeYears: number | undefined): boolean {
  if (minAgeYears === undefined) return true;
  const age = ageYearsAt(line);
  return age !== undefined && age >= minAgeYears;
}

/**
 * Whether a line of the patient other than this one, earlier or current, shows one of the classes: the text asks a
 * therapy that did not suffice (接受二甲双胍…治疗血糖仍控制不佳), so it goes on today or came before. No classes: none asked.
 */
function priorTherapyShown(line: Line, classes: readonly string[] | undefined): boolean {
  if (classes === undefined) return true;
  const lines = line.encounter.patient.lines;
  for (let i = 0; i < lines.length; i++) {
    const h = lines[i]!;
    if (h !== line && isWesternDrugCode(h.code) && showsClass(h.code, classes)) return true;
  }
  return false;
}

/**
 * 药品限适应症. With ICD-10 prefixes (a local mapping) it fires when no diagnosis of the encounter starts with one.
 * Published points carry the restriction as text only: then the reminder shows the restriction for the doctor to
 * confirm (the evaluator lowers severity/impact for these, see finding-from-hit.ts) — unless the import read from the text
 * the diagnoses that wholly meet it (`quietIcdPrefixes`, rules-cache indication-diagnoses.ts) and a diagnosis of the
 * line's encounter starts with one (and the patient is `quietMinAgeYears` old on the line's day, where the text says
 * 成人, and a line of the patient shows `quietPriorClasses` where the text asks a prior therapy). Those prefixes only silence the reminder; they never make it a violation.
 */
export const checkIndication: PointCheck = (entry, lines) => {
  const limit = entry.kp.limit;
  if (limit.kind !== 'indication') return undefined;
  const restriction = limit.text || entry.kp.basis;
  if (limit.icdPrefixes.length === 0) {
    const quiet = limit.quietIcdPrefixes;
    return flagCurrentLines(
      lines,
      quiet === undefined || quiet.length === 0
        ? textOnlyFact
        : (line) =>
            diagnosedWith(line, quiet) &&
            oldEnough(line, limit.quietMinAgeYears) &&
            priorTherapyShown(line, limit.quietPriorClasses)
              ? undefined
              : TEXT_ONLY_FACT,
      (_fact, line) =>
        `${itemLabel(entry, line)}为限适应症支付药品${quoted(restriction)}，${diagnosesSent(line.encounter)}，请确认患者符合支付条件。`,
    );
  }
  return flagCurrentLines(
    lines,
    (line) => {
      if (diagnosedWith(line, limit.icdPrefixes)) return undefined;
      const diagnoses = line.encounter.diagnoses;
      return `本次诊断为 ${diagnoses.length > 0 ? diagnoses.join('、') : '（无）'}`;
    },
    (fact, line) => `${itemLabel(entry, line)}限适应症：${restriction}${fact}，不在限定范围。`,
  );
};

export const isTextOnlyIndication = (limit: { kind: string; icdPrefixes?: string[] }): boolean =>
  limit.kind === 'indication' && (limit.icdPrefixes?.length ?? 0) === 0;
