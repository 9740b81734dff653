import { buildEnvelope, type NationalRequest } from './envelope';
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

export type FailureReason =
  | 'sidecar_unreachable'
  | 'origin_refused'
  | 'sidecar_timeout'
  | 'bad_response'
  | 'sidecar_error';

export type ServiceOutcome =
  | { kind: 'ok'; body: ServiceEnvelope }
  | { kind: 'rejected'; message: string; body: ServiceEnvelope }
  | {
      kind: 'failed';
      /**
       * sidecar_error: the sidecar failed on its own for a moment (infcode -1 marked `prealert_retry`).
       * origin_refused: the sidecar is up, but the browser was not let through: this page's origin is not in the
       * sidecar's PREALERT_CORS_ORIGINS (or the browser's local-network permission was refused).
       */
      reason: FailureReason;
      detail: string;
    };

/**
 * The sidecar's mark on an infcode -1 that is its own passing failure (a locked database, its analysis thread
 * restarting), not the request's fault: the same call may succeed later. National gateways never send it.
 */
export const RETRY_FIELD = 'prealert_retry';

/**
 * How long the reachability probe after a failed fetch may take: a sidecar that is up answers /healthz within
 * milliseconds on loopback, and the doctor's page is waiting.
 */
export const PROBE_TIMEOUT_MS = 500;

/** The native shim's and the client SDK's defaults: 3101/3102 1.5 s, 3103 0.8 s. */
export const DEFAULT_TIMEOUTS_MS = { analysis: 1500, '3103': 800 } as const;

export interface ServiceCallOptions {
  /** Sidecar origin, e.g. `http://127.0.0.1:17311`; empty = same origin as the page. */
  sidecar?: string;
  /** Default: 800 ms for 3103, 1500 ms otherwise (as the shim and the SDK). */
  timeoutMs?: number;
  envelope?: FeedbackEnvelopeFields;
  /** The whole request, built already (a queued 3103 goes out as built when decided); infno, input and envelope are then unused. */
  request?: NationalRequest;
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
      body: JSON.stringify(options.request ?? buildEnvelope(infno, input, options.envelope)),
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
    const detail = error instanceof Error ? error.message : String(error);
    const refused = !controller.signal.aborted && (await answersOpaquely(options.sidecar ?? ''));
    return { kind: 'failed', reason: refused ? 'origin_refused' : 'sidecar_unreachable', detail };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * A CORS refusal and a stopped sidecar both reach the page as the same TypeError ("Failed to fetch"). A `no-cors`
 * GET needs no CORS answer: it resolves (with an opaque response) when something answers at the sidecar's address,
 * and fails when nothing listens. One probe per failed call, bounded by PROBE_TIMEOUT_MS. Where the browser's
 * local-network permission is what refused the call, the probe is refused too and the call stays unreachable.
 */
async function answersOpaquely(sidecar: string): Promise<boolean> {
  const base = sidecar.replace(/\/+$/, '');
  const here = typeof location === 'undefined' ? undefined : location;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), PROBE_TIMEOUT_MS);
  try {
    // Same origin (no sidecar URL): CORS cannot have refused it.
    if (base === '' || (here !== undefined && new URL(base, here.href).origin === here.origin)) return false;
    await fetch(`${base}/healthz`, { mode: 'no-cors', cache: 'no-store', signal: controller.signal });
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
