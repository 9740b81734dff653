import type { Decider } from '../store/dispositions';

/**
 * The doctor who made a 3103's decisions: its envelope's 经办人, `opter` (医生站一般传医生工号) and `opter_name`
 * (spec 3101-3103.md, 入参报文 11–13). A number is taken as its digits (a 工号 column typed as a number); absent,
 * null or blank `opter` names nobody (the SDK sends "" when the HIS set none), and the decision is counted under the
 * reminder's doctor. Anything else is a wrong field the HIS is told about, as a decision under a garbled doctor
 * would be counted under nobody anyone knows.
 */
export type DecidingOperator = { ok: true; value: Decider | undefined } | { ok: false; problems: string[] };

export function decidingOperator(envelope: Record<string, unknown>): DecidingOperator {
  const problems: string[] = [];
  const text = (field: 'opter' | 'opter_name', label: string): string => {
    const value = envelope[field];
    if (value === undefined || value === null) return '';
    if (typeof value === 'string') return value.trim();
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    problems.push(`${field}: 类型应为 string (${label})`);
    return '';
  };
  const code = text('opter', '经办人');
  const name = text('opter_name', '经办人姓名');
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: code === '' ? undefined : { code, name } };
}
