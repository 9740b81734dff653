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
  if (value.length <= QUOTED_CHARS) return JSON.stringify(value);
  // Not between the two halves of a surrogate pair.
  const end = QUOTED_CHARS - (/[\ud800-\udbff]/.test(value.charAt(QUOTED_CHARS - 1)) ? 1 : 0);
  return `${JSON.stringify(value.slice(0, end))}…`;
}
