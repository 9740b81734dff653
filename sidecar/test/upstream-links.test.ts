import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SidecarServer } from '../src/server';
import { analysisEnvelope, feedbackEnvelope } from './fixtures/his-requests';
import { type FakeGateway, freshIdWarning, startFakeGateway } from './helpers/fake-gateway';
import { callService, testServer } from './helpers/test-server';

/**
 * A stand-in provincial gateway on loopback that, like a real one, gives every result of every 3101 a fresh jr_id
 * (计算结果记录的唯一ID), and keeps the 3103 it is sent.
 */
let results: (call: number) => Record<string, unknown>[] = () => [];
let calls = 0;
let gateway: FakeGateway;
let gatewayUrl: string;
const feedback: { warn_rslt_id: string; dspo_way: string; dspo_way_rea: string }[][] = [];

beforeAll(async () => {
  gateway = await startFakeGateway<{ infno: string; input: { data: { warns: (typeof feedback)[number] } } }>(
    (body, res) => {
      res.setHeader('content-type', 'application/json');
      if (body.infno === '3103') {
        feedback.push(body.input.data.warns);
        res.end(JSON.stringify({ infcode: 0, err_msg: '', output: {} }));
        return;
      }
      calls++;
      res.end(JSON.stringify({ infcode: 0, err_msg: '', output: { result: results(calls) } }));
    },
  );
  gatewayUrl = gateway.url;
});
afterAll(async () => {
  await gateway.close();
});

async function withSidecar(run: (server: SidecarServer) => Promise<void>) {
  const server = await testServer({ upstream: { url: gatewayUrl, timeoutMs: 2_000 } });
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

/** Waits until the gateway has been sent `count` 3103s in all. */
async function feedbackReceived(count: number): Promise<typeof feedback> {
  const deadline = Date.now() + 10_000;
  while (feedback.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  // Anything sent beyond what was awaited would show up here.
  await new Promise((resolve) => setTimeout(resolve, 200));
  return feedback;
}

/** The upstream_feedback entries queued, oldest first: [warn_rslt_id, dspo_way, dspo_way_rea] per decision. */
function upstreamFeedbackQueued(server: SidecarServer): string[][] {
  const payloads = server.db
    .prepare("SELECT payload FROM outbox WHERE kind = 'upstream_feedback' ORDER BY created_at, rowid")
    .pluck()
    .all() as string[];
  return payloads.flatMap((p) =>
    (JSON.parse(p) as { data: { warns: (typeof feedback)[number] } }).data.warns.map((w) => [
      w.warn_rslt_id,
      w.dspo_way,
      w.dspo_way_rea,
    ]),
  );
}

describe('provincial gateway results prealert also raised', () => {
  it("a 3103 on the local result goes back to the gateway under the gateway's jr_id, on every re-analysis", async () => {
    await withSidecar(async (server) => {
      feedback.length = 0;
      results = () => [];
      const local = (await callService(server, analysisEnvelope({ encounterId: 'MZ-L-1' }))).body.output.result!;
      expect(local).toHaveLength(2);
      // The gateway raises the first local warning too (same rule and line), under its own, fresh jr_id.
      results = (call) => [{ ...local[0], jr_id: `GW-DUP-${call}`, task_id: 'T-GW' }];
      await server.listen();

      const first = await callService(server, analysisEnvelope({ encounterId: 'MZ-L-1' }));
      expect(first.body.output.result!.map((r) => r.jr_id)).toEqual(local.map((r) => r.jr_id));
      const fb = await callService(
        server,
        feedbackEnvelope([
          { jrId: local[0]!.jr_id, way: '1', reason: '临床必需' },
          { jrId: local[1]!.jr_id, way: '2' },
        ]),
      );
      expect(fb.body.infcode).toBe(0);
      expect(await feedbackReceived(1)).toEqual([
        [{ warn_rslt_id: `GW-DUP-${calls}`, dspo_way: '1', dspo_way_rea: '临床必需' }],
      ]);

      // Analysed again: the gateway's result has a new jr_id. The same answer given again (no new decision, so
      // nothing new for the platform) is queued for that one; the outbox sends it at its next round.
      await callService(server, analysisEnvelope({ encounterId: 'MZ-L-1' }));
      const again = await callService(
        server,
        feedbackEnvelope([
          { jrId: local[0]!.jr_id, way: '1', reason: '临床必需' },
          { jrId: local[1]!.jr_id, way: '2' },
        ]),
      );
      expect(again.body.infcode).toBe(0);
      expect(upstreamFeedbackQueued(server)).toEqual([
        [`GW-DUP-${calls - 1}`, '1', '临床必需'],
        [`GW-DUP-${calls}`, '1', '临床必需'],
      ]);
      // And it leaves at once, as a new decision does, not at the outbox's next idle round (30 s).
      expect((await feedbackReceived(2)).map((sent) => sent[0]!.warn_rslt_id)).toEqual([
        `GW-DUP-${calls - 1}`,
        `GW-DUP-${calls}`,
      ]);
    });
  });
});

describe("the gateway's own warnings, with a fresh jr_id on every call", () => {
  const warning = (call: number) => freshIdWarning(call, 'MZ-L-2');
  const r01 = async (server: SidecarServer) => {
    const stats = (await server.app.inject({ url: '/v1/stats?by=rule&rule=R01' })).json() as {
      totals: { reminders: number; continued: number; pending: number };
    };
    return stats.totals;
  };

  it('count as one reminder, take the 3103 under any of their ids, and come back settled once continued', async () => {
    await withSidecar(async (server) => {
      feedback.length = 0;
      results = (call) => [warning(call)];
      await server.listen();
      const shown: string[] = [];
      for (let i = 0; i < 3; i++) {
        const reply = await callService(server, analysisEnvelope({ encounterId: 'MZ-L-2' }));
        expect(reply.body.output.result!.map((r) => r.jr_id)).toContain(`GW-${calls}`);
        shown.push(`GW-${calls}`);
      }
      expect(await r01(server)).toMatchObject({ reminders: 1, pending: 1 });

      // The doctor continues the warning as last shown; the gateway hears it under that id.
      const fb = await callService(server, feedbackEnvelope([{ jrId: `GW-${calls}`, way: '1', reason: '临床必需' }]));
      expect(fb.body.infcode).toBe(0);
      expect(await r01(server)).toMatchObject({ reminders: 1, continued: 1, pending: 0 });
      expect(await feedbackReceived(1)).toEqual([
        [{ warn_rslt_id: `GW-${calls}`, dspo_way: '1', dspo_way_rea: '临床必需' }],
      ]);

      // Analysed again: the same warning, under the gateway's next id, comes back as already continued.
      const again = (await callService(server, analysisEnvelope({ encounterId: 'MZ-L-2' }))).body.output.result!;
      expect(again.find((r) => r.rule_id === 'R01')).toMatchObject({
        jr_id: `GW-${calls}`,
        dspo_way: '1',
        dspo_way_rea: '临床必需',
        prior_dspo: true,
      });
      // An older id the HIS still shows answers the same reminder.
      const older = await callService(server, feedbackEnvelope([{ jrId: shown[0]!, way: '1', reason: '临床必需' }]));
      expect(older.body.infcode).toBe(0);
      expect(await r01(server)).toMatchObject({ reminders: 1, continued: 1, pending: 0 });
    });
  });
});
