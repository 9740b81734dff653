/** The message of anything thrown, for status and logs. */
export function message(error: unknown): string {
  return (error as Error).message ?? String(error);
}
