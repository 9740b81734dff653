// A 3101 answered after its client gave up (the widget and SDK fail open after ~1.5 s, the native shim after its
// deadline) is kept but counted in no figure and shown by no task view; the same question answered to a client that
// waits is counted as usual. Real sidecar on loopback, a real provincial gateway stand-in that makes answers slow.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SidecarServer } from '../src/server';
import { analysisEnvelope, feedbackEnvelope } from './fixtures/his-requests';
import { type FakeGateway, startFakeGateway } from './helpers/fake-gateway';
import { callOverHttp, testServer } from './helpers/test-server';
import { until } from './helpers/until';

/** How long the gateway takes over a 3101: the sidecar waits for it (within its budget) before answering. */
const GATEWAY_DELAY_MS = 1_000;
/** When the clients below give up: well before the answer, as the widget's 1.5 s budget against a slow sidecar. */
const GIVE_UP_MS = 300;
const PAGE_ORIGIN = 'http://his.example';

let gateway: FakeGateway;
let server: SidecarServer & { dataDir: string };
let port: number;

beforeAll(async () => {
  gateway = await startFakeGateway<{ infno?: string }>((body, res) => {
    const answer = () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ infcode: 0, err_msg: '', output: body.infno === '3101' ? { result: [] } : {} }));
    };
    if (body.infno === '3101') setTimeout(answer, GATEWAY_DELAY_MS);
    else answer();
  });
  server = await testServer({ upstream: { url: gateway.url, timeoutMs: 5_000 }, corsOrigins: [PAGE_ORIGIN] });
  ({ port } = await server.listen());
});
afterAll(async () => {
  await server?.close();
  await gateway?.close();
});

/** POSTs a 3101 over a connection of its own and closes it GIVE_UP_MS later, long before the answer. */
async function giveUp(envelope: unknown, headers: Record<string, string> = {}): Promise<void> {
  const payload = Buffer.from(JSON.stringify(envelope));
  const request = http.request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/fsi/api/rsfComIfsService/callService',
    headers: { 'content-type': 'application/json', 'content-length': payload.length, ...headers },
    agent: false,
  });
  request.on('error', () => {
    // ECONNRESET from our own destroy
  });
  request.end(payload);
  await new Promise((resolve) => setTimeout(resolve, GIVE_UP_MS));
  request.destroy();
}

const tasksRecorded = () => server.db.prepare('SELECT COUNT(*) FROM tasks').pluck().get() as number;

interface Totals {
  reminders: number;
  reminder_amount: number;
  complied: number;
  pending: number;
}

async function totals(): Promise<Totals> {
  const response = await fetch(`http://127.0.0.1:${port}/v1/stats?by=rule`);
  return ((await response.json()) as { totals: Totals }).totals;
}

interface StatusCounts {
  tasks: number;
  tasks_undelivered: number;
  reminders: number;
  reminders_undelivered: number;
}

async function statusCounts(): Promise<StatusCounts> {
  const response = await fetch(`http://127.0.0.1:${port}/v1/status`);
  return ((await response.json()) as { counts: StatusCounts }).counts;
}

describe('answers whose client was gone', () => {
  it('are kept but not counted; the same question answered to a client that waits counts as its first sighting', async () => {
    const envelope = analysisEnvelope({ encounterId: 'MZ-UD-1', firing: 2 });
    await giveUp(envelope);
    await until(() => tasksRecorded() === 1);
    expect(await totals()).toMatchObject({ reminders: 0, reminder_amount: 0, pending: 0 });
    // Kept for the audit trail, marked.
    expect(server.db.prepare('SELECT task_id, undelivered FROM tasks').all()).toEqual([
      { task_id: 'T-MZ-UD-1', undelivered: 1 },
    ]);
    expect(server.db.prepare('SELECT COUNT(*) FROM reminders WHERE undelivered = 1').pluck().get()).toBe(2);
    // No reminder page shows it as waiting for a decision.
    expect((await fetch(`http://127.0.0.1:${port}/v1/tasks/T-MZ-UD-1`)).status).toBe(404);

    const delivered = await callOverHttp(server, envelope);
    expect(delivered.body.output.result).toHaveLength(2);
    const after = await totals();
    expect(after).toMatchObject({ reminders: 2, pending: 2 });
    expect(after.reminder_amount).toBeGreaterThan(0);
    // Dated and attributed by the answer the doctor got.
    const deliveredTask = server.db
      .prepare('SELECT id FROM tasks WHERE task_id = ? AND undelivered IS NULL')
      .pluck()
      .get('T-MZ-UD-1');
    expect(server.db.prepare('SELECT DISTINCT first_task, undelivered FROM reminders').all()).toEqual([
      { first_task: deliveredTask, undelivered: null },
    ]);
    const page = await fetch(`http://127.0.0.1:${port}/v1/tasks/T-MZ-UD-1`);
    expect(page.status).toBe(200);
    expect(((await page.json()) as { results: unknown[] }).results).toHaveLength(2);
  });

  it('from a page (Origin, fastify route) as from a desktop HIS (direct lane)', async () => {
    const before = await totals();
    await giveUp(analysisEnvelope({ encounterId: 'MZ-UD-2', firing: 1 }), { origin: PAGE_ORIGIN });
    await until(() => server.db.prepare("SELECT 1 FROM tasks WHERE task_id = 'T-MZ-UD-2'").get() !== undefined);
    expect(await totals()).toEqual(before);
    expect(server.db.prepare("SELECT undelivered FROM tasks WHERE task_id = 'T-MZ-UD-2'").pluck().get()).toBe(1);
  });

  it('never takes answers delivered on a keep-alive connection, or the connection closing later, for undelivered', async () => {
    const before = await totals();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (const encounterId of ['MZ-UD-KA1', 'MZ-UD-KA2']) {
        const payload = Buffer.from(JSON.stringify(analysisEnvelope({ encounterId, firing: 1 })));
        await new Promise<void>((resolve, reject) => {
          const request = http.request(
            {
              host: '127.0.0.1',
              port,
              method: 'POST',
              path: '/fsi/api/rsfComIfsService/callService',
              headers: { 'content-type': 'application/json', 'content-length': payload.length },
              agent,
            },
            (res) => {
              res.resume();
              res.on('end', resolve);
            },
          );
          request.on('error', reject);
          request.end(payload);
        });
      }
    } finally {
      agent.destroy();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await totals()).reminders).toBe(before.reminders + 2);
    expect(
      server.db
        .prepare("SELECT COUNT(*) FROM tasks WHERE task_id LIKE 'T-MZ-UD-KA%' AND undelivered IS NULL")
        .pluck()
        .get(),
    ).toBe(2);
  });

  it('/v1/status counts them apart: its reminders are those /v1/stats counts', async () => {
    const before = await statusCounts();
    expect(before.reminders).toBe((await totals()).reminders);
    await giveUp(analysisEnvelope({ encounterId: 'MZ-UD-5', firing: 2 }));
    await until(() => server.db.prepare("SELECT 1 FROM tasks WHERE task_id = 'T-MZ-UD-5'").get() !== undefined);
    const undelivered = await statusCounts();
    expect(undelivered).toMatchObject({
      tasks: before.tasks + 1,
      tasks_undelivered: before.tasks_undelivered + 1,
      reminders: before.reminders,
      reminders_undelivered: before.reminders_undelivered + 2,
    });
    expect(undelivered.reminders).toBe((await totals()).reminders);

    // Asked again and answered to a client that waits: shown, and counted in both.
    await callOverHttp(server, analysisEnvelope({ encounterId: 'MZ-UD-5', firing: 2 }));
    const shown = await statusCounts();
    expect(shown).toMatchObject({
      tasks: before.tasks + 2,
      tasks_undelivered: before.tasks_undelivered + 1,
      reminders: before.reminders + 2,
      reminders_undelivered: before.reminders_undelivered,
    });
    expect(shown.reminders).toBe((await totals()).reminders);
  });

  it('counts a reminder only undelivered answers carried once a 3103 names it', async () => {
    const before = await totals();
    await giveUp(analysisEnvelope({ encounterId: 'MZ-UD-4', firing: 1 }));
    await until(() => server.db.prepare("SELECT 1 FROM tasks WHERE task_id = 'T-MZ-UD-4'").get() !== undefined);
    expect((await totals()).reminders).toBe(before.reminders);
    const jrId = server.db
      .prepare("SELECT jr_id FROM reminders WHERE mdtrt_id = 'MZ-UD-4' AND undelivered = 1")
      .pluck()
      .get() as string;
    const fb = await callOverHttp(server, feedbackEnvelope([{ jrId, way: '2' }]));
    expect(fb.body.infcode).toBe(0);
    expect(await totals()).toMatchObject({
      reminders: before.reminders + 1,
      complied: before.complied + 1,
      pending: before.pending,
    });
  });
});

describe('an answer from the analysis thread whose client was gone', () => {
  it('is marked as the request thread answers: the client closed right after sending', async () => {
    const local = await testServer();
    try {
      const { port: localPort } = await local.listen();
      await until(() => local.analysis?.status().evaluating_on === 'worker');
      const payload = Buffer.from(JSON.stringify(analysisEnvelope({ encounterId: 'MZ-UD-W', firing: 2 })));
      // Sent and closed at once: the request arrives whole with the close behind it, and the answer comes back from
      // the analysis thread a turn later, to a connection already gone.
      const request = http.request({
        host: '127.0.0.1',
        port: localPort,
        method: 'POST',
        path: '/fsi/api/rsfComIfsService/callService',
        headers: { 'content-type': 'application/json', 'content-length': payload.length },
        agent: false,
      });
      request.on('error', () => {});
      request.end(payload, () => request.destroy());
      await until(() => (local.db.prepare('SELECT COUNT(*) FROM tasks').pluck().get() as number) === 1);
      expect(local.analysis?.status().answered_on_worker).toBe(1);
      const response = await fetch(`http://127.0.0.1:${localPort}/v1/stats`);
      expect(((await response.json()) as { totals: Totals }).totals.reminders).toBe(0);
      expect(local.db.prepare('SELECT undelivered FROM tasks').pluck().get()).toBe(1);
    } finally {
      await local.close();
    }
  });
});
