import { buildEnvelope } from './envelope';
import type { AnalysisOutput, FeedbackEnvelopeFields } from './types';

export const SERVICE_PATH = '/fsi/api/rsfComIfsService/callService';

/**
 * `output` of the sidecar's answer: core's AnalysisOutput (the warnings, and `truncated` when incomplete), every field
 * optional because the same envelope also carries a 3103's answer, which has no result.
 */
export type ServiceOutput = Partial<AnalysisOutput>;

/** The national answer envelope (infcode 0 or -1, err_msg, output), plus whatever else the sidecar adds. */
export interface ServiceEnvelope {
  infcode: number | string;
  err_msg?: string;
  output?: ServiceOutput;
  [field: string]: unknown;
}

export type ServiceOutcome =
  | { kind: 'ok'; body: ServiceEnvelope }
  | { kind: 'rejected'; message: string; body: ServiceEnvelope }
  | {
      kind: 'failed';
      /** sidecar_error: the sidecar failed on its own for a moment (infcode -1 marked `prealert_retry`). */
      reason: 'sidecar_unreachable' | 'sidecar_timeout' | 'bad_response' | 'sidecar_error';
      detail: string;
    };

/**
 * The sidecar's mark on an infcode -1 that is its own passing failure (a locked database, its analysis thread
 * restarting), not the request's fault: the same call may succeed later. National gateways never send it.
 */
export const RETRY_FIELD = 'prealert_retry';

/** The native shim's and the client SDK's defaults: 3101/3102 1.5 s, 3103 0.8 s. */
export const DEFAULT_TIMEOUTS_MS = { analysis: 1500, '3103': 800 } as const;

export interface ServiceCallOptions {
  /** Sidecar origin, e.g. `http://127.0.0.1:17311`; empty = same origin as the page. */
  sidecar?: string;
  /** Default: 800 ms for 3103, 1500 ms otherwise (as the shim and the SDK). */
  timeoutMs?: number;
  envelope?: FeedbackEnvelopeFields;
  signal?: AbortSignal;
}

/**
 * A national callService request from the browser. Like the SDK and the shim it never throws:
 * the doctor's page gets a value it can show, and prescribing is never held up by the sidecar.
 */
export async function callService(
  infno: string,
  input: unknown,
  options: ServiceCallOptions = {},
): Promise<ServiceOutcome> {
  const controller = new AbortController();
  const timeoutMs =
    options.timeoutMs ?? (infno === '3103' ? DEFAULT_TIMEOUTS_MS['3103'] : DEFAULT_TIMEOUTS_MS.analysis);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onAbort = () => controller.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const base = (options.sidecar ?? '').replace(/\/+$/, '');
    const response = await fetch(`${base}${SERVICE_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(buildEnvelope(infno, input, options.envelope)),
      signal: controller.signal,
    });
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      return { kind: 'failed', reason: 'bad_response', detail: `HTTP ${response.status}: not JSON` };
    }
    if (typeof body !== 'object' || body === null || !('infcode' in body)) {
      return { kind: 'failed', reason: 'bad_response', detail: `HTTP ${response.status}: not a national envelope` };
    }
    const envelope = body as ServiceEnvelope;
    if (Number(envelope.infcode) !== 0) {
      const message = String(envelope.err_msg ?? `infcode ${String(envelope.infcode)}`);
      if (envelope[RETRY_FIELD] === true) return { kind: 'failed', reason: 'sidecar_error', detail: message };
      return { kind: 'rejected', message, body: envelope };
    }
    return { kind: 'ok', body: envelope };
  } catch (error) {
    if (timedOut) return { kind: 'failed', reason: 'sidecar_timeout', detail: `no answer within ${timeoutMs} ms` };
    return {
      kind: 'failed',
      reason: 'sidecar_unreachable',
      detail: error instanceof Error ? error.message : String(error),
    };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}
