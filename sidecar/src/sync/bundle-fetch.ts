import { MAX_MANIFEST_BYTES } from '@prealert/rules-cache';
import { type Agent, errors, request } from 'undici';
import { requestTarget, shownUrl } from '../url-credentials';

/** A failed exchange with the platform, worded for /v1/status. */
export class FetchError extends Error {
  override name = 'FetchError';
}

export type ManifestFetch = { status: 304 } | { status: 200; bytes: Buffer; etag?: string };

/** `shown`: the URL as it may be printed (url-credentials.ts). */
function describe(error: unknown, shown: string, timeoutMs: number): FetchError {
  if (error instanceof FetchError) return error;
  if (
    error instanceof errors.HeadersTimeoutError ||
    error instanceof errors.BodyTimeoutError ||
    (error as Error).name === 'TimeoutError'
  ) {
    return new FetchError(`GET ${shown}: no answer within ${timeoutMs} ms`);
  }
  const code = (error as NodeJS.ErrnoException).code;
  const said = (error as Error).message ?? String(error);
  // Node's message names the code already ("connect ECONNREFUSED 127.0.0.1:18317"): said once, with what it means.
  if (code === undefined) return new FetchError(`GET ${shown}: ${said}`);
  const rest = said.replace(code, '').replace(/\s+/g, ' ').trim();
  const meaning = NETWORK_CAUSES[code];
  return new FetchError(
    `GET ${shown}: ${code}${meaning === undefined ? '' : ` (${meaning})`}${rest ? `: ${rest}` : ''}`,
  );
}

/** What a network error code means, for IT reading /v1/status. */
const NETWORK_CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused, nothing listens there',
  ECONNRESET: 'connection reset by the platform or a proxy',
  ENOTFOUND: 'host name not found (DNS)',
  EAI_AGAIN: 'host name lookup failed for now (DNS)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
};

/** GET manifest.json, conditional on the ETag of the last one that was acted on: a 304 costs a few hundred bytes. */
export async function fetchManifest(
  agent: Agent,
  url: string,
  etag: string | undefined,
  timeoutMs: number,
): Promise<ManifestFetch> {
  const shown = shownUrl(url);
  try {
    const target = requestTarget(url);
    const response = await request(target.url, {
      dispatcher: agent,
      headers: { ...target.headers, accept: 'application/json', ...(etag ? { 'if-none-match': etag } : {}) },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.statusCode === 304) {
      await response.body.dump();
      return { status: 304 };
    }
    if (response.statusCode !== 200) {
      await response.body.dump();
      throw new FetchError(`GET ${shown}: HTTP ${response.statusCode}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_MANIFEST_BYTES) throw new FetchError(`GET ${shown}: larger than ${MAX_MANIFEST_BYTES} bytes`);
      chunks.push(chunk as Buffer);
    }
    const header = response.headers.etag;
    const tag = Array.isArray(header) ? header[0] : header;
    return { status: 200, bytes: Buffer.concat(chunks), ...(tag ? { etag: tag } : {}) };
  } catch (error) {
    throw describe(error, shown, timeoutMs);
  }
}

/**
 * Streams a bundle file to `onChunk`, awaiting it per chunk (the caller hashes, parses and stages each one, and
 * pauses to let requests run). `timeoutMs` bounds the wait for headers and any silence within the body;
 * `deadlineMs` bounds the whole download, so a body trickling in just fast enough never to be silent still ends.
 */
export async function streamFile(
  agent: Agent,
  url: string,
  limits: { maxBytes: number; timeoutMs: number; deadlineMs: number },
  onChunk: (chunk: Buffer) => Promise<void> | void,
): Promise<void> {
  const { maxBytes, timeoutMs, deadlineMs } = limits;
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), deadlineMs);
  const shown = shownUrl(url);
  let local: unknown;
  try {
    const target = requestTarget(url);
    const response = await request(target.url, {
      dispatcher: agent,
      headers: target.headers,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: deadline.signal,
    });
    if (response.statusCode !== 200) {
      await response.body.dump();
      throw new FetchError(`GET ${shown}: HTTP ${response.statusCode}`);
    }
    const length = Number(response.headers['content-length']);
    if (Number.isFinite(length) && length > maxBytes) {
      response.body.destroy();
      throw new FetchError(`GET ${shown}: ${length} bytes, more than the ${maxBytes} expected`);
    }
    for await (const chunk of response.body) {
      try {
        await onChunk(chunk as Buffer);
      } catch (error) {
        local = error;
        throw error;
      }
    }
  } catch (error) {
    if (error instanceof Error && error.name === 'BundleError') throw error;
    // Staging the bytes failed (a full disk): this workstation's problem, which "GET <url>: …" blamed on the platform.
    if (local !== undefined && error === local) throw error;
    if (deadline.signal.aborted) {
      throw new FetchError(
        `GET ${shown}: not received within ${deadlineMs / 1000} s (PREALERT_SYNC_DOWNLOAD_DEADLINE_S)`,
      );
    }
    throw describe(error, shown, timeoutMs);
  } finally {
    clearTimeout(timer);
  }
}
