/**
 * 提醒金额 for a jr_id answered several times (the same warning in the same encounter, its quantity changed): the
 * figures count the amount of the latest answer the doctor's decision applies to. A real sidecar, listening on
 * loopback: the national calls, /v1/stats and its CSV go over HTTP; the daily figures are read from its outbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging';
import { queueDailyFigures } from '../src/outbox/daily-figures';
import { PatientPseudonymizer } from '../src/patient-pseudonym';
import type { Figures, StatsReport } from '../src/stats/compliance-figures';
import { openFiguresReader } from '../src/stats/figures-reader';
import { OUTBOX_KINDS, OutboxStore } from '../src/store/outbox';
import { analysisEnvelope, feedbackEnvelope } from './fixtures/his-requests';
import { callOverHttp, type NationalReply, testServer } from './helpers/test-server';

/** A platform URL (nothing listens there): decisions are queued for it, and this server never sends them. */
const NOWHERE = { url: 'http://127.0.0.1:9/' };
let server: Awaited<ReturnType<typeof testServer>>;
let base: string;

beforeAll(async () => {
  server = await testServer({ platform: NOWHERE });
  await server.listen();
  const address = server.app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('not listening');
  base = `http://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  await server.close();
});

type Result = NonNullable<NationalReply['output']['result']>[number];

/**
 * One male-only drug for a woman (one reminder) at 10.50 a box, `boxes` boxes: the same encounter and line give the
 * same jr_id whatever the quantity.
 */
async function analyse(encounterId: string, doctorCode: string, boxes: number): Promise<Result> {
  const envelope = analysisEnvelope({ encounterId, doctorCode, firing: 1, lines: 1, taskId: `T-${Math.random()}` });
  const order = (
    envelope as {
      input: { data: { patient_dtos: { fsi_encounter_dtos: { fsi_order_dtos: Record<string, string>[] }[] }[] } };
    }
  ).input.data.patient_dtos[0]!.fsi_encounter_dtos[0]!.fsi_order_dtos[0]!;
  order.cnt = String(boxes);
  order.sumamt = (Number(order.pric) * boxes).toFixed(2);
  const reply = await callOverHttp(server, envelope);
  expect(reply.body.infcode).toBe(0);
  const results = reply.body.output.result!;
  expect(results).toHaveLength(1);
  return results[0]!;
}

async function decide(jrId: string, way: '1' | '2'): Promise<void> {
  const reply = await callOverHttp(server, feedbackEnvelope([{ jrId, way, reason: way === '1' ? '已核实' : '' }]));
  expect(reply.body.infcode).toBe(0);
}

async function stats(doctor: string): Promise<Figures> {
  const response = await fetch(`${base}/v1/stats?by=doctor&doctor=${doctor}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as StatsReport).totals;
}

/** The CSV's 合计 row: 提醒人次, 提醒金额, 遵从人次, 遵从金额, 继续执行人次, 未反馈人次. */
async function csvTotals(doctor: string): Promise<string[]> {
  const response = await fetch(`${base}/v1/stats.csv?by=doctor&doctor=${doctor}`);
  const last = (await response.text()).trim().split('\r\n').at(-1)!;
  return last.split(',').slice(2, 8);
}

const figures = (f: Partial<Figures>) => expect.objectContaining(f);

describe('提醒金额 of a jr_id answered several times', () => {
  it('counts the amount the doctor continued, also when the continued warning comes back at a higher quantity', async () => {
    const first = await analyse('MZ-AMT-1', 'DR-AMT-1', 1);
    expect(first.vola_amt).toBe(10.5);
    await decide(first.jr_id, '1');
    expect(await stats('DR-AMT-1')).toEqual(figures({ reminders: 1, reminder_amount: 10.5, continued: 1 }));
    // The quantity is raised; the warning returns already decided, so the doctor is not asked again.
    const again = await analyse('MZ-AMT-1', 'DR-AMT-1', 4);
    expect(again).toMatchObject({ jr_id: first.jr_id, vola_amt: 42, prior_dspo: true });
    expect(await stats('DR-AMT-1')).toEqual(
      figures({ reminders: 1, reminder_amount: 42, complied: 0, continued: 1, pending: 0 }),
    );
    expect(await csvTotals('DR-AMT-1')).toEqual(['1', '42.00', '0', '0.00', '1', '0']);
  });

  it('counts a pending reminder at its latest answer, and a 返回修改 given after it at that amount', async () => {
    const first = await analyse('MZ-AMT-2', 'DR-AMT-2', 1);
    await analyse('MZ-AMT-2', 'DR-AMT-2', 3);
    expect(await stats('DR-AMT-2')).toEqual(figures({ reminders: 1, reminder_amount: 31.5, pending: 1 }));
    await decide(first.jr_id, '2');
    expect(await stats('DR-AMT-2')).toEqual(
      figures({ reminders: 1, reminder_amount: 31.5, complied: 1, complied_amount: 31.5, pending: 0 }),
    );
    // The decision sent to the platform carries the amount it was given on.
    const sent = server.db
      .prepare("SELECT json_extract(payload, '$.vola_amt') FROM outbox WHERE kind = 'disposition' AND id LIKE ?")
      .pluck()
      .all(`%:${first.jr_id}:r1`);
    expect(sent).toEqual([31.5]);
  });

  it('asks a 返回修改 again at the amount of the later answer that still draws it, until the doctor decides on it', async () => {
    const first = await analyse('MZ-AMT-3', 'DR-AMT-3', 1);
    await decide(first.jr_id, '2');
    expect(await stats('DR-AMT-3')).toEqual(figures({ reminder_amount: 10.5, complied_amount: 10.5 }));
    // The modified order still draws the warning, at 2 boxes; no new 3103 yet: the modification did not remove it,
    // so it is pending again, at stake at 2 boxes (reasked-reminders.test.ts).
    await new Promise((resolve) => setTimeout(resolve, 5));
    await analyse('MZ-AMT-3', 'DR-AMT-3', 2);
    expect(await stats('DR-AMT-3')).toEqual(
      figures({ reminder_amount: 21, complied: 0, complied_amount: 0, pending: 1 }),
    );
    // The same 返回修改 given on the 2-box answer (no new revision) is a decision on 21.00.
    await decide(first.jr_id, '2');
    expect(await stats('DR-AMT-3')).toEqual(figures({ reminder_amount: 21, complied_amount: 21 }));
    // Continued on that answer; a later one at 3 boxes comes back decided and carries the continue.
    await decide(first.jr_id, '1');
    await analyse('MZ-AMT-3', 'DR-AMT-3', 3);
    expect(await stats('DR-AMT-3')).toEqual(
      figures({ reminders: 1, reminder_amount: 31.5, complied: 0, complied_amount: 0, continued: 1 }),
    );
    expect(await csvTotals('DR-AMT-3')).toEqual(['1', '31.50', '0', '0.00', '1', '0']);
  });

  it('sends the day again to the platform when an amount changes, equal to /v1/stats', async () => {
    const first = await analyse('MZ-AMT-4', 'DR-AMT-4', 1);
    await decide(first.jr_id, '1');
    // The day this reminder was recorded on, not the clock's after it: across midnight in Shanghai the two differ, and
    // the earlier tests' reminders may be on the day before (queued too, but not queued again below).
    const day = server.db.prepare('SELECT day FROM reminders WHERE jr_id = ?').pluck().get(first.jr_id) as string;
    const outbox = new OutboxStore(server.db, OUTBOX_KINDS);
    const reader = openFiguresReader(server.db, createLogger({ level: 'silent' }));
    const installId = new PatientPseudonymizer(Buffer.alloc(32)).installId;
    const tomorrow = Date.now() + 86_400_000;
    await fetch(`${base}/v1/stats`); // waits until the answers are written
    expect(await queueDailyFigures(reader, server.db, outbox, { installId }, tomorrow)).toContain(day);
    await analyse('MZ-AMT-4', 'DR-AMT-4', 2);
    const dayStats = (await (await fetch(`${base}/v1/stats?from=${day}&to=${day}&by=doctor`)).json()) as StatsReport;
    expect(await queueDailyFigures(reader, server.db, outbox, { installId }, tomorrow)).toEqual([day]);
    const sent = server.db
      .prepare(
        "SELECT payload FROM outbox WHERE kind = 'daily_figures' ORDER BY json_extract(payload, '$.revision') DESC",
      )
      .pluck()
      .all() as string[];
    const latest = JSON.parse(sent[0]!) as { revision: number; totals: Figures; by_doctor: StatsReport['rows'] };
    expect(latest.revision).toBe(2);
    expect(latest.totals).toEqual(dayStats.totals);
    expect(latest.by_doctor).toEqual(dayStats.rows);
    expect(latest.by_doctor.find((r) => r.key === 'DR-AMT-4')).toMatchObject({ reminder_amount: 21, continued: 1 });
    await reader.close();
  });
});
