import { BundleError, MAX_MANIFEST_BYTES } from '@prealert/rules-cache';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { requireAdmin } from '../plugins/admin-auth';
import { splitFirstLine } from './first-line';
import { type LibrarySync, type PayloadKind, SyncRequestError } from './library-sync';
import { readShrinkConsent, SHRINK_CONSENT_FORMS } from './shrink-consent';

export interface SyncPluginOptions {
  sync: LibrarySync;
  adminToken?: string;
}

/** Media types a pushed bundle may be sent as; the body is streamed, never buffered whole. */
export const PUSH_CONTENT_TYPES = ['application/x-ndjson', 'application/octet-stream'];

function refuse(reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof SyncRequestError) return reply.code(error.statusCode).send({ error: error.message });
  if (error instanceof BundleError) {
    return reply.code(422).send({ error: error.message, code: error.code, where: error.where ?? null });
  }
  if (error instanceof RangeError) return reply.code(400).send({ error: error.message });
  throw error;
}

/** A yes/no query parameter: absent is no; undefined when it is neither. */
function flag(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '' || value === '0' || value === 'false') return false;
  if (value === '1' || value === 'true') return true;
  return undefined;
}

function badShrinkConsent(reply: FastifyReply, value: string | undefined): FastifyReply {
  return reply.code(400).send({ error: `allow_shrink must be ${SHRINK_CONSENT_FORMS} (got ${JSON.stringify(value)})` });
}

/**
 * The sync side of the sidecar: restores the last-good library when registered, polls while the server runs, and
 * adds the admin endpoints (behind the admin token, like every /v1/admin route):
 *   POST /v1/admin/bundle[?part=delta][&allow_older=1][&allow_shrink=<sha256>|1]  a pushed bundle: manifest line,
 *                                       then the library (or delta) file; allow_older: take it though it is older than
 *                                       the one running; allow_shrink: though it drops more points than the guard
 *                                       allows (named by sha256 or a 12+ digit prefix: only that library, else 409)
 *   POST /v1/admin/rollback[?reactivate_held_back=1]  reactivate the previous version; one held back (the
 *                                       version a rollback left) only with reactivate_held_back
 *   POST /v1/admin/sync[?allow_shrink=<sha256>|1]  poll the platform now; allow_shrink: activate the library
 *                                       offered even if it drops more points than the guard allows (a held one, on
 *                                       purpose); named by sha256 (or a 12+ digit prefix), only if it is still the
 *                                       one offered, else 409 naming both
 */
export async function syncPlugin(app: FastifyInstance, options: SyncPluginOptions): Promise<void> {
  const { sync } = options;
  await sync.restore();
  app.addHook('onReady', async () => sync.startPolling());
  app.addHook('onClose', async () => sync.stop());

  await app.register(
    async (admin) => {
      admin.addHook('onRequest', requireAdmin(options.adminToken));
      // Only bundle streams: anything else (JSON included) is answered 415 before its body is read.
      admin.removeAllContentTypeParsers();
      admin.addContentTypeParser(PUSH_CONTENT_TYPES, (_request, payload, done) => done(null, payload));

      admin.post<{ Querystring: { part?: string; allow_older?: string; allow_shrink?: string } }>(
        '/bundle',
        async (request, reply) => {
          const part = request.query.part ?? 'full';
          if (part !== 'full' && part !== 'delta') {
            return reply.code(400).send({ error: `part must be full or delta (got ${JSON.stringify(part)})` });
          }
          const allowOlder = flag(request.query.allow_older);
          if (allowOlder === undefined) {
            return reply
              .code(400)
              .send({ error: `allow_older must be 1 or 0 (got ${JSON.stringify(request.query.allow_older)})` });
          }
          const allowShrink = readShrinkConsent(request.query.allow_shrink);
          if (allowShrink === undefined) return badShrinkConsent(reply, request.query.allow_shrink);
          const body = request.body as AsyncIterable<Uint8Array> | undefined;
          if (!body || typeof (body as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] !== 'function') {
            return reply.code(415).send({ error: `send the bundle as ${PUSH_CONTENT_TYPES.join(' or ')}` });
          }
          // One reader for the whole upload, so that whatever the handler leaves unread can be drained through it.
          const chunks = body[Symbol.asyncIterator]();
          let answer: unknown;
          let failure: unknown;
          /** Set once sync.push has the manifest: from then on it notes its own refusals. */
          let handedOver = false;
          try {
            if (!sync.pushEnabled)
              throw new SyncRequestError(
                "push is disabled: no trusted key (PREALERT_SYNC_PUBKEY or the config file's sync.pubkey)",
                403,
              );
            const { first, rest } = await splitFirstLine({ [Symbol.asyncIterator]: () => chunks }, MAX_MANIFEST_BYTES);
            handedOver = true;
            const outcome = await sync.push(
              first,
              part as PayloadKind,
              async (onChunk) => {
                for await (const chunk of rest) await onChunk(chunk);
              },
              { allowOlder, allowShrink },
            );
            answer = { ...outcome, library: sync.status().library };
          } catch (error) {
            failure = error;
            if (!handedOver) sync.noteRefusedPush(error);
          }
          // Answered before the whole upload was read (refused, or already current): the rest is drained before
          // answering, since a pusher still writing when the answer and a close arrive sees EPIPE instead of the
          // reason. Through the same reader: resume() does nothing while the iterator's 'readable' listener is on.
          if (!request.raw.readableEnded) {
            try {
              while (!(await chunks.next()).done) {}
            } catch {
              // The pusher went away; there is nobody left to answer.
            }
          }
          return failure === undefined ? answer : refuse(reply, failure);
        },
      );

      admin.post<{ Querystring: { reactivate_held_back?: string } }>('/rollback', async (request, reply) => {
        const reactivateHeldBack = flag(request.query.reactivate_held_back);
        if (reactivateHeldBack === undefined) {
          return reply.code(400).send({
            error: `reactivate_held_back must be 1 or 0 (got ${JSON.stringify(request.query.reactivate_held_back)})`,
          });
        }
        try {
          const report = await sync.rollback({ reactivateHeldBack });
          return { outcome: 'rolled_back', report, library: sync.status().library };
        } catch (error) {
          return refuse(reply, error);
        }
      });

      admin.post<{ Querystring: { allow_shrink?: string } }>('/sync', async (request, reply) => {
        const allowShrink = readShrinkConsent(request.query.allow_shrink);
        if (allowShrink === undefined) return badShrinkConsent(reply, request.query.allow_shrink);
        const outcome = await sync.pollNow({ fresh: true, allowShrink });
        // Named another library than the one offered now: a conflict with what IT asked for, not a poll's answer.
        if (outcome.outcome === 'not_named')
          return reply.code(409).send({ error: outcome.reason, ...outcome, sync: sync.status() });
        return { ...outcome, sync: sync.status() };
      });
    },
    { prefix: '/v1/admin' },
  );
}
