import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { secretMatcher } from '../secret-compare';

/**
 * The onRequest hook of the /v1/admin scope. Without a configured admin token every admin endpoint answers 403,
 * so a workstation is never administrable by accident; with one, `Authorization: Bearer <token>` must match,
 * compared in constant time.
 */
export function requireAdmin(
  adminToken: string | undefined,
  /** What a 403 says when no token is configured. */
  disabled = 'admin endpoints are disabled: no admin token is configured (PREALERT_ADMIN_TOKEN)',
): onRequestAsyncHookHandler {
  const matches = adminToken ? secretMatcher(adminToken) : undefined;
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (!matches) return reply.code(403).send({ error: disabled });
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(.+)$/i.exec(header) : null;
    if (!match || !matches(match[1]!.trim())) {
      return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'admin token missing or wrong' });
    }
  };
}
