/**
 * A 返回修改 that was not carried out: a later 3101/3102 of the same encounter raises the very same reminder (same
 * jr_id, the line unchanged) and the desk gives no 3103 (spec 3101-3103.md §5.3). It is asked again, so the figures
 * count it pending, not 遵从, until a 3103 on it decides it. A real sidecar listening on loopback with its real SQLite
 * file, real national codes (the fixture's male-only drug for a woman); a stand-in provincial gateway only to make
 * one answer slow enough for its client to give up.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging';
import { queueDailyFigures } from '../src/outbox/daily-figures';
import { PatientPseudonymizer } from '../src/patient-pseudonym';
import type { SidecarServer } from '../src/server';
import type { Figures, StatsReport } from '../src/stats/compliance-figures';
import { openFiguresReader } from '../src/stats/figures-reader';
import { OUTBOX_KINDS, OutboxStore } from '../src/store/outbox';
import { analysisEnvelope, feedbackEnvelope } from './fixtures/his-requests';
import { type FakeGateway, startFakeGateway } from './helpers/fake-gateway';
import { callOverHttp, type NationalReply, testServer } from './helpers/test-server';
import { until } from './helpers/until';
import { ageRecords } from './retention-support';

/** While set, the gateway holds 3101s this long: the sidecar answers after the client below gave up. */
let gatewayDelayMs = 0;
const GIVE_UP_MS = 300;

let gateway: FakeGateway;
let server: SidecarServer & { dataDir: string };
let port: number;

beforeAll(async () => {
  gateway = await startFakeGateway<{ infno?: string }>((body, res) => {
    const answer = () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ infcode: 0, err_msg: '', output: body.infno === '3103' ? {} : { result: [] } }));
    };
    if (gatewayDelayMs > 0 && body.infno !== '3103') setTimeout(answer, gatewayDelayMs);
    else answer();
  });
  server = await testServer({ upstream: { url: gateway.url, timeoutMs: 5_000 } });
  ({ port } = await server.listen());
});
afterAll(async () => {
  await server?.close();
  await gateway?.close();
});

type Result = NonNullable<NationalReply['output']['result']>[number];

/** One male-only drug for a woman: one reminder, the same jr_id for every 3101/3102 of the encounter's line. */
function envelopeOf(encounterId: string, doctorCode: string, infno: '3101' | '3102' = '3101') {
  return analysisEnvelope({ infno, encounterId, doctorCode, firing: 1, lines: 1, taskId: `T-${Math.random()}` });
}

async function analyse(
  s: SidecarServer,
  encounterId: string,
  doctorCode: string,
  infno: '3101' | '3102' = '3101',
): Promise<Result> {
  // A moment after whatever came before: the decision and the answer are compared by their times (ms).
  await new Promise((resolve) => setTimeout(resolve, 5));
  const reply = await callOverHttp(s, envelopeOf(encounterId, doctorCode, infno));
  expect(reply.body.infcode).toBe(0);
  expect(reply.body.output.result).toHaveLength(1);
  return reply.body.output.result![0]!;
}

async function decide(s: SidecarServer, jrId: string, way: '1' | '2'): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 5));
  const reply = await callOverHttp(s, feedbackEnvelope([{ jrId, way, reason: way === '1' ? '已核实' : '' }]));
  expect(reply.body.infcode).toBe(0);
}

async function stats(s: SidecarServer, doctor: string, range = ''): Promise<Figures> {
  const { port: p } = s.app.server.address() as { port: number };
  const response = await fetch(`http://127.0.0.1:${p}/v1/stats?by=doctor&doctor=${doctor}${range}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as StatsReport).totals;
}

/** The CSV's 合计 row: 提醒人次, 提醒金额, 遵从人次, 遵从金额, 继续执行人次, 未反馈人次. */
async function csvTotals(doctor: string): Promise<string[]> {
  const response = await fetch(`http://127.0.0.1:${port}/v1/stats.csv?by=doctor&doctor=${doctor}`);
  const last = (await response.text()).trim().split('\r\n').at(-1)!;
  return last.split(',').slice(2, 8);
}

const figures = (f: Partial<Figures>) => expect.objectContaining(f);

/** POSTs a 3101 over a connection of its own and closes it GIVE_UP_MS later, long before the answer. */
async function giveUp(envelope: unknown): Promise<void> {
  const payload = Buffer.from(JSON.stringify(envelope));
  const request = http.request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/fsi/api/rsfComIfsService/callService',
    headers: { 'content-type': 'application/json', 'content-length': payload.length },
    agent: false,
  });
  request.on('error', () => {
    // ECONNRESET from our own destroy
  });
  request.end(payload);
  await new Promise((resolve) => setTimeout(resolve, GIVE_UP_MS));
  request.destroy();
}

describe('a 返回修改 raised again by a later answer', () => {
  it('is 遵从 until the charge desk 3102 raises the same line unchanged, then pending until a new 3103', async () => {
    const first = await analyse(server, 'MZ-RA-1', 'DR-RA-1');
    await decide(server, first.jr_id, '2');
    expect(await stats(server, 'DR-RA-1')).toEqual(
      figures({ reminders: 1, complied: 1, complied_amount: first.vola_amt, pending: 0, compliance_rate: 1 }),
    );

    // The desk's 门诊预结算 with the line unchanged: the same jr_id, not decided (no prior_dspo), nobody answers.
    const settle = await analyse(server, 'MZ-RA-1', 'DR-RA-1', '3102');
    expect(settle.jr_id).toBe(first.jr_id);
    expect(settle.prior_dspo).toBeUndefined();
    expect(await stats(server, 'DR-RA-1')).toEqual(
      figures({ reminders: 1, complied: 0, complied_amount: 0, continued: 0, pending: 1, compliance_rate: 0 }),
    );
    expect(await csvTotals('DR-RA-1')).toEqual(['1', first.vola_amt.toFixed(2), '0', '0.00', '0', '1']);

    // The platform's daily figures read it the same way, for the day the reminder was recorded on: the clock's day
    // now is the next one when the test runs across midnight in Shanghai (CI at 23:59).
    const day = server.db.prepare('SELECT day FROM reminders WHERE jr_id = ?').pluck().get(first.jr_id) as string;
    const reader = openFiguresReader(server.db, createLogger({ level: 'silent' }));
    try {
      const installId = new PatientPseudonymizer(Buffer.alloc(32)).installId;
      expect(
        await queueDailyFigures(
          reader,
          server.db,
          new OutboxStore(server.db, OUTBOX_KINDS),
          { installId },
          Date.now() + 86_400_000,
        ),
      ).toContain(day);
      const sent = JSON.parse(
        server.db
          .prepare(
            "SELECT payload FROM outbox WHERE kind = 'daily_figures' ORDER BY json_extract(payload, '$.revision') DESC LIMIT 1",
          )
          .pluck()
          .get() as string,
      ) as { by_doctor: StatsReport['rows'] };
      expect(sent.by_doctor.find((row) => row.key === 'DR-RA-1')).toMatchObject({ complied: 0, pending: 1 });
    } finally {
      await reader.close();
    }

    // A new 3103 on it decides it as usual: 返回修改 again is 遵从 again …
    await decide(server, first.jr_id, '2');
    expect(await stats(server, 'DR-RA-1')).toEqual(
      figures({ complied: 1, complied_amount: first.vola_amt, pending: 0 }),
    );
    // … and after another unchanged answer, a 继续执行 is continued (and carries over to the next answer).
    await analyse(server, 'MZ-RA-1', 'DR-RA-1', '3102');
    expect(await stats(server, 'DR-RA-1')).toEqual(figures({ complied: 0, pending: 1 }));
    await decide(server, first.jr_id, '1');
    const after = await analyse(server, 'MZ-RA-1', 'DR-RA-1', '3102');
    expect(after.prior_dspo).toBe(true);
    expect(await stats(server, 'DR-RA-1')).toEqual(figures({ complied: 0, continued: 1, pending: 0 }));
  });

  it('is not asked again by an answer no client got, only by one delivered', async () => {
    const first = await analyse(server, 'MZ-RA-2', 'DR-RA-2');
    await decide(server, first.jr_id, '2');
    const tasks = () => server.db.prepare('SELECT COUNT(*) FROM tasks').pluck().get() as number;
    const before = tasks();
    gatewayDelayMs = 1_000;
    try {
      await giveUp(envelopeOf('MZ-RA-2', 'DR-RA-2'));
      await until(() => tasks() === before + 1);
    } finally {
      gatewayDelayMs = 0;
    }
    expect(server.db.prepare('SELECT undelivered FROM tasks ORDER BY id DESC LIMIT 1').pluck().get()).toBe(1);
    expect(await stats(server, 'DR-RA-2')).toEqual(figures({ reminders: 1, complied: 1, pending: 0 }));
    // The same question answered to a client that waits: shown, so asked again.
    await analyse(server, 'MZ-RA-2', 'DR-RA-2');
    expect(await stats(server, 'DR-RA-2')).toEqual(figures({ reminders: 1, complied: 0, pending: 1 }));
  });

  it('stays 遵从 when the 返回修改 is given after the answer that raised it again', async () => {
    const first = await analyse(server, 'MZ-RA-3', 'DR-RA-3');
    await analyse(server, 'MZ-RA-3', 'DR-RA-3');
    expect(await stats(server, 'DR-RA-3')).toEqual(figures({ reminders: 1, complied: 0, pending: 1 }));
    // Given on the latest answer: it decides that one.
    await decide(server, first.jr_id, '2');
    expect(await stats(server, 'DR-RA-3')).toEqual(figures({ reminders: 1, complied: 1, pending: 0 }));
    // Only an answer after it asks again; the same 返回修改 given on that one is 遵从 again.
    await analyse(server, 'MZ-RA-3', 'DR-RA-3');
    expect(await stats(server, 'DR-RA-3')).toEqual(figures({ complied: 0, pending: 1 }));
    await decide(server, first.jr_id, '2');
    expect(await stats(server, 'DR-RA-3')).toEqual(figures({ complied: 1, pending: 0 }));
  });
});

describe('retention', () => {
  it('folds a re-asked 返回修改 into pruned_figures as pending, as the figures counted it while kept', async () => {
    const s = await testServer({ records: { retentionDays: 400 } });
    try {
      await s.listen();
      const first = await analyse(s, 'MZ-RA-OLD', 'DR-RA-OLD');
      await decide(s, first.jr_id, '2');
      await analyse(s, 'MZ-RA-OLD', 'DR-RA-OLD', '3102');
      await stats(s, 'DR-RA-OLD'); // everything queued is written
      ageRecords(s.db, 500);
      // Today's answer of another encounter: retention prunes only up to the days the records reach.
      await analyse(s, 'MZ-RA-NEW', 'DR-RA-NEW');
      // The aged reminder's own day: 500 days before the clock's day only if no midnight (Shanghai) came in between.
      const oldDay = s.db.prepare('SELECT day FROM reminders WHERE jr_id = ?').pluck().get(first.jr_id) as string;
      const range = `&from=${oldDay}&to=${oldDay}`;
      const kept = await stats(s, 'DR-RA-OLD', range);
      expect(kept).toEqual(figures({ reminders: 1, complied: 0, complied_amount: 0, pending: 1 }));

      expect(await s.retention.prune()).toMatchObject({ reminders: 1, dispositions: 1 });
      expect(s.db.prepare('SELECT COUNT(*) FROM reminders WHERE doctor_code = ?').pluck().get('DR-RA-OLD')).toBe(0);
      expect(await stats(s, 'DR-RA-OLD', range)).toEqual(kept);
      expect(
        s.db.prepare('SELECT complied, pending FROM pruned_figures WHERE doctor_code = ?').get('DR-RA-OLD'),
      ).toEqual({ complied: 0, pending: 1 });
    } finally {
      await s.close();
    }
  });
});
