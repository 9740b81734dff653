/**
 * Why a delivery did not go, and whose the failure is. A destination's failure (unreachable, timed out, overloaded)
 * would meet every entry alike, so the whole outbox waits for the destination (outbox-forwarder.ts); an entry's
 * failure (the receiver refused that entry) backs off that entry only, and the others go on.
 */
export interface DeliveryFailure {
  readonly error: string;
  readonly scope: 'destination' | 'entry';
  /**
   * The destination answered (a status, a page). Such an answer may yet be about the entry (a receiver that fails
   * with 500 on one payload), so the entry also backs off on its own: it cannot hold up every entry behind it.
   */
  readonly answered: boolean;
}

/**
 * A non-2xx answer. 5xx is the receiver in trouble, 408 and 429 ask the sender to come back later: none of them
 * says anything about the entry. Any other 4xx refused what was sent.
 */
export function httpFailure(statusCode: number): DeliveryFailure {
  const scope = statusCode >= 500 || statusCode === 408 || statusCode === 429 ? 'destination' : 'entry';
  return { error: `HTTP ${statusCode}`, scope, answered: true };
}

/** A request that did not get an answer: connection refused or reset, DNS, TLS, timeout. */
export function unreachable(error: unknown): DeliveryFailure {
  const { message, code } = (error ?? {}) as { message?: unknown; code?: unknown };
  const text = typeof message === 'string' && message !== '' ? message : String(error);
  return {
    error: typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text,
    scope: 'destination',
    answered: false,
  };
}
