import type { IncomingHttpHeaders } from 'node:http';
import { quoteValue, type RequestEnvelope, type ResponseEnvelope } from '@prealert/core';
import { errorForLog, type Logger, maskedAndCut } from '../logging';
import { isLoopbackHost } from '../loopback-host';
import { corsPolicy } from '../plugins/cors-policy';
import type { RequestFacts } from '../request-facts';
import { secretMatcher } from '../secret-compare';
import type { AnalysisRecord } from '../store/records';
import { CharsetError, decodeRequestBody, encodeBody, requestCharset } from './body-charset';
import { fitToCapacity } from './capacity-fit';
import { envelopeText } from './envelope-text';
import type { NationalRoute } from './national-routes';
import { AnsweredElsewhere, type NationalAnswer, type NationalService, RecordsNotWritten } from './national-service';

export interface NationalAnswererOptions {
  service: Pick<NationalService, 'handle' | 'error'>;
  logger: Pick<Logger, 'error'>;
  /** Required as X-Prealert-Token on the shim route when set. */
  shimToken?: string;
  /** Browser origins (the CORS list) allowed to call the national routes; "*" allows any. */
  allowedOrigins: readonly string[];
}

/**
 * Set (true) on an infcode -1 answer when the failure was the sidecar's own and passing (its database locked or
 * full for a moment, the analysis thread restarting), not the request's: the same request, sent again later, may
 * well be accepted. The answer stays what the gateway would send (HTTP 200, infcode -1, err_msg); national clients
 * ignore a field they do not know, prealert's SDK and widget keep such a 3103 and resend it. A field, not a
 * Retry-After header: a page on another origin cannot read a header the CORS answer does not expose, and the native
 * shim hands the HIS the body.
 */
export const RETRY_FIELD = 'prealert_retry';

/** A national request answered: what to send, and what the request log and metrics say of it. */
export interface Answered {
  facts: RequestFacts;
  status: number;
  contentType: string;
  payload: Buffer | string;
  /** The record of a 3101/3102 answer, for the HTTP layer to mark undelivered (delivery-watch.ts). */
  record?: AnalysisRecord;
}

interface ReplyFormat {
  charset: string;
  capacity?: number;
}

/** When a request arrived: its answer and its record are dated from here, wherever it is answered. */
export interface Arrival {
  receivedAt: Date;
  /** performance.now() of the answering thread at arrival. */
  startedAt: number;
}

/**
 * One national request, independent of how it arrived (fastify's route or the sidecar's direct lane): the
 * headers and raw body in, the status, bytes and request facts out. `route` says which national route took it and
 * what infno its path carries. Never throws for bad input.
 */
export type NationalAnswerer = (
  headers: IncomingHttpHeaders,
  raw: unknown,
  route: NationalRoute,
  arrival?: Arrival,
) => Promise<Answered>;

/**
 * At most this much of a header is quoted back: err_msg is 字符 200 (errorEnvelope cuts it there), and the words after the
 * quote say what to fix.
 */
const QUOTED_HEADER_CHARS = 80;

export function createNationalAnswerer(options: NationalAnswererOptions): NationalAnswerer {
  const { service, logger } = options;
  const tokenMatches = options.shimToken ? secretMatcher(options.shimToken) : undefined;
  const policy = corsPolicy(options.allowedOrigins);
  const originAllowed = (headers: IncomingHttpHeaders): boolean => {
    const origin = headers.origin;
    if (origin === undefined || policy.admits(origin)) return true;
    // The sidecar's own pages (the reminder UI) post from its own origin. Only under a loopback name: with DNS
    // rebinding a page's Host and Origin both name the attacker's domain, which must not count as "own".
    return isLoopbackHost(headers.host) && origin === `http://${headers.host}`;
  };

  return async (headers, raw, route, arrival) => {
    const routeInfno = route.infno;
    const receivedAt = arrival?.receivedAt ?? new Date();
    const startedAt = arrival?.startedAt ?? performance.now();
    const format: ReplyFormat = { charset: 'utf-8' };
    const fail = (message: string, envelope?: RequestEnvelope, status = 200, retry = false): Answered => {
      const answer = service.error({ receivedAt, envelope }, message).envelope;
      return {
        facts: { infno: routeInfno ?? loggableInfno(envelope?.infno), ok: false, error: shortenError(message) },
        ...render(retry ? { ...answer, [RETRY_FIELD]: true } : answer, format, status),
      };
    };
    // The caller's buffer first: an unsupported charset is then answered within it too (in UTF-8).
    const capacityHeader = headers['x-out-capacity'];
    if (capacityHeader !== undefined) {
      const capacity = Number(capacityHeader);
      if (!Number.isInteger(capacity) || capacity <= 0)
        return fail(
          `X-Out-Capacity 应为正整数字节数 (收到 "${maskedAndCut(String(capacityHeader), QUOTED_HEADER_CHARS)}")`,
        );
      format.capacity = capacity;
    }
    try {
      format.charset = requestCharset(headers['content-type']);
    } catch (error) {
      if (error instanceof CharsetError) return fail(error.message);
      throw error;
    }
    if (!originAllowed(headers)) {
      // A page the hospital did not list may not write reminders or decisions, even through a "simple" request
      // that a browser sends without a CORS preflight (text/plain, forms). Desktop HIS send no Origin.
      return fail(
        `Origin "${maskedAndCut(String(headers.origin), QUOTED_HEADER_CHARS)}" 未获准调用本服务 (PREALERT_CORS_ORIGINS)`,
        undefined,
        403,
      );
    }
    if (route.kind === 'shim' && tokenMatches && !tokenMatches(headers['x-prealert-token'])) {
      return fail('X-Prealert-Token 缺失或不正确', undefined, 401);
    }

    if (!Buffer.isBuffer(raw) || raw.length === 0) return fail('请求体为空: 应为国家接口报文 JSON');
    const decoded = decodeRequestBody(raw, format.charset);
    format.charset = decoded.charset;
    const json = decoded.text;
    let body: unknown;
    try {
      body = JSON.parse(json);
    } catch (error) {
      // Only where, never V8's message: it quotes pieces of the body, which may be a patient's name, and err_msg
      // reaches the log.
      const position = /at position (\d+)/.exec((error as Error).message)?.[1];
      return fail(`请求体不是合法的 JSON (${format.charset})${position === undefined ? '' : `，位置 ${position}`}`);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return fail('请求体应为 JSON 对象');

    let envelope: RequestEnvelope;
    let forwardJson = json;
    const record = body as Record<string, unknown>;
    if (route.kind === 'gateway' || 'input' in record) {
      envelope = record as RequestEnvelope;
      if (routeInfno !== undefined) {
        // Compared as text (a number too); never String() of whatever was sent: of a JSON object with a
        // "toString" key it throws.
        const sent = typeof envelope.infno === 'number' ? String(envelope.infno) : envelope.infno;
        if (sent === undefined) {
          envelope.infno = routeInfno;
          // The gateway knows the call only by the body's infno ("infno 不能为空"): it is sent the one the path gave.
          forwardJson = JSON.stringify(envelope);
        } else if (sent !== routeInfno) {
          return fail(`infno: 报文中的 ${quoteValue(sent)} 与地址中的 ${routeInfno} 不一致`, envelope);
        }
      }
    } else {
      // The shim may send only the envelope's input; the national gateway needs the whole envelope.
      envelope = { infno: route.infno, input: record };
      forwardJson = JSON.stringify(envelope);
    }
    if (typeof envelope.infno === 'number') envelope.infno = String(envelope.infno);
    if (typeof envelope.infno !== 'string' || envelope.infno === '') {
      const missing = envelope.infno === undefined || envelope.infno === null || envelope.infno === '';
      return fail(`infno: ${missing ? '缺少必填字段' : '类型应为 string'} (交易编号)`, envelope);
    }
    if (envelope.input === undefined || envelope.input === null)
      return fail('input: 缺少必填字段 (交易输入)', envelope);

    let result: NationalAnswer;
    try {
      result = await service.handle({
        infno: envelope.infno,
        envelope,
        json: forwardJson,
        receivedAt,
        startedAt,
        format,
      });
    } catch (error) {
      if (error instanceof AnsweredElsewhere) throw error;
      // Not the caller's fault (a full disk, a bug): said as such, and logged with the cause for IT staff. Held
      // records are logged by the records' own watch (records-write-failure.ts): a stack per 3103 adds nothing.
      if (error instanceof RecordsNotWritten)
        logger.error({ infno: envelope.infno, records_held: error.held }, `3103 answered retry: ${error.message}`);
      else logger.error({ err: error, infno: envelope.infno }, 'national request failed inside the sidecar');
      return fail(`prealert 内部错误，请稍后重试 (${(error as Error)?.name ?? 'Error'})`, envelope, 200, true);
    }
    return {
      facts: {
        infno: envelope.infno,
        taskId: result.taskId,
        ...(result.loggedTaskId === undefined ? {} : { loggedTaskId: result.loggedTaskId }),
        ok: result.ok,
        ...(result.ok ? {} : { error: shortenError(String(result.envelope.err_msg ?? '')) }),
      },
      ...render(result.envelope, format, 200, result.resultJson, result.fittedText),
      ...(result.record === undefined ? {} : { record: result.record }),
    };
  };
}

/**
 * A call answered with an error before (or instead of) reaching the answerer: the body could not be read, or the
 * analysis thread stopped while holding it (`retry`: the same call may succeed once it has restarted). UTF-8, HTTP
 * 200, as the gateway answers.
 */
export function failedAnswer(
  service: Pick<NationalService, 'error'>,
  message: string,
  route: NationalRoute,
  receivedAt: Date,
  retry = false,
): Answered {
  const answer = service.error({ receivedAt }, message).envelope;
  return {
    facts: { infno: route.infno ?? '-', ok: false, error: shortenError(message) },
    ...render(retry ? { ...answer, [RETRY_FIELD]: true } : answer),
  };
}

/** The national envelope as bytes in the caller's charset, cut to its buffer when it declared one (X-Out-Capacity). */
export function render(
  envelope: ResponseEnvelope,
  format: ReplyFormat = { charset: 'utf-8' },
  status = 200,
  resultJson?: readonly string[],
  /** The answer already fitted to format.capacity by the service (NationalAnswer.fittedText). */
  fittedText?: string,
): Omit<Answered, 'facts'> {
  const text =
    fittedText !== undefined
      ? fittedText
      : format.capacity !== undefined
        ? fitToCapacity(envelope as Parameters<typeof fitToCapacity>[0], format.charset, format.capacity, resultJson)
        : resultJson !== undefined
          ? envelopeText(envelope, resultJson)
          : JSON.stringify(envelope);
  return {
    status,
    contentType: `application/json; charset=${format.charset}`,
    payload: encodeBody(text, format.charset),
  };
}

/**
 * err_msg for the request log line: enough to tell why (the field and what it should be), bounded whatever the
 * caller sent, without the values it quotes (a field error quotes what was sent, which may be a name where a date
 * belongs) and with identity numbers masked, as that line skips the field redaction.
 */
export function shortenError(message: string): string {
  return errorForLog(message);
}

/**
 * The infno a refused request is logged and counted under: the body's when it is text, else '-'. A HIS can send any
 * JSON there (an object, a list); the request line's masking and the metrics label take text only, and a value of
 * another type made the line throw, so the request went unlogged.
 */
function loggableInfno(infno: unknown): string {
  return typeof infno === 'string' ? infno : '-';
}
