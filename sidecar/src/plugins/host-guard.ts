import type { FastifyInstance } from 'fastify';
import { isLocalPeer, isLoopbackAddress, isLoopbackHost } from '../loopback-host';
import { NATIONAL_ROUTE_PATTERNS } from '../national/national-routes';
import { namesThisMachine } from '../own-host-names';
import { adminTokenCheck } from './admin-auth';
import { isUnknownNationalPost } from './national-gateway';

/**
 * DNS rebinding: a web page whose domain is made to resolve to 127.0.0.1 talks to the sidecar as its own origin,
 * so the browser neither sends a CORS preflight nor an Origin on a GET, and could read /v1/tasks (results, reasons)
 * and /v1/stats (doctors' figures). Such a request names the page's domain in Host: while the sidecar listens on
 * loopback only, every other route answers only requests that name it by a loopback name. The national routes
 * (national-routes.ts) and the not-found answer to a POST are left open to any Host (a drop-in for the gateway may be
 * reached under the gateway's name); the national routes refuse foreign origins themselves (national-answerer.ts).
 *
 * Listening beyond loopback (which README.md has IT do on every workstation for push and fleet status) the
 * workstation's own browser is as exposed as before, and the remote-records guard lets loopback peers read records
 * without the token: so a request from this machine must still name it by a loopback name or by one of its own
 * names or addresses, unless it carries the admin token (which a rebound page does not know). Other machines may use
 * any name for the machine (a DNS alias, a monitoring system's own): what they can read without the token holds no
 * patient's orders (remote-records-guard.ts).
 */
export async function hostGuard(
  app: FastifyInstance,
  options: { listenHost: string; adminToken: string | undefined },
): Promise<void> {
  const loopbackOnly = isLoopbackAddress(options.listenHost);
  const carriesAdminToken = adminTokenCheck(options.adminToken);
  app.addHook('onRequest', async (request, reply) => {
    const host = request.headers.host;
    if (isLoopbackHost(host) || NATIONAL_ROUTE_PATTERNS.has(request.routeOptions.url ?? '')) return;
    // A HIS reaching the sidecar under the gateway's name with a mistyped path gets the national envelope that
    // names the right one (it carries nothing of the records), not a 403 it cannot read.
    if (isUnknownNationalPost(request)) return;
    if (loopbackOnly) {
      return reply.code(403).send({ error: 'this sidecar answers only requests addressed to 127.0.0.1 or localhost' });
    }
    if (!isLocalPeer(request.socket.remoteAddress)) return;
    if (namesThisMachine(host, options.listenHost) || carriesAdminToken(request)) return;
    return reply.code(403).send({
      error:
        "this sidecar answers a request from this machine only when it is addressed to 127.0.0.1, localhost or one of this machine's own names or addresses, or carries the admin token",
    });
  });
}
// Hooks must reach every route, not only this plugin's own scope.
(hostGuard as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
