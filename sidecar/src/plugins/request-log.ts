import type { FastifyInstance } from 'fastify';
import { type Logger, maskedAndCut, maskedForLog } from '../logging';
import type { RequestFacts } from '../request-facts';
import type { SidecarMetrics } from '../sidecar-metrics';
import '../request-facts';

/** A request once answered: what its log line and metrics observation say. */
export interface RequestOutcome {
  reqId: string;
  method: string;
  /** The route pattern, never the URL as sent (no query strings or path parameters in metrics labels). */
  route: string;
  status: number;
  facts: RequestFacts | null;
  ms: number;
  /** Which path answered: the direct national lane, or fastify's routes. */
  lane: 'direct' | 'fastify';
  /** The client's User-Agent header: the native shim names its build there (`prealert-shim/0.1.0+<commit>.<day> …`). */
  userAgent: string | undefined;
}

export type RequestReporter = (outcome: RequestOutcome) => void;

/**
 * One log line and one metrics observation per request, after the response went out. The line carries the route
 * pattern, the task id and the time taken; never a body, and err_msg without the values it quotes (errorForLog). Shared by
 * fastify's routes (the hook below) and the direct national lane.
 */
export function requestReporter(logger: Logger, metrics: SidecarMetrics): RequestReporter {
  return ({ reqId, method, route, status, facts, ms, lane, userAgent }) => {
    if (facts) metrics.nationalRequests++;
    metrics.request(route, facts?.infno ?? '-', status < 400 && (facts?.ok ?? true), ms / 1000);
    if (logger.isLevelEnabled('info')) {
      logger.info(
        {
          req_id: reqId,
          method,
          route,
          status,
          infno: facts?.infno === undefined ? undefined : loggedInfno(facts.infno),
          // A HIS whose mapping slipped a column may send a phone number there, as a name or an ID number.
          task_id: facts?.taskId === undefined ? undefined : maskedForLog(facts.loggedTaskId ?? facts.taskId),
          ok: facts?.ok,
          err_msg: facts?.error,
          ms: Math.round(ms * 100) / 100,
          lane,
          // Which shim build (or browser) called, so a workstation still running an older DLL shows up in the log.
          // The client's own text, which a HIS fills as it likes (a support line's phone number, an ID number): masked as
          // the other log text is (maskedForLog), whole, before it is cut, so no cut leaves a number's digits unmasked.
          user_agent: userAgent === undefined ? undefined : cutForLog(maskedForLog(userAgent), 160),
        },
        'request',
      );
    }
  };
}

/** At most `max` characters of text already masked, `…` marking a cut. */
function cutForLog(masked: string, max: number): string {
  return masked.length > max ? `${masked.slice(0, max)}…` : masked;
}

/** A transaction code as HIS send them, right or mistyped (`3101`, `3101 `, `310l`, `-`): letters, digits, signs. */
const CODE_LIKE = /^[\x21-\x7e]*$/;

/**
 * The infno for the log: a code-like one (ID numbers masked first, then cut) tells IT which call a HIS sent; any
 * other text is dropped as errorForLog drops quoted values. A HIS whose mapping slipped a column sends the patient's
 * name there (「张三丰110105…」), which masking ID numbers alone left in the log.
 */
export function loggedInfno(infno: string): string {
  const masked = maskedAndCut(infno, 20);
  // Spaces around a code are a HIS's padding (`3101 `), not a name.
  return CODE_LIKE.test(infno.trim()) ? masked : '[值略]';
}

const MAX_SMI = 2147483647;
let lastRequestId = 0;

/** Request ids as fastify makes them ("req-1b"), from one counter for fastify's routes and the direct lane. */
export function nextRequestId(): string {
  lastRequestId = (lastRequestId + 1) & MAX_SMI;
  return `req-${lastRequestId.toString(36)}`;
}

export async function requestLog(app: FastifyInstance, options: { report: RequestReporter }): Promise<void> {
  const { report } = options;
  app.decorateRequest('prealert', null);
  // Callback style: no promise per request.
  app.addHook('onResponse', (request, reply, done) => {
    report({
      reqId: request.id,
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: reply.statusCode,
      facts: request.prealert,
      ms: reply.elapsedTime,
      lane: 'fastify',
      userAgent: request.headers['user-agent'],
    });
    done();
  });
}
(requestLog as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
