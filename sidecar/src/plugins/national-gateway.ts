import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CALL_SERVICE_ROUTE, SHIM_ROUTE } from '../national/direct-lane';
import { type NationalAnswerer, render, shortenError } from '../national/national-answerer';
import type { NationalService } from '../national/national-service';

export { CALL_SERVICE_ROUTE, SHIM_ROUTE };

export interface NationalGatewayOptions {
  service: NationalService;
  answerer: NationalAnswerer;
  bodyLimitBytes: number;
}

/**
 * The national routes. Whatever arrives (wrong charset, broken JSON, oversized body, unknown infno), the caller
 * gets a national envelope with HTTP 200 and infcode -1 naming the problem, as the provincial gateway answers.
 * Over a socket, most national calls never reach these routes: the direct lane (national/direct-lane.ts) answers
 * them with the same answerer. Here come browser calls (CORS), unusual bodies, and in-process injection.
 */
export async function nationalGateway(app: FastifyInstance, options: NationalGatewayOptions): Promise<void> {
  const { service, answerer } = options;

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
    request.prealert = { infno: infnoOf(request), ok: false, error: shortenError(message) };
    const rendered = render(service.error({ receivedAt: new Date() }, message).envelope);
    return reply.code(rendered.status).header('content-type', rendered.contentType).send(rendered.payload);
  });

  const handle = async (request: FastifyRequest, reply: FastifyReply, routeInfno: string | undefined) => {
    const answered = await answerer(request.headers, request.body, routeInfno);
    request.prealert = answered.facts;
    return reply.code(answered.status).header('content-type', answered.contentType).send(answered.payload);
  };

  app.post(CALL_SERVICE_ROUTE, (request, reply) => handle(request, reply, undefined));
  app.post<{ Params: { infno: string } }>(SHIM_ROUTE, (request, reply) => handle(request, reply, request.params.infno));
}

function infnoOf(request: FastifyRequest): string {
  const params = request.params as { infno?: string } | undefined;
  return params?.infno ?? '-';
}
