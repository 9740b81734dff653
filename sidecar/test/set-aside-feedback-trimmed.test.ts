/**
 * A 3103 entry for the provincial gateway that was set aside as unreadable and is readable again (repaired by IT, or
 * left so by an earlier build) is checked before it is sent: the warns a later 3103 named are taken out, as add()
 * would have done had it been readable then, so the gateway never gets an older decision after a newer one. A real
 * sidecar over a real SQLite file, real 3101/3103 over loopback, a stand-in gateway on loopback.
 */
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNREADABLE_PAYLOAD } from '../src/store/outbox';
import { analysisEnvelope, feedbackEnvelope } from './fixtures/his-requests';
import { capturingLogger } from './helpers/capturing-logger';
import { type FakeGateway, startEncounterGateway } from './helpers/fake-gateway';
import { callService, testServer } from './helpers/test-server';
import { until } from './helpers/until';

const ADMIN_TOKEN = 'admin-token-trimmed-0123456789';

let gateway: FakeGateway;
const sent3103: string[][] = [];

beforeAll(async () => {
  gateway = await startEncounterGateway((warnIds) => {
    sent3103.push(warnIds);
    return undefined;
  });
});
afterAll(() => gateway.close());

/** Every 3103 marked delivered, not only received by the stand-in. */
const allDelivered = (server: { db: Database.Database }) =>
  server.db
    .prepare("SELECT COUNT(*) FROM outbox WHERE kind = 'upstream_feedback' AND delivered_at IS NULL")
    .pluck()
    .get() === 0;

/**
 * A 3101 for each encounter (the stand-in gateway answers GW-<encounter>), then one 3103 sending both back (返回修改),
 * received by the stand-in and marked delivered.
 */
async function bothSentBackAndDelivered(
  server: Awaited<ReturnType<typeof testServer>>,
  encounters: readonly [string, string],
): Promise<void> {
  for (const encounter of encounters) await callService(server, analysisEnvelope({ encounterId: encounter }));
  const sentBefore = sent3103.length;
  const both = await callService(
    server,
    feedbackEnvelope(encounters.map((encounter) => ({ jrId: `GW-${encounter}`, way: '2' as const }))),
  );
  expect(both.body.infcode).toBe(0);
  await until(() => sent3103.length === sentBefore + 1);
  await until(() => allDelivered(server));
}

describe('a repaired set-aside 3103 entry', () => {
  it('is sent without the warns a later 3103 named', async () => {
    const { logger, lines } = capturingLogger();
    const server = await testServer(
      { adminToken: ADMIN_TOKEN, upstream: { url: gateway.url, timeoutMs: 5_000 } },
      { logger },
    );
    try {
      // Marked delivered first: a later decision stored before that would trim it in the outbox (add()) instead.
      await bothSentBackAndDelivered(server, ['TRIM-1', 'TRIM-2']);
      const first = server.db
        .prepare("SELECT id FROM outbox WHERE kind = 'upstream_feedback' ORDER BY created_at, id")
        .pluck()
        .get() as string;
      const later = await callService(
        server,
        feedbackEnvelope([{ jrId: 'GW-TRIM-1', way: '1', reason: '患者知情同意' }]),
      );
      expect(later.body.infcode).toBe(0);
      await until(() => sent3103.length === 2);
      expect(sent3103).toEqual([['GW-TRIM-1', 'GW-TRIM-2'], ['GW-TRIM-1']]);

      // The first as a set-aside entry repaired after the later one was sent: due again, not yet delivered.
      server.db
        .prepare('UPDATE outbox SET delivered_at = NULL, last_error = ?, next_attempt_at = 0 WHERE id = ?')
        .run(UNREADABLE_PAYLOAD, first);
      const retry = await server.app.inject({
        method: 'POST',
        url: '/v1/admin/outbox/retry',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(retry.statusCode).toBe(200);
      await until(() => sent3103.length === 3);
      // Only the warn no later 3103 named: GW-TRIM-1's newer decision stands at the gateway.
      expect(sent3103[2]).toEqual(['GW-TRIM-2']);
      expect(lines.some((line) => line.outbox_id === first && line.kind === 'upstream_feedback')).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('that holds a warn which is not an object neither fails a later 3103 nor its own sending', async () => {
    const server = await testServer({ adminToken: ADMIN_TOKEN, upstream: { url: gateway.url, timeoutMs: 5_000 } });
    try {
      const sentBefore = sent3103.length;
      // Marked delivered first: else the forwarder marking it would undo the edit below.
      await bothSentBackAndDelivered(server, ['NULLW-1', 'NULLW-2']);
      const first = server.db
        .prepare("SELECT id, payload FROM outbox WHERE kind = 'upstream_feedback' ORDER BY created_at, id")
        .get() as { id: string; payload: string };
      // Set aside, then repaired by hand with a stray null among its warns, and not yet retried.
      const payload = JSON.parse(first.payload) as { data: { warns: unknown[] } };
      payload.data.warns.unshift(null);
      server.db
        .prepare('UPDATE outbox SET payload = ?, delivered_at = NULL, last_error = ?, next_attempt_at = ? WHERE id = ?')
        .run(JSON.stringify(payload), UNREADABLE_PAYLOAD, Date.now() + 86_400_000, first.id);

      // A newer decision on one of its reminders is stored (and supersedes that warn in the waiting entry).
      const later = await callService(
        server,
        feedbackEnvelope([{ jrId: 'GW-NULLW-1', way: '1', reason: '患者知情同意' }]),
      );
      expect(later.body.infcode).toBe(0);
      await until(() => sent3103.length === sentBefore + 2);

      const retry = await server.app.inject({
        method: 'POST',
        url: '/v1/admin/outbox/retry',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(retry.statusCode).toBe(200);
      await until(() => sent3103.length === sentBefore + 3);
      // The stray null is IT's to mend and goes as repaired; GW-NULLW-1's newer decision stands at the gateway.
      expect(sent3103.slice(sentBefore)).toEqual([
        ['GW-NULLW-1', 'GW-NULLW-2'],
        ['GW-NULLW-1'],
        ['null', 'GW-NULLW-2'],
      ]);
    } finally {
      await server.close();
    }
  });
});
