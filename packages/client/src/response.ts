import { isRecord } from './is-record';
import { asArray, readResult } from './read-result';
import type { AnalyzedResult, ResponseEnvelope } from './types';

export type ParsedAnswer =
  | { kind: 'ok'; envelope: ResponseEnvelope<unknown>; results: AnalyzedResult[]; truncated: boolean }
  | { kind: 'rejected'; envelope: ResponseEnvelope<unknown>; message: string }
  /** The sidecar failed on its own for a moment (infcode -1 marked `prealert_retry`): the same call may succeed later. */
  | { kind: 'retry'; envelope: ResponseEnvelope<unknown>; message: string }
  | { kind: 'bad'; detail: string };

/**
 * The sidecar's mark on an infcode -1 that is its own passing failure (a locked database, its analysis thread
 * restarting), not the request's fault. National gateways never send it.
 */
export const RETRY_FIELD = 'prealert_retry';

const text = (value: unknown): string => (value === undefined || value === null ? '' : String(value));

/**
 * Reads a national response tolerantly (infcode as number or string, result as array, object or null),
 * but refuses anything that is not an envelope: a proxy's error page must not pass for "no warnings".
 */
export function parseAnswer(statusCode: number, body: unknown, expectResults: boolean): ParsedAnswer {
  if (!isRecord(body) || !('infcode' in body)) {
    return { kind: 'bad', detail: `HTTP ${statusCode}: not a national response envelope` };
  }
  const infcode = Number(body.infcode);
  if (!Number.isFinite(infcode)) return { kind: 'bad', detail: `HTTP ${statusCode}: infcode is not a number` };
  const envelope = body as unknown as ResponseEnvelope<unknown>;
  if (infcode !== 0) {
    const message = text(body.err_msg) || `infcode ${infcode}`;
    return { kind: body[RETRY_FIELD] === true ? 'retry' : 'rejected', envelope, message };
  }
  if (statusCode >= 400) return { kind: 'bad', detail: `HTTP ${statusCode} with infcode 0` };
  if (!expectResults) return { kind: 'ok', envelope, results: [], truncated: false };

  const output = isRecord(body.output) ? body.output : {};
  const rawResults = asArray(output.result);
  const results: AnalyzedResult[] = [];
  for (const [index, raw] of rawResults.entries()) {
    const result = readResult(raw);
    if (!result) return { kind: 'bad', detail: `output.result[${index}] has no jr_id` };
    results.push(result);
  }
  const truncated = body.truncated === true || output.truncated === true;
  return { kind: 'ok', envelope, results, truncated };
}
