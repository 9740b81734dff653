import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SidecarServer } from '../src/server';
import { analysisEnvelope, feedbackEnvelope } from './fixtures/his-requests';
import { callService, testServer } from './helpers/test-server';

/**
 * A stand-in provincial gateway on loopback that, like a real one, gives every result of every 3101 a fresh jr_id
 * (计算结果记录的唯一ID), and keeps the 3103 it is sent.
 */
let results: (call: number) => Record<string, unknown>[] = () => [];
let calls = 0;
let gateway: http.Server;
let gatewayUrl: string;
const feedback: { warn_rslt_id: string; dspo_way: string; dspo_way_rea: string }[][] = [];

beforeAll(async () => {
  gateway = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        infno: string;
        input: { data: { warns: (typeof feedback)[number] } };
      };
      res.setHeader('content-type', 'application/json');
      if (body.infno === '3103') {
        feedback.push(body.input.data.warns);
        res.end(JSON.stringify({ infcode: 0, err_msg: '', output: {} }));
        return;
      }
      calls++;
      res.end(JSON.stringify({ infcode: 0, err_msg: '', output: { result: results(calls) } }));
    });
  });
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
});
afterAll(async () => {
  gateway.closeAllConnections();
  await new Promise((resolve) => gateway.close(resolve));
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
    });
  });
});
