import { positiveCountArgument } from '../../whole-number';

/** Past 2^31 - 1 ms a timer fires at once (Node warns and waits 1 ms): every host would be "timed out". */
const MAX_TIMEOUT_S = 86_400;

/**
 * A fleet command's --timeout, in ms. One hung workstation (accepts the connection, never answers) holds the whole
 * table or report this long: IT at the desk may want an answer in seconds, a year of records on a slow machine may
 * need minutes.
 */
export function timeoutArgument(value: string): number {
  const seconds = positiveCountArgument(value, '--timeout');
  if (seconds > MAX_TIMEOUT_S)
    throw new Error(`--timeout must be at most ${MAX_TIMEOUT_S} seconds (a day) (got ${JSON.stringify(value)})`);
  return seconds * 1000;
}

/** What a host that did not answer in time is listed with: how long was waited, and what sets it. */
export function timedOutText(timeoutMs: number): string {
  return `timed out after ${timeoutMs / 1000} s (--timeout)`;
}
