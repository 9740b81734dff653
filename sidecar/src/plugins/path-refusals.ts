import { MAX_TASK_ID_LENGTH } from '@prealert/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { NationalService } from '../national/national-service';
import { ADMIN_PREFIX, unknownPath } from './national-gateway';

/**
 * fastify's longest path parameter (maxParamLength, 100 by default). Every task_id a 3101/3102 may carry must reach
 * /v1/tasks/:task_id and /ui/reminder/:task_id: a recorded answer whose page answers 414 is lost to the doctor. The
 * router measures the segment as sent, still percent-encoded: one code point is at most 4 UTF-8 bytes, 12
 * characters as %XX escapes.
 */
export const MAX_PATH_PARAM_LENGTH = MAX_TASK_ID_LENGTH * 12;

type PathRefusal = (error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply) => void;

/**
 * fastify's frameworkErrors: a path the router refuses before any route runs. Its own answer carries an internal
 * FST_ERR_* code and no word of what is wrong; this one says it, as the sidecar's other non-national errors do.
 * A POST outside the admin API gets the national envelope that any other wrong POST path gets (HTTP 404,
 * infcode -1 naming the path): a HIS reading only the body into a class whose infcode defaults to 0 would take
 * `{"error"}` for "no violations", and a path the router cannot even read is no more a national route than a
 * mistyped one.
 */
export function pathRefusals(service: NationalService): PathRefusal {
  return (error, request, reply) => {
    if (request.method === 'POST' && !request.url.startsWith(ADMIN_PREFIX)) {
      const answered = unknownPath(service, request);
      request.prealert = answered.facts;
      void reply.code(answered.status).header('content-type', answered.contentType).send(answered.payload);
    } else if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
      void reply.code(414).send({ error: tooLong(request.url) });
    } else if (error.code === 'FST_ERR_BAD_URL') {
      // Also %ff: an escape, but of no UTF-8 text, so "a % must start an escape" alone misled whoever read it.
      void reply.code(400).send({
        error: 'path is not a valid URL: each % must start an escape of UTF-8 bytes, like %2F or %E5%8C%BB (医)',
      });
    } else {
      void reply.code(500).send({ error: 'internal error' });
    }
  };
}

/** The paths whose segment is a task_id: only there does its limit explain a refusal (not for /ui/assets/<file>). */
const TASK_PATHS = ['/v1/tasks/', '/ui/reminder/'];

function tooLong(url: string): string {
  if (TASK_PATHS.some((prefix) => url.startsWith(prefix))) {
    return `path segment too long: a task_id is at most ${MAX_TASK_ID_LENGTH} characters (a 3101/3102 with a longer one is refused)`;
  }
  return `path segment too long: at most ${MAX_PATH_PARAM_LENGTH} characters as sent`;
}
