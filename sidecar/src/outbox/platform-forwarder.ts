import { Agent, request } from 'undici';
import type { PlatformConfig } from '../config';
import type { OutboxEntry } from '../store/outbox';
import { requestTarget } from '../url-credentials';
import { type DeliveryFailure, httpFailure } from './delivery-failure';
import type { OutboxDestination } from './outbox-forwarder';

/**
 * The 数据归集 platform: each entry is POSTed as {id, kind, created_at, payload} with its id as `Idempotency-Key`
 * (the receiver dedups); 2xx, or 409 (already have it), is taken. Each request gives up after `timeoutMs`, so a
 * platform that hangs costs one timeout per probe (outbox-forwarder.ts), not one per pending entry.
 */
export function platformDestination(config: PlatformConfig & { url: string }): OutboxDestination {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 2 });
  // userinfo in the URL is sent as HTTP Basic authorization (undici would drop it); explicit headers win.
  const target = requestTarget(config.url);
  return {
    name: 'platform',
    kinds: ['disposition', 'daily_figures'],
    retryMinMs: config.retryMinMs,
    retryMaxMs: config.retryMaxMs,
    async deliver(entry: OutboxEntry): Promise<DeliveryFailure | undefined> {
      const response = await request(target.url, {
        method: 'POST',
        dispatcher: agent,
        signal: AbortSignal.timeout(config.timeoutMs),
        headers: {
          ...target.headers,
          ...config.headers,
          'content-type': 'application/json; charset=utf-8',
          'idempotency-key': entry.id,
        },
        body: `{"id":${JSON.stringify(entry.id)},"kind":${JSON.stringify(entry.kind)},"created_at":${JSON.stringify(
          new Date(entry.createdAt).toISOString(),
        )},"payload":${entry.payload}}`,
      });
      await response.body.dump();
      const ok = (response.statusCode >= 200 && response.statusCode < 300) || response.statusCode === 409;
      return ok ? undefined : httpFailure(response.statusCode);
    },
    close: () => agent.close(),
  };
}
