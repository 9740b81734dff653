import type { IncomingMessage, ServerResponse } from 'node:http';
import { isLocalPeer } from '../loopback-host';
import type { RequestReporter } from '../plugins/request-log';
import type { AnalysisRecord } from '../store/records';
import { utf8Bytes } from './body-charset';
import { watchWrittenDelivery } from './delivery-watch';
import { failedAnswer, type NationalAnswerer } from './national-answerer';
import { matchNationalUrl } from './national-routes';
import type { NationalService } from './national-service';
import { TASK_ID_HEADER, taskIdHeaderValue } from './recorded-task-id';

const JSON_TYPE = /^application\/json\s*(;|$)/i;

export interface DirectLaneOptions {
  answerer: NationalAnswerer;
  service: NationalService;
  bodyLimitBytes: number;
  report: RequestReporter;
  nextRequestId: () => string;
  /** True once the server is closing: requests then go to fastify, which answers 503. */
  closing: () => boolean;
  /** Calls from other machines go to fastify, whose remote-national-guard.ts refuses them. */
  localOnly?: boolean;
  /** A 3101/3102 answer whose client was gone before it was written whole (AnalysisRecorder.undelivered). */
  undelivered: (record: AnalysisRecord) => void;
}

/** Takes a request (true) or leaves it to fastify (false). */
export type DirectLane = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * The HIS's national calls straight from node:http to the answerer, in front of fastify. They are nearly all the
 * sidecar's traffic, and fastify's request and reply objects, routing and hooks cost as much per call as the
 * sidecar's own recording. Taken here: a POST to a national or the shim route (national-routes.ts) with a declared
 * length within the limit and a JSON content type, from a desktop HIS (no Origin header). Everything else — browser
 * calls that need CORS headers, chunked or oversized bodies, other routes — goes to fastify, which answers the same
 * through the same answerer (plugins/national-gateway.ts). The log line and metrics are the same either way.
 */
export function directLane(options: DirectLaneOptions): DirectLane {
  const { answerer, service, report, bodyLimitBytes } = options;
  return (req, res) => {
    if (req.method !== 'POST') return false;
    const matched = req.url === undefined ? undefined : matchNationalUrl(req.url);
    if (!matched) return false;
    if (options.localOnly && !isLocalPeer(req.socket.remoteAddress)) return false;
    const { pattern, route } = matched;
    const headers = req.headers;
    const type = headers['content-type'];
    const declared = headers['content-length'];
    if (
      headers.origin !== undefined ||
      headers['transfer-encoding'] !== undefined ||
      type === undefined ||
      !JSON_TYPE.test(type) ||
      declared === undefined
    )
      return false;
    const length = Number(declared);
    if (!Number.isInteger(length) || length <= 0 || length > bodyLimitBytes || options.closing()) return false;

    const startedAt = performance.now();
    const reqId = options.nextRequestId();
    const chunks: Buffer[] = [];
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      chunks.push(chunk);
    });
    req.on('error', () => {
      if (!res.headersSent) res.destroy();
    });
    req.on('end', () => {
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received);
      // node:http ends a body at its declared length; a shorter one never ends. Checked all the same.
      const answering =
        received === length ? answerer(headers, body, route) : Promise.reject(new Error('content length'));
      answering
        .catch((error: Error & { code?: string }) =>
          failedAnswer(service, `请求无法读取 (${error.code ?? error.name})`, route, new Date()),
        )
        .then((answered) => {
          // Encoded once here: the length comes from the bytes, and the socket gets bytes, not a string to encode.
          const payload = typeof answered.payload === 'string' ? utf8Bytes(answered.payload) : answered.payload;
          // And let go of at once. `answered` outlives this call by more than two scavenges (nothing live holds
          // it in a heap snapshot, yet what it carried was promoted): with 7.6 kB answer texts on it, the request
          // thread promoted about 15 MB/s under load and its scavenges took 2.5 ms instead of 1.3
          // (--trace-gc-nvp); with the bytes on it, their memory outside the heap waited for full collections,
          // four times as many.
          answered.payload = '';
          // The record too (results, findings, encounters: about as large as the answer), for the same reason: held
          // there by the finish listener below, it was promoted with every answer, and the request thread's scavenges
          // took 45 ms per 1,000 answers instead of 15, with four times the full collections (--trace-gc, pnpm
          // bench:http). The recorder and the delivery watch hold their own reference for as long as they need it.
          const record = answered.record;
          answered.record = undefined;
          const head: Record<string, string | number> = {
            'content-type': answered.contentType,
            'content-length': payload.length,
          };
          if (answered.facts.taskId !== undefined) head[TASK_ID_HEADER] = taskIdHeaderValue(answered.facts.taskId);
          // Shutting down: the HIS opens a new connection for its next call instead of the server waiting out
          // the keep-alive timeout for this one (fastify does the same for requests it answers while closing).
          if (options.closing()) head.connection = 'close';
          // Logged once the answer is out, as fastify's onResponse does; a client gone by then is not logged as
          // answered.
          res.once('finish', () => {
            try {
              report({
                reqId,
                method: 'POST',
                route: pattern,
                status: answered.status,
                facts: answered.facts,
                ms: performance.now() - startedAt,
                lane: 'direct',
                userAgent: headers['user-agent'],
              });
            } catch {
              // The log line and metrics must never take a connection down.
            }
          });
          res.writeHead(answered.status, head);
          res.end(payload);
          if (record !== undefined) watchWrittenDelivery(res, () => options.undelivered(record));
        })
        .catch(() => {
          // The connection went away while answering: nobody is left to tell.
          res.destroy();
        });
    });
    return true;
  };
}
