/** At most this many characters of a bad value are quoted in its error (err_msg is 字符 200 in the contract). */
export const QUOTED_CHARS = 40;

/**
 * A bad value as an error quotes it: a text as JSON, cut to its first QUOTED_CHARS characters followed by "…"; a
 * number or boolean as itself; an object or a list by its kind only. A HIS that sends 40,000 characters in a date
 * field gets the field named, not its whole value echoed back, and nothing here can throw (String() of a JSON object
 * with a "toString" key does, JSON.stringify of one nested 100,000 deep does).
 */
export function quoteValue(value: unknown): string {
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? '集合(数组)' : 'JSON 对象';
  if (typeof value !== 'string') return String(value);
  const whole = JSON.stringify(value);
  if (whole.length <= QUOTED_CHARS + 2) return whole;
  // Cut the quoted text, not the value: a control character or a lone surrogate is quoted as six characters
  // (\u0001), so 40 of them made a 240-character quote. Never inside an escape or a surrogate pair.
  let quoted = '';
  for (const char of value) {
    const escaped = JSON.stringify(char).slice(1, -1);
    if (quoted.length + escaped.length > QUOTED_CHARS) break;
    quoted += escaped;
  }
  return `"${quoted}"…`;
}
