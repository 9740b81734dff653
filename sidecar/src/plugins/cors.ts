import fastifyCors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import { TASK_ID_HEADER } from '../national/recorded-task-id';

/**
 * Lets a browser-based (B/S) doctor station on the listed origins call the workstation's sidecar. Chrome's
 * Private Network Access asks a loopback service, in the preflight, whether a public page may reach it
 * (`Access-Control-Request-Private-Network: true`); the answer header is added for allowed origins only.
 */
export async function cors(app: FastifyInstance, options: { origins: readonly string[] }): Promise<void> {
  if (options.origins.length === 0) return;
  const any = options.origins.includes('*');
  const allowed = new Set(options.origins);
  const isAllowed = (origin: string | undefined) => origin !== undefined && (any || allowed.has(origin));

  // Added before @fastify/cors's hook, which ends the preflight.
  app.addHook('onRequest', async (request, reply) => {
    if (
      request.method === 'OPTIONS' &&
      request.headers['access-control-request-private-network'] === 'true' &&
      isAllowed(request.headers.origin)
    ) {
      reply.header('Access-Control-Allow-Private-Network', 'true');
    }
  });
  await app.register(fastifyCors, {
    origin: any ? true : [...allowed],
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
