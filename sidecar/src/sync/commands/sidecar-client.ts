import type { Readable } from 'node:stream';
import { request } from 'undici';

/** An answer from a sidecar's HTTP API, parsed; `error` says why there is none. */
export interface SidecarAnswer<T> {
  status: number;
  body?: T;
  error?: string;
}

/**
 * What to check when nothing listens at `baseUrl`: the service may be stopped, or listen on another port than the one
 * called, which came from a hosts file line, --url, or a default IT did not know it was getting.
 */
function notListening(baseUrl: string, portFrom: string | undefined): string {
  const url = new URL(baseUrl);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const from = portFrom ? ` (${portFrom})` : '';
  return `not running (connection refused): check that the prealert service is running on ${url.hostname} and listens on port ${port}${from}`;
}

/** The error of a call given up after its timeoutMs; a command with a --timeout says how long that was. */
const TIMED_OUT = 'timed out';

function networkError(error: unknown, baseUrl: string, portFrom: string | undefined): string {
  const e = error as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const code = e.code ?? e.cause?.code;
  if (e.name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT') return TIMED_OUT;
  if (code === 'ECONNREFUSED') return notListening(baseUrl, portFrom);
  return code ? `${code}: ${e.message}` : (e.message ?? String(error));
}

/** One call to a sidecar's JSON API, never throwing: a table of a hundred hosts must list each failure. */
export async function callSidecar<T>(
  baseUrl: string,
  path: string,
  options: {
    method?: 'GET' | 'POST';
    token?: string;
    body?: Readable | Buffer;
    contentType?: string;
    timeoutMs?: number;
    /** Where the port of `baseUrl` came from (`from --url`), said when nothing listens there. */
    portFrom?: string;
    /** Where this command takes the admin token from, said when the sidecar refuses it (401). */
    tokenFrom?: string;
  } = {},
): Promise<SidecarAnswer<T>> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  try {
    const response = await request(new URL(path, baseUrl), {
      method: options.method ?? 'GET',
      headers: {
        accept: 'application/json',
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.contentType ? { 'content-type': options.contentType } : {}),
      },
      ...(options.body ? { body: options.body } : {}),
      signal: AbortSignal.timeout(timeoutMs),
      // The dispatcher's own limits (undici: 300 s for the headers) would otherwise cut a longer --timeout short, and
      // report it as timed out.
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await response.body.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return { status: response.statusCode, error: `HTTP ${response.statusCode}: not JSON` };
    }
    if (response.statusCode >= 400) {
      const reason = (body as { error?: unknown }).error;
      const hint = response.statusCode === 401 && options.tokenFrom ? `: ${options.tokenFrom}` : '';
      return {
        status: response.statusCode,
        body: body as T,
        error: `HTTP ${response.statusCode}: ${String(reason ?? '')}${hint}`,
      };
    }
    return { status: response.statusCode, body: body as T };
  } catch (error) {
    return { status: 0, error: networkError(error, baseUrl, options.portFrom) };
  }
}

/** Nothing listens there: the sidecar is not running. */
export function isNotRunning(answer: SidecarAnswer<unknown>): boolean {
  return answer.status === 0 && (answer.error ?? '').startsWith('not running');
}

/** No answer within the call's timeoutMs. */
export function isTimedOut(answer: SidecarAnswer<unknown>): boolean {
  return answer.status === 0 && answer.error === TIMED_OUT;
}

/**
 * What a 401 adds for a command that reads the token from --token or the environment only (push, rollback --hosts):
 * "admin token missing or wrong" alone did not say where the command looks for it nor where the host keeps it.
 */
export const FLEET_TOKEN_FROM =
  'give the workstations\' admin token (their PREALERT_ADMIN_TOKEN or "adminToken" in prealert.config.json) with --token or PREALERT_ADMIN_TOKEN';

/** The same for `rollback` on this workstation, which also reads this data dir's config file. */
export const LOCAL_TOKEN_FROM =
  'give the sidecar\'s admin token with --token, PREALERT_ADMIN_TOKEN or "adminToken" in its config file (prealert.config.json in its data dir, or --config)';
