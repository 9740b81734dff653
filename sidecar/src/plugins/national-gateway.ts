import type { IncomingHttpHeaders } from 'node:http';
import type { RequestEnvelope, ResponseEnvelope } from '@prealert/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Logger, maskIdNumbers } from '../logging';
import { CharsetError, decodeRequestBody, encodeBody, requestCharset } from '../national/body-charset';
import { fitToCapacity } from '../national/capacity-fit';
import type { NationalAnswer, NationalService } from '../national/national-service';
import type { RequestFacts } from '../request-facts';
import { secretMatcher } from '../secret-compare';

export const CALL_SERVICE_ROUTE = '/fsi/api/rsfComIfsService/callService';
export const SHIM_ROUTE = '/v1/yb/:infno';

export interface NationalGatewayOptions {
  service: NationalService;
  logger: Logger;
  bodyLimitBytes: number;
  /** Required as X-Prealert-Token on the shim route when set. */
  shimToken?: string;
  /** Browser origins (the CORS list) allowed to call the national routes; "*" allows any. */
  allowedOrigins: readonly string[];
}

interface ReplyFormat {
  charset: string;
  capacity?: number;
}

/**
 * The national routes. Whatever arrives (wrong charset, broken JSON, oversized body, unknown infno), the caller
 * gets a national envelope with HTTP 200 and infcode -1 naming the problem, as the provincial gateway answers.
 */
export async function nationalGateway(app: FastifyInstance, options: NationalGatewayOptions): Promise<void> {
  const { service, logger } = options;
  const tokenMatches = options.shimToken ? secretMatcher(options.shimToken) : undefined;
  const anyOrigin = options.allowedOrigins.includes('*');
  const origins = new Set(options.allowedOrigins);
  const originAllowed = (headers: IncomingHttpHeaders): boolean => {
    const origin = headers.origin;
    if (origin === undefined || anyOrigin || origins.has(origin)) return true;
    // The sidecar's own pages (the reminder UI) post from its own origin. Only under a loopback name: with DNS
    // rebinding a page's Host and Origin both name the attacker's domain, which must not count as "own".
    return isLoopbackHost(headers.host) && origin === `http://${headers.host}`;
  };

  // Bodies stay raw bytes here: the charset decides how to decode them, and a JSON error must become an envelope.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: options.bodyLimitBytes }, (_req, body, done) => {
    done(null, body);
  });

  app.setErrorHandler((error: Error & { code?: string; statusCode?: number }, request, reply) => {
    const message =
      error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? `请求体超过 ${options.bodyLimitBytes} 字节上限`
        : error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? `Content-Type "${request.headers['content-type'] ?? ''}" 无效: 应为 application/json; charset=utf-8`
          : `请求无法读取 (${error.code ?? error.name})`;
    request.prealert = { infno: infnoOf(request), ok: false, error: shorten(message) };
    const answer = service.error({ receivedAt: new Date() }, message);
    void send(reply, answer.envelope, { charset: 'utf-8' });
  });

  /**
   * One national request, independent of how it arrived: the headers and raw body in, the status, the bytes to
   * send and the request facts out. Never throws for bad input.
   */
  const answer = async (
    headers: IncomingHttpHeaders,
    raw: unknown,
    routeInfno: string | undefined,
  ): Promise<Answered> => {
    const receivedAt = new Date();
    const startedAt = performance.now();
    let format: ReplyFormat = { charset: 'utf-8' };
    const fail = (message: string, envelope?: RequestEnvelope, status = 200): Answered => ({
      facts: { infno: routeInfno ?? envelope?.infno ?? '-', ok: false, error: shorten(message) },
      ...render(service.error({ receivedAt, envelope }, message).envelope, format, status),
    });
    try {
      format = { charset: requestCharset(headers['content-type']) };
    } catch (error) {
      if (error instanceof CharsetError) return fail(error.message);
      throw error;
    }
    const capacityHeader = headers['x-out-capacity'];
    if (capacityHeader !== undefined) {
      const capacity = Number(capacityHeader);
      if (!Number.isInteger(capacity) || capacity <= 0)
        return fail(`X-Out-Capacity 应为正整数字节数 (收到 "${capacityHeader}")`);
      format.capacity = capacity;
    }
    if (!originAllowed(headers)) {
      // A page the hospital did not list may not write reminders or decisions, even through a "simple" request
      // that a browser sends without a CORS preflight (text/plain, forms). Desktop HIS send no Origin.
      return fail(
        `Origin "${shorten(String(headers.origin))}" 未获准调用本服务 (PREALERT_CORS_ORIGINS)`,
        undefined,
        403,
      );
    }
    if (routeInfno !== undefined && tokenMatches && !tokenMatches(headers['x-prealert-token'])) {
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
    if (routeInfno === undefined || 'input' in record) {
      envelope = record as RequestEnvelope;
      if (routeInfno !== undefined) {
        if (envelope.infno === undefined) envelope.infno = routeInfno;
        else if (String(envelope.infno) !== routeInfno) {
          return fail(`infno: 报文中的 "${String(envelope.infno)}" 与地址中的 ${routeInfno} 不一致`, envelope);
        }
      }
    } else {
      // The shim may send only the envelope's input; the national gateway needs the whole envelope.
      envelope = { infno: routeInfno, input: record };
      forwardJson = JSON.stringify(envelope);
    }
    if (typeof envelope.infno === 'number') envelope.infno = String(envelope.infno);
    if (typeof envelope.infno !== 'string' || envelope.infno === '')
      return fail('infno: 缺少必填字段 (交易编号)', envelope);
    if (envelope.input === undefined || envelope.input === null)
      return fail('input: 缺少必填字段 (交易输入)', envelope);

    let result: NationalAnswer;
    try {
      result = await service.handle({ infno: envelope.infno, envelope, json: forwardJson, receivedAt, startedAt });
    } catch (error) {
      // Not the caller's fault (a full disk, a bug): said as such, and logged with the cause for IT staff.
      logger.error({ err: error, infno: envelope.infno }, 'national request failed inside the sidecar');
      return fail(`prealert 内部错误，请稍后重试 (${(error as Error)?.name ?? 'Error'})`, envelope);
    }
    return {
      facts: {
        infno: envelope.infno,
        taskId: result.taskId,
        ok: result.ok,
        ...(result.ok ? {} : { error: shorten(String(result.envelope.err_msg ?? '')) }),
      },
      ...render(result.envelope, format),
    };
  };

  const handle = async (request: FastifyRequest, reply: FastifyReply, routeInfno: string | undefined) => {
    const answered = await answer(request.headers, request.body, routeInfno);
    request.prealert = answered.facts;
    return reply.code(answered.status).header('content-type', answered.contentType).send(answered.payload);
  };

  /**
   * The common case (a JSON body of declared length within the limit) skips fastify's body parsing and reply
   * pipeline: read the bytes, answer, write the response directly. Hooks that ran before (CORS headers) and
   * after (request log, metrics on finish) still apply. Anything unusual takes the regular route below.
   */
  app.addHook('onRequest', (request, reply, done) => {
    const headers = request.headers;
    const declared = headers['content-length'];
    const type = headers['content-type'];
    if (
      request.method !== 'POST' ||
      declared === undefined ||
      headers['transfer-encoding'] !== undefined ||
      type === undefined ||
      !JSON_TYPE.test(type)
    ) {
      done();
      return;
    }
    const length = Number(declared);
    if (!Number.isInteger(length) || length <= 0 || length > options.bodyLimitBytes) {
      done();
      return;
    }
    const routeInfno = (request.params as { infno?: string } | undefined)?.infno;
    reply.hijack();
    done();
    const chunks: Buffer[] = [];
    let received = 0;
    const stream = request.raw;
    const res = reply.raw;
    stream.on('data', (chunk: Buffer) => {
      received += chunk.length;
      chunks.push(chunk);
    });
    stream.on('error', () => {
      if (!res.headersSent) res.destroy();
    });
    stream.on('end', () => {
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received);
      const reading =
        received === length
          ? answer(headers, body, routeInfno)
          : Promise.reject(
              Object.assign(new Error('content length mismatch'), { code: 'FST_ERR_CTP_INVALID_CONTENT_LENGTH' }),
            );
      reading
        .catch((error: Error & { code?: string }) => {
          const message = `请求无法读取 (${error.code ?? error.name})`;
          request.prealert = { infno: routeInfno ?? '-', ok: false, error: message };
          const failed = service.error({ receivedAt: new Date() }, message);
          return { facts: request.prealert, ...render(failed.envelope, { charset: 'utf-8' }) };
        })
        .then((answered) => {
          request.prealert = answered.facts;
          const replyHeaders = reply.getHeaders();
          for (const name in replyHeaders) {
            const value = replyHeaders[name];
            if (value !== undefined) res.setHeader(name, value);
          }
          res.writeHead(answered.status, {
            'content-type': answered.contentType,
            'content-length':
              typeof answered.payload === 'string' ? Buffer.byteLength(answered.payload) : answered.payload.length,
          });
          res.end(answered.payload);
        })
        .catch(() => {
          // The connection went away while answering: nobody is left to tell.
          res.destroy();
        });
    });
  });

  app.post(CALL_SERVICE_ROUTE, (request, reply) => handle(request, reply, undefined));
  app.post<{ Params: { infno: string } }>(SHIM_ROUTE, (request, reply) => handle(request, reply, request.params.infno));
}

interface Answered {
  facts: RequestFacts;
  status: number;
  contentType: string;
  payload: Buffer | string;
}

const JSON_TYPE = /^application\/json\s*(;|$)/i;

function render(envelope: ResponseEnvelope, format: ReplyFormat, status = 200): Omit<Answered, 'facts'> {
  const text =
    format.capacity === undefined
      ? JSON.stringify(envelope)
      : fitToCapacity(envelope as Parameters<typeof fitToCapacity>[0], format.charset, format.capacity);
  return {
    status,
    contentType: `application/json; charset=${format.charset}`,
    payload: encodeBody(text, format.charset),
  };
}

function send(reply: FastifyReply, envelope: ResponseEnvelope, format: ReplyFormat, status = 200): FastifyReply {
  const rendered = render(envelope, format, status);
  return reply.code(rendered.status).header('content-type', rendered.contentType).send(rendered.payload);
}

/**
 * err_msg for the request log line: enough to tell why, bounded whatever the caller sent, and with identity
 * numbers masked (a field error may quote a value, and that line skips the field redaction).
 */
function shorten(message: string): string {
  const masked = maskIdNumbers(message);
  return masked.length > 200 ? `${masked.slice(0, 200)}…` : masked;
}

const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/i;

function isLoopbackHost(host: string | undefined): boolean {
  return host !== undefined && LOOPBACK_HOST.test(host);
}

function infnoOf(request: FastifyRequest): string {
  const params = request.params as { infno?: string } | undefined;
  return params?.infno ?? '-';
}
