import type { PointCheck } from './hit';
import { flagCurrentLines, itemLabel } from './hit';

/**
 * 药品限适应症. With ICD-10 prefixes (a local mapping) it fires when no diagnosis of the encounter starts with one.
 * Published points carry the restriction as text only: then the reminder shows the restriction for the doctor to
 * confirm (the evaluator lowers severity/impact for these, see analyze.ts).
 */
export const checkIndication: PointCheck = (entry, lines) => {
  const limit = entry.kp.limit;
  if (limit.kind !== 'indication') return undefined;
  const restriction = limit.text || entry.kp.basis;
  if (limit.icdPrefixes.length === 0) {
    return flagCurrentLines(
      lines,
      () => '限定支付适应症未能按诊断自动判断',
      (_fact, line) => `${itemLabel(entry, line)}为限适应症支付药品（${restriction}），请确认患者符合支付条件。`,
    );
  }
  return flagCurrentLines(
    lines,
    (line) => {
      const diagnoses = line.encounter.diagnoses;
      const matched = diagnoses.some((d) => limit.icdPrefixes.some((p) => d.startsWith(p)));
      return matched ? undefined : `本次诊断为 ${diagnoses.length > 0 ? diagnoses.join('、') : '（无）'}`;
    },
    (fact, line) => `${itemLabel(entry, line)}限适应症：${restriction}${fact}，不在限定范围。`,
  );
};

export const isTextOnlyIndication = (limit: { kind: string; icdPrefixes?: string[] }): boolean =>
  limit.kind === 'indication' && (limit.icdPrefixes?.length ?? 0) === 0;
