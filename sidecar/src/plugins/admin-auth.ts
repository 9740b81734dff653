import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { secretMatcher } from '../secret-compare';

/**
 * What a sidecar without an admin token answers an admin call: where the token is set, and the rollback that needs
 * none (on the workstation, the sidecar stopped), since a rollback is when IT meets this refusal.
 */
export const ADMIN_DISABLED =
  'admin endpoints are disabled: no admin token is configured (PREALERT_ADMIN_TOKEN, or "adminToken" in prealert.config.json, then restart the sidecar); to roll back the library without one, stop the sidecar and run `prealert rollback` on the workstation';

/**
 * The onRequest hook of the /v1/admin scope. Without a configured admin token every admin endpoint answers 403,
 * so a workstation is never administrable by accident; with one, `Authorization: Bearer <token>` must match,
 * compared in constant time.
 */
export function requireAdmin(
  adminToken: string | undefined,
  /** What a 403 says when no token is configured. */
  disabled = ADMIN_DISABLED,
): onRequestAsyncHookHandler {
  const carriesToken = adminTokenCheck(adminToken);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (!adminToken) return reply.code(403).send({ error: disabled });
    if (!carriesToken(request)) {
      return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'admin token missing or wrong' });
    }
  };
}

/**
 * Whether a request carries the admin token as `Authorization: Bearer <token>`, compared in constant time; always
 * false without a configured token.
 */
export function adminTokenCheck(adminToken: string | undefined): (request: FastifyRequest) => boolean {
  if (!adminToken) return () => false;
  const matches = secretMatcher(adminToken);
  return (request) => {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(.+)$/i.exec(header) : null;
    return match !== null && matches(match[1]!.trim());
  };
}
