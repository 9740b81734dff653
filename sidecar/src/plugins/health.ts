import type { FastifyInstance } from 'fastify';
import type { LibraryHolder } from '../library-holder';
import type { RecordsWriteWatch } from '../store/records-write-failure';
import type { LibrarySync } from '../sync/library-sync';

/**
 * /healthz: the process answers. /readyz: a library is active, so 3101/3102 can be evaluated; `degraded` when it is
 * stale but still answers, `refusing` (503) when it is stale and PREALERT_SYNC_WHEN_STALE=refuse. Also `degraded`
 * while 3101/3102 records cannot be written (a full disk): reminders are still answered, but held in memory only.
 */
export async function health(
  app: FastifyInstance,
  options: {
    holder: LibraryHolder;
    sync?: Pick<LibrarySync, 'staleness'>;
    recordsWrite?: Pick<RecordsWriteWatch, 'readinessProblem'>;
  },
): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const active = options.holder.get();
    const stale = active && options.sync?.staleness();
    // Stale: still answering (degraded), or by PREALERT_SYNC_WHEN_STALE=refuse refusing every 3101/3102, which IT
    // must tell apart from a workstation still reminding.
    const unwritten = options.recordsWrite?.readinessProblem;
    if (active && stale?.stale) {
      const reason = unwritten === undefined ? stale.reason : `${stale.reason}; ${unwritten}`;
      return reply
        .code(stale.serving ? 200 : 503)
        .send({ status: stale.serving ? 'degraded' : 'refusing', library: active.info.version, reason });
    }
    if (active && unwritten !== undefined)
      return { status: 'degraded', library: active.info.version, reason: unwritten };
    if (active) return { status: 'ready', library: active.info.version };
    return reply.code(503).send({ status: 'not_ready', reason: options.holder.loadError ?? 'no library active yet' });
  });
}
