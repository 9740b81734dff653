/**
 * A whole-number setting as written: a JSON number, or a string of plain decimal digits (an environment variable, or a
 * config file that quotes its numbers); undefined otherwise, and the setting's own message says what it takes. Number()
 * alone also reads 0x9c40, 1e5, +80 and 40000.0, which nobody means as a count and a typo can produce. Spaces around
 * the digits are allowed, as they always were: `set PREALERT_PORT=17311 ` in a Windows batch file keeps the trailing
 * space, and PREALERT_CORS_ORIGINS is trimmed too. Beyond 2^53 a number is not exact, so it is refused.
 */
export function wholeNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value !== 'string' || !/^\s*[0-9]+\s*$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * A command-line option's number: digits alone. A shell splits words at spaces, so spaces inside the argument were
 * quoted in on purpose or come from a template's blank (`--port "${PORT} "`): said, not taken as the digits beside them.
 */
export function wholeNumberArgument(value: string): number | undefined {
  return /^[0-9]+$/.test(value) ? wholeNumber(value) : undefined;
}

/** `--concurrency` and the like: a positive whole number, or an Error naming the option and what was given. */
export function positiveCountArgument(value: string, option: string): number {
  const n = wholeNumberArgument(value);
  if (n === undefined || n < 1) throw new Error(`${option} must be a positive integer (got ${JSON.stringify(value)})`);
  return n;
}
