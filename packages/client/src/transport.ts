import type { FailOpen } from './types';
import { Pool } from './undici-pool';

export interface TransportOptions {
  origin: string;
  connectTimeoutMs: number;
  connections: number;
  maxResponseBytes: number;
  token?: string;
}

export type TransportOutcome =
  | { kind: 'answer'; statusCode: number; body: unknown; elapsedMs: number }
  | { kind: 'fail'; failOpen: FailOpen; connectFailed: boolean; timedOut: boolean; elapsedMs: number };

const CONNECT_FAILURE_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const cause = (error as { cause?: unknown }).cause;
    if (cause !== undefined && cause !== error) return errorCode(cause);
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string') return name;
  }
  return 'unknown';
}

class DeadlineExceeded extends Error {
  override readonly name = 'DeadlineExceeded';
}
class CallerAborted extends Error {
  override readonly name = 'CallerAborted';
}
class ResponseTooLarge extends Error {
  override readonly name = 'ResponseTooLarge';
}

/**
 * One keep-alive pool to the sidecar. Every call has a single monotonic deadline covering connect, send
 * and receive, and every failure comes back as a value: callers on a doctor's UI thread never see a throw.
 */
export class Transport {
  private readonly pool: Pool;

  constructor(private readonly options: TransportOptions) {
    this.pool = new Pool(options.origin, {
      connections: options.connections,
      connect: { timeout: options.connectTimeoutMs },
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 60_000,
    });
  }

  async postJson(path: string, payload: unknown, timeoutMs: number, signal?: AbortSignal): Promise<TransportOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
    const controller = new AbortController();
    const deadline = setTimeout(
      () => controller.abort(new DeadlineExceeded(`no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onCallerAbort = () => controller.abort(new CallerAborted('aborted by caller'));
    if (signal?.aborted) onCallerAbort();
    else signal?.addEventListener('abort', onCallerAbort, { once: true });

    try {
      const body = JSON.stringify(payload);
      const headers: Record<string, string> = {
        'content-type': 'application/json; charset=utf-8',
        accept: 'application/json',
        'x-out-capacity': String(this.options.maxResponseBytes),
      };
      if (this.options.token) headers['x-prealert-token'] = this.options.token;
      const response = await this.pool.request({
        path,
        method: 'POST',
        headers,
        body,
        signal: controller.signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const text = await this.readLimited(response.body, controller.signal);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return this.fail('bad_response', `HTTP ${response.statusCode}: body is not JSON`, elapsed());
      }
      return { kind: 'answer', statusCode: response.statusCode, body: parsed, elapsedMs: elapsed() };
    } catch (error) {
      const reason = controller.signal.reason as unknown;
      if (reason instanceof CallerAborted) return this.fail('aborted', 'aborted by caller', elapsed());
      if (reason instanceof DeadlineExceeded)
        return this.fail('sidecar_timeout', reason.message, elapsed(), { timedOut: true });
      if (error instanceof ResponseTooLarge) return this.fail('response_too_large', error.message, elapsed());
      const code = errorCode(error);
      if (CONNECT_FAILURE_CODES.has(code))
        return this.fail('sidecar_unreachable', code, elapsed(), { connectFailed: true });
      if (TIMEOUT_CODES.has(code)) return this.fail('sidecar_timeout', code, elapsed(), { timedOut: true });
      return this.fail('bad_response', code, elapsed());
    } finally {
      clearTimeout(deadline);
      signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private async readLimited(body: AsyncIterable<Buffer> & { destroy(error?: Error): void }, signal: AbortSignal) {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += chunk.length;
      if (size > this.options.maxResponseBytes) {
        body.destroy();
        throw new ResponseTooLarge(`answer exceeds ${this.options.maxResponseBytes} bytes`);
      }
      chunks.push(chunk);
    }
    if (signal.aborted) throw signal.reason;
    return Buffer.concat(chunks, size).toString('utf8');
  }

  private fail(
    reason: FailOpen['reason'],
    detail: string,
    elapsedMs: number,
    flags: { connectFailed?: boolean; timedOut?: boolean } = {},
  ): TransportOutcome {
    return {
      kind: 'fail',
      failOpen: { reason, detail },
      connectFailed: flags.connectFailed ?? false,
      timedOut: flags.timedOut ?? false,
      elapsedMs,
    };
  }
}
