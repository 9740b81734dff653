import type { FieldError } from '@prealert/core';

/**
 * The envelope's 经办人类别, `opter_type` (spec 3101-3103.md §1.1 row 11: 字符 3（字典）, 1 经办人, 2 自助终端,
 * 3 移动终端). The field and its size are [C2+]; its values are [S1], one source's dictionary, so a code outside
 * 1–3 is not known to be wrong and is accepted, as is a number written as a number (`1`, the tolerance §6.6 gives
 * every field). prealert does not read the value. What is refused is what no 字符 3 code can be: an object, a list,
 * true/false, a fractional number, or text longer than 3 characters once a fixed-width column's spaces are trimmed,
 * a HIS mapping the wrong column, which its IT is told about rather than the gateway later. Absent, null or ""
 * passes: the shim may send only `input`, and the SDK fills "1".
 */
const MAX_CHARS = 3;
const LABEL = '经办人类别';

export function operatorTypeErrors(envelope: object): FieldError[] {
  const value = (envelope as { opter_type?: unknown }).opter_type;
  if (value === undefined || value === null) return [];
  let text: string;
  if (typeof value === 'string') text = value.trim();
  else if (typeof value === 'number' && Number.isInteger(value)) text = String(value);
  else return [{ path: 'opter_type', message: `类型应为 string (${LABEL})` }];
  if ([...text].length > MAX_CHARS) return [{ path: 'opter_type', message: `长度超过 ${MAX_CHARS} (${LABEL})` }];
  return [];
}
