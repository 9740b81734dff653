/*
 * The coded fields of a 3101/3102 result as other engines and middleware send them. The contract gives codes
 * (sev_deg 1/2/3, vola_amt_stas 0/1, vola_item_type 1/2), but a vendor's middleware sample (spec S-16) writes the
 * labels instead ("明确违规", "正常", "涉及项"). Read as codes only, "明确违规" became 轻度可疑 (and so asked for a
 * confirmation where a reason was due) and every "涉及项" row was taken for a 违规项 line. Environment-free: the
 * SDK and the widget bundle this.
 */

function codeOf<Code extends string>(value: unknown, labels: ReadonlyMap<string, Code>): Code | undefined {
  const sent =
    typeof value === 'number' && Number.isFinite(value) ? String(value) : typeof value === 'string' ? value.trim() : '';
  return labels.get(sent);
}

// Maps, not object literals: a sent "constructor" or "__proto__" must not be found as a code.
const SEVERITY: ReadonlyMap<string, '1' | '2' | '3'> = new Map([
  ['1', '1'],
  ['2', '2'],
  ['3', '3'],
  ['明确违规', '1'],
  ['高度可疑', '2'],
  ['轻度可疑', '3'],
]);

const AMOUNT_STATUS: ReadonlyMap<string, '0' | '1'> = new Map([
  ['0', '0'],
  ['1', '1'],
  ['异常', '0'],
  ['正常', '1'],
]);

const ITEM_TYPE: ReadonlyMap<string, '1' | '2'> = new Map([
  ['1', '1'],
  ['2', '2'],
  ['违规项', '1'],
  ['涉及项', '2'],
]);

/** sev_deg as a code, from the code (text or number) or its label; undefined when it is neither. */
export const readSeverityCode = (value: unknown): '1' | '2' | '3' | undefined => codeOf(value, SEVERITY);

/** vola_amt_stas as a code, from the code or its label (异常/正常); undefined when it is neither. */
export const readAmountStatusCode = (value: unknown): '0' | '1' | undefined => codeOf(value, AMOUNT_STATUS);

/** vola_item_type as a code, from the code or its label (违规项/涉及项); undefined when it is neither. */
export const readItemTypeCode = (value: unknown): '1' | '2' | undefined => codeOf(value, ITEM_TYPE);
