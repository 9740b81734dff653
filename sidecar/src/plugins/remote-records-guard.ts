import type { FastifyInstance } from 'fastify';
import { isLocalPeer, isLoopbackAddress } from '../loopback-host';
import { requireAdmin } from './admin-auth';

/** Routes that read what was prescribed and decided on this workstation: results, reasons, doctors' figures. */
const RECORD_ROUTES = new Set(['/v1/tasks/:task_id', '/v1/stats', '/v1/stats.csv']);

/**
 * A hospital that lets the sidecar listen beyond loopback (so IT can push libraries and read fleet status) has not
 * thereby published its records to the ward's network: another machine reads tasks and figures only with the admin
 * token, as it administers only with it. Processes on the workstation itself read them as before; status, health
 * and metrics (which hold no patient's orders) are left as they are, and the national routes are guarded by
 * remote-national-guard.ts.
 */
export async function remoteRecordsGuard(
  app: FastifyInstance,
  options: { listenHost: string; adminToken: string | undefined },
): Promise<void> {
  if (isLoopbackAddress(options.listenHost)) return;
  const admin = requireAdmin(
    options.adminToken,
    'records are readable from another machine only with an admin token (PREALERT_ADMIN_TOKEN)',
  );
  app.addHook('onRequest', async function (request, reply) {
    if (!RECORD_ROUTES.has(request.routeOptions.url ?? '') || isLocalPeer(request.socket.remoteAddress)) return;
    return admin.call(this, request, reply);
  });
}
// Hooks must reach every route, not only this plugin's own scope.
(remoteRecordsGuard as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
