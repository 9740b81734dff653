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
  /**
   * What makes two refusals of the entry the same (a gateway's infcode and err_msg), for a receiver whose refusal
   * cannot tell whether it is about the entry or about the sender: the same one for several different entries in
   * a row, with nothing taken between, is the destination refusing everything (outbox-forwarder.ts). Compared,
   * never logged: the text may name a patient.
   */
  readonly likeness?: string;
}

/**
 * Answers that say nothing about the entry: 408 and 429 ask the sender to come back later; 401 and 403 refuse the
 * configured token and 404 names a configured URL that is not the receiver's, which every entry meets alike until IT
 * mends the configuration (one warn then, not one per entry per interval).
 */
const DESTINATION_STATUSES = new Set([401, 403, 404, 408, 429]);

/**
 * A non-2xx answer: 5xx is the receiver in trouble; DESTINATION_STATUSES; any other 4xx refused what was sent, and
 * the same status for several different entries in a row is the receiver refusing everything (a proxy answering 400
 * to every POST, a platform that changed its API): the status is the refusal's likeness.
 */
export function httpFailure(statusCode: number): DeliveryFailure {
  const error = `HTTP ${statusCode}`;
  if (statusCode >= 500 || DESTINATION_STATUSES.has(statusCode)) return { error, scope: 'destination', answered: true };
  return { error, scope: 'entry', answered: true, likeness: error };
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
