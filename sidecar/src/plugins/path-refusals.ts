import { MAX_TASK_ID_LENGTH } from '@prealert/core';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * fastify's longest path parameter (maxParamLength, 100 by default). Every task_id a 3101/3102 may carry must reach
 * /v1/tasks/:task_id and /ui/reminder/:task_id: a recorded answer whose page answers 414 is lost to the doctor. The
 * router measures the segment as sent, still percent-encoded: one code point is at most 4 UTF-8 bytes, 12
 * characters as %XX escapes.
 */
export const MAX_PATH_PARAM_LENGTH = MAX_TASK_ID_LENGTH * 12;

/**
 * fastify's frameworkErrors: a path the router refuses before any route runs. Its own answer carries an internal
 * FST_ERR_* code and no word of what is wrong; this one says it, as the sidecar's other non-national errors do.
 */
export function refusedPath(error: Error & { code?: string }, _request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void reply.code(414).send({
      error: `path segment too long: a task_id is at most ${MAX_TASK_ID_LENGTH} characters (a 3101/3102 with a longer one is refused)`,
    });
  } else if (error.code === 'FST_ERR_BAD_URL') {
    void reply.code(400).send({ error: 'path is not a valid URL: a % must start an escape like %2F' });
  } else {
    void reply.code(500).send({ error: 'internal error' });
  }
}
