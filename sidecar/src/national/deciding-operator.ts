import type { Decider } from '../store/disposition-types';

/**
 * The doctor who made a 3103's decisions: its envelope's 经办人, `opter` (医生站一般传医生工号) and `opter_name`
 * (spec 3101-3103.md, 入参报文 11–13). A number is taken as its digits (a 工号 column typed as a number); absent,
 * null or blank `opter` names nobody (the SDK sends "" when the HIS set none), and the decision is counted under the
 * reminder's doctor. Anything else is a wrong field the HIS is told about, as a decision under a garbled doctor
 * would be counted under nobody anyone knows.
 */
export type DecidingOperator = { ok: true; value: Decider | undefined } | { ok: false; problems: string[] };

/**
 * 字符 30 and 字符 50 (spec §1.1 rows 12–13, [C2+], and no source sends longer). A longer value is refused, not cut:
 * the decider is stored, counted in the figures by doctor and sent to the 数据归集 platform under it, and a cut code
 * would name another doctor, or nobody the hospital knows. Counted in characters (code points), as the platform
 * and core's maxLength count them, after the spaces a fixed-width HIS column pads a code with are trimmed.
 */
const MAX_CHARS = { opter: 30, opter_name: 50 } as const;

export function decidingOperator(envelope: Record<string, unknown>): DecidingOperator {
  const problems: string[] = [];
  const text = (field: 'opter' | 'opter_name', label: string): string => {
    const value = envelope[field];
    if (value === undefined || value === null) return '';
    let read: string;
    if (typeof value === 'string') read = value.trim();
    else if (typeof value === 'number' && Number.isFinite(value)) read = String(value);
    else {
      problems.push(`${field}: 类型应为 string (${label})`);
      return '';
    }
    if (charCount(read) > MAX_CHARS[field]) problems.push(`${field}: 长度超过 ${MAX_CHARS[field]} (${label})`);
    return read;
  };
  const code = text('opter', '经办人');
  const name = text('opter_name', '经办人姓名');
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: code === '' ? undefined : { code, name } };
}

function charCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
