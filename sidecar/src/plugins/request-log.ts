import type { FastifyInstance } from 'fastify';
import type { Logger } from '../logging';
import type { SidecarMetrics } from '../sidecar-metrics';
import '../request-facts';

/**
 * One log line and one metrics observation per request, after the response went out. The line carries the route
 * pattern, the task id and the time taken; never a body, so no patient data can reach the log from here.
 */
export async function requestLog(
  app: FastifyInstance,
  options: { logger: Logger; metrics: SidecarMetrics },
): Promise<void> {
  const { logger, metrics } = options;
  app.decorateRequest('prealert', null);
  // Callback style: no promise per request.
  app.addHook('onResponse', (request, reply, done) => {
    const ms = reply.elapsedTime;
    const facts = request.prealert;
    const route = request.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    if (facts) metrics.nationalRequests++;
    metrics.request(route, facts?.infno ?? '-', status < 400 && (facts?.ok ?? true), ms / 1000);
    if (logger.isLevelEnabled('info')) {
      logger.info(
        {
          req_id: request.id,
          method: request.method,
          route,
          status,
          infno: facts?.infno,
          task_id: facts?.taskId,
          ok: facts?.ok,
          err_msg: facts?.error,
          ms: Math.round(ms * 100) / 100,
        },
        'request',
      );
    }
    done();
  });
}
(requestLog as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
