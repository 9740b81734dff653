import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CharsetError, decodeRequestBody, requestCharset } from '../national/body-charset';
import { watchDelivery } from '../national/delivery-watch';
import { type Answered, type NationalAnswerer, render, shortenError } from '../national/national-answerer';
import {
  CALL_SERVICE_INFNO_ROUTE,
  CALL_SERVICE_ROUTE,
  CALL_SERVICE_SLASH_ROUTE,
  GATEWAY,
  matchNationalUrl,
  type NationalRoute,
  PATH_INFNO,
  SHIM_ROUTE,
  unknownPathMessage,
} from '../national/national-routes';
import type { NationalService } from '../national/national-service';
import { discardCapBytes, discardRest } from '../national/oversized-body';
import { TASK_ID_HEADER, taskIdHeaderValue } from '../national/recorded-task-id';
import type { AnalysisRecord } from '../store/records';

export interface NationalGatewayOptions {
  service: NationalService;
  answerer: NationalAnswerer;
  bodyLimitBytes: number;
  /** A 3101/3102 answer whose client was gone before it was written whole (AnalysisRecorder.undelivered). */
  undelivered: (record: AnalysisRecord) => void;
}

/** GET /: where the sidecar's interfaces are, for a person who opens its address (nothing of this machine's state). */
export const SERVICE_INDEX = {
  service: 'prealert sidecar',
  national: `POST ${CALL_SERVICE_ROUTE}`,
  status: '/v1/status',
  health: '/healthz',
  figures: '/v1/stats',
} as const;

/** The sidecar's own API: its clients (prealert push, fleet status) read `{"error"}`, not a national envelope. */
export const ADMIN_PREFIX = '/v1/admin/';

/**
 * The national routes. Whatever arrives (wrong charset, broken JSON, oversized body, unknown infno), the caller
 * gets a national envelope with HTTP 200 and infcode -1 naming the problem, as the provincial gateway answers.
 * Over a socket, most national calls never reach these routes: the direct lane (national/direct-lane.ts) answers
 * them with the same answerer. Here come browser calls (CORS), unusual bodies, and in-process injection.
 *
 * Also the sidecar's not-found answer (registered here so that it reads bodies as raw bytes, as the national
 * routes do: the root's JSON parser would answer a broken body with a 400 first). A POST to a path no route takes
 * is most likely a HIS with a mistyped base URL, and a HIS that reads the body into a class whose infcode
 * defaults to 0 takes `{"error"}` for "no violations": it gets a national envelope, infcode -1 naming the path and
 * the right one. HTTP 404 all the same: the path does not exist, a HIS that looks at the status sees a failed
 * call either way, and IT's monitoring and the request log see a wrong URL instead of a busy gateway.
 */
export async function nationalGateway(app: FastifyInstance, options: NationalGatewayOptions): Promise<void> {
  const { service, answerer } = options;

  // Bodies stay raw bytes here: the charset decides how to decode them, and a JSON error must become an envelope.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: options.bodyLimitBytes }, (_req, body, done) => {
    done(null, body);
  });

  const send = (request: FastifyRequest, reply: FastifyReply, answered: Answered) => {
    request.prealert = answered.facts;
    if (answered.facts.taskId !== undefined) reply.header(TASK_ID_HEADER, taskIdHeaderValue(answered.facts.taskId));
    const record = answered.record;
    if (record !== undefined) watchDelivery(reply.raw, () => options.undelivered(record));
    return reply.code(answered.status).header('content-type', answered.contentType).send(answered.payload);
  };

  app.setErrorHandler(async (error: Error & { code?: string; statusCode?: number }, request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      // fastify refuses before reading (or part-way): the rest is read first, so that the client gets the answer.
      const outcome = await discardRest(request.raw, discardCapBytes(options.bodyLimitBytes));
      // Read to its end, the connection is in step again and may serve the HIS's next call.
      if (outcome === 'drained') reply.removeHeader('connection');
    }
    if (isUnknownNationalPost(request)) return send(request, reply, unknownPath(service, request));
    const message =
      error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? bodyTooLargeMessage(options.bodyLimitBytes)
        : error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? `Content-Type "${request.headers['content-type'] ?? ''}" 无效: 应为 application/json; charset=utf-8`
          : `请求无法读取 (${error.code ?? error.name})`;
    request.prealert = { infno: infnoOf(request), ok: false, error: shortenError(message) };
    const rendered = render(service.error({ receivedAt: new Date() }, message).envelope);
    return reply.code(rendered.status).header('content-type', rendered.contentType).send(rendered.payload);
  });

  app.setNotFoundHandler((request, reply) => {
    if (isUnknownNationalPost(request)) return send(request, reply, unknownPath(service, request));
    const path = request.url.split('?', 1)[0] ?? '';
    // Whoever first opens the sidecar's address or the callService URL in a browser (IT checking an install, a HIS
    // vendor trying the base URL) got `no route GET /…` and took the sidecar for broken or the URL for wrong.
    if (path === '/' && (request.method === 'GET' || request.method === 'HEAD')) return reply.send(SERVICE_INDEX);
    if (matchNationalUrl(path) !== undefined) {
      return reply
        .code(405)
        .header('allow', 'POST')
        .send({
          error: `${request.method} ${path}: the national interface takes POST, with the request envelope as JSON`,
        });
    }
    return reply.code(404).send({ error: `no route ${request.method} ${request.url}` });
  });

  const handle = async (request: FastifyRequest, reply: FastifyReply, route: NationalRoute) =>
    send(request, reply, await answerer(request.headers, request.body, route));

  app.post(CALL_SERVICE_ROUTE, (request, reply) => handle(request, reply, GATEWAY));
  app.post(CALL_SERVICE_SLASH_ROUTE, (request, reply) => handle(request, reply, GATEWAY));
  // An infno that is not letters and digits (`callService%2F..`, `/v1/yb/`) means a wrong path, as on the direct lane.
  app.post<{ Params: { infno: string } }>(CALL_SERVICE_INFNO_ROUTE, (request, reply) => {
    const { infno } = request.params;
    if (!PATH_INFNO.test(infno)) return send(request, reply, unknownPath(service, request));
    return handle(request, reply, { kind: 'gateway', infno });
  });
  app.post<{ Params: { infno: string } }>(SHIM_ROUTE, (request, reply) => {
    const { infno } = request.params;
    if (!PATH_INFNO.test(infno)) return send(request, reply, unknownPath(service, request));
    return handle(request, reply, { kind: 'shim', infno });
  });
}

/** A POST that no route took, outside the sidecar's admin API. */
export function isUnknownNationalPost(request: FastifyRequest): boolean {
  return request.method === 'POST' && request.routeOptions.url === undefined && !request.url.startsWith(ADMIN_PREFIX);
}

/** HTTP 404 with infcode -1, in the charset the request was in (as labelled, or GBK found in its bytes). */
export function unknownPath(service: NationalService, request: FastifyRequest): Answered {
  const message = unknownPathMessage(request.method, request.url);
  let charset = 'utf-8';
  try {
    charset = requestCharset(request.headers['content-type']);
  } catch (error) {
    if (!(error instanceof CharsetError)) throw error;
  }
  if (Buffer.isBuffer(request.body) && request.body.length > 0)
    charset = decodeRequestBody(request.body, charset).charset;
  return {
    facts: { infno: '-', ok: false, error: shortenError(message) },
    ...render(service.error({ receivedAt: new Date() }, message).envelope, { charset }, 404),
  };
}

/** Names the setting as IT writes it: there is no environment variable for it. */
export function bodyTooLargeMessage(bodyLimitBytes: number): string {
  return `请求体超过 ${bodyLimitBytes} 字节上限（可在 prealert.config.json 的 bodyLimitBytes 调整）`;
}

function infnoOf(request: FastifyRequest): string {
  const params = request.params as { infno?: string } | undefined;
  return params?.infno ?? '-';
}
