/** At most this many characters of a bad value are quoted in its error (err_msg is 字符 200 in the contract). */
export const QUOTED_CHARS = 40;

/**
 * A bad value as an error quotes it: JSON, a text cut to its first QUOTED_CHARS characters followed by "…". A HIS
 * that sends 40,000 characters in a date field gets the field named, not its whole value echoed back.
 */
export function quoteValue(value: unknown): string {
  if (typeof value !== 'string') return JSON.stringify(value) ?? String(value);
  if (value.length <= QUOTED_CHARS) return JSON.stringify(value);
  // Not between the two halves of a surrogate pair.
  const end = QUOTED_CHARS - (/[\ud800-\udbff]/.test(value.charAt(QUOTED_CHARS - 1)) ? 1 : 0);
  return `${JSON.stringify(value.slice(0, end))}…`;
}
