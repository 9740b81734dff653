/** The message of anything thrown, for status and logs: an Error or an error-like object, else its text (`undefined`). */
export function message(error: unknown): string {
  const text = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  return typeof text === 'string' ? text : String(error);
}
