import fastifyCors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../logging';
import { isLoopbackHost } from '../loopback-host';
import { TASK_ID_HEADER } from '../national/recorded-task-id';
import { corsPolicy } from './cors-policy';
import type { CorsRefusals } from './cors-refusals';

/**
 * Lets a browser-based (B/S) doctor station on the listed origins call the workstation's sidecar. Chrome's
 * Private Network Access asks a loopback service, in the preflight, whether a public page may reach it
 * (`Access-Control-Request-Private-Network: true`); the answer header is added for origins listed by name only.
 * `"*"` never earns it: a page anywhere on the internet is exactly what Private Network Access keeps away from the
 * workstation (reading figures and tasks, sending 3101/3103). Where the browser enforces it, a page under `"*"`
 * reaches the sidecar only when served from the workstation itself; a doctor station served from the hospital's
 * network has to be listed by name.
 */
export async function cors(
  app: FastifyInstance,
  options: { origins: readonly string[]; logger: Logger; refusals: CorsRefusals },
): Promise<void> {
  const policy = corsPolicy(options.origins);
  // A refused origin gets a preflight answer without CORS headers, which the page sees only as "Failed to fetch",
  // the same as a stopped sidecar: the sidecar's side is the one place IT can learn which origin to list. Noted with
  // no list configured too, as a B/S station then reaches nothing.
  app.addHook('onRequest', async (request) => {
    const origin = request.headers.origin;
    if (origin === undefined) return;
    // Its own pages post from its own origin (the national route admits them the same way).
    if (isLoopbackHost(request.headers.host) && origin === `http://${request.headers.host}`) return;
    if (!policy.admits(origin)) {
      options.refusals.note(origin, 'origin_not_listed');
      return;
    }
    if (
      request.method === 'OPTIONS' &&
      request.headers['access-control-request-private-network'] === 'true' &&
      !policy.grantsPrivateNetwork(origin)
    ) {
      options.refusals.note(origin, 'private_network_not_granted');
    }
  });
  if (options.origins.length === 0) return;
  if (policy.anyOrigin) {
    options.logger.warn(
      'corsOrigins "*": any web page open in this workstation\'s browser can read its figures and tasks and send ' +
        "3101/3103 in its name (record reminders, or turn a 返回修改 into a 继续执行); list the doctor station's " +
        'origin instead (Private Network Access is granted only to origins listed by name)',
    );
  }

  // Added before @fastify/cors's hook, which ends the preflight.
  app.addHook('onRequest', async (request, reply) => {
    if (
      request.method === 'OPTIONS' &&
      request.headers['access-control-request-private-network'] === 'true' &&
      request.headers.origin !== undefined &&
      policy.grantsPrivateNetwork(request.headers.origin)
    ) {
      reply.header('Access-Control-Allow-Private-Network', 'true');
    }
  });
  await app.register(fastifyCors, {
    origin: policy.anyOrigin ? true : [...policy.named],
    methods: ['GET', 'POST', 'OPTIONS'],
    // No allowedHeaders: the headers a preflight asks for are echoed back, so a B/S HIS that also sends its
    // gateway's x-tif-* signature headers works by changing only its base URL. (Passing `undefined` would not do
    // this: it replaces the plugin's default of echoing with an empty list.)
    // A page on another origin reads only the answer headers listed here.
    exposedHeaders: [TASK_ID_HEADER],
    maxAge: 600,
  });
}
// Hooks must reach every route, not only this plugin's own scope.
(cors as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
