import type { FastifyInstance } from 'fastify';
import { isLoopbackAddress, isLoopbackHost } from '../loopback-host';
import { NATIONAL_ROUTE_PATTERNS } from '../national/national-routes';
import { isUnknownNationalPost } from './national-gateway';

/**
 * DNS rebinding: a web page whose domain is made to resolve to 127.0.0.1 talks to the sidecar as its own origin,
 * so the browser neither sends a CORS preflight nor an Origin on a GET, and could read /v1/tasks (results, reasons)
 * and /v1/stats (doctors' figures). Such a request names the page's domain in Host: while the sidecar listens on
 * loopback only, every other route answers only requests that name it by a loopback name. The national routes
 * (national-routes.ts) and the not-found answer to a POST are left open to any Host (a drop-in for the gateway may be
 * reached under the gateway's name); the national routes refuse foreign origins themselves (national-answerer.ts).
 * Listening beyond loopback is a deliberate choice of the hospital's, whose clients may use any of the machine's
 * names; then no Host is refused.
 */
export async function hostGuard(app: FastifyInstance, options: { listenHost: string }): Promise<void> {
  if (!isLoopbackAddress(options.listenHost)) return;
  app.addHook('onRequest', async (request, reply) => {
    if (isLoopbackHost(request.headers.host) || NATIONAL_ROUTE_PATTERNS.has(request.routeOptions.url ?? '')) return;
    // A HIS reaching the sidecar under the gateway's name with a mistyped path gets the national envelope that
    // names the right one (it carries nothing of the records), not a 403 it cannot read.
    if (isUnknownNationalPost(request)) return;
    return reply.code(403).send({ error: 'this sidecar answers only requests addressed to 127.0.0.1 or localhost' });
  });
}
// Hooks must reach every route, not only this plugin's own scope.
(hostGuard as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
