/**
 * Settlement repeats of day-scoped warnings (inpatient audit #3/#4): at settlement (3102 trig_scen 8) a 同一小时 pair
 * flags the union of the days' 心电监测 charges, each already continued under its own per-day jr_id, so its jr_id is
 * new. It comes back decided (prior_dspo, dspo_way 1, the earlier reason), a 3103 naming it is accepted, and it is
 * counted in no figure: its lines' decisions already are. A real sidecar with a real SQLite file, over loopback HTTP,
 * answering on the analysis thread and on the request thread, live and after a restart (decisions read back).
 */
import fs from 'node:fs';
import path from 'node:path';
import { compileLibrary } from '@prealert/core';
import { loadNationalLibrary } from '@prealert/rules-cache';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging';
import { queueDailyFigures } from '../src/outbox/daily-figures';
import { PatientPseudonymizer } from '../src/patient-pseudonym';
import { ComplianceFigures, type Figures, type StatsReport } from '../src/stats/compliance-figures';
import { openFiguresReader } from '../src/stats/figures-reader';
import { DATABASE_FILE_NAME, openDatabase, SCHEMA_VERSION } from '../src/store/database';
import { OUTBOX_KINDS, OutboxStore } from '../src/store/outbox';
import { foldIntoPrunedFigures } from '../src/store/pruned-figures';
import { feedbackEnvelope } from './fixtures/his-requests';
import { onWorker } from './helpers/analysis-thread-status';
import { inpatientEnvelope } from './helpers/inpatient-envelope';
import { oldSchemaDatabase } from './helpers/old-schema-database';
import { startedServers } from './helpers/started-servers';
import { callOverHttp, type NationalReply, tempDataDir, type testServer } from './helpers/test-server';

// Real national codes (stay D of the audit): 持续有创性血压监测 includes 心电监测 within the same hour.
const PAIR_RULE = 'GZ10000102012000';
const INVASIVE_BP = { code: '003107020020000', name: '持续有创性血压监测', pric: 4 };
const ECG = { code: '003107010220000', name: '心电监测', pric: 5 };

type Server = Awaited<ReturnType<typeof testServer>>;
type Result = NonNullable<NationalReply['output']['result']>[number] & {
  kp_id: string;
  prior_dspo?: boolean;
  dspo_way?: string;
  dspo_way_rea?: string;
  judge_result_detail_dtos: { rx_id: string; vola_item_type: string }[];
};

interface Charge {
  rx: string;
  item: typeof ECG;
  hours: number;
  at: string;
  current: boolean;
}

/** One ICU day's charges: 有创血压 from 03:30 and 心电监测 from 03:10 of 2026-11-<day>. */
function icuDay(stay: string, day: number, current: boolean): Charge[] {
  return [
    { rx: `${stay}-C${day}-4`, item: INVASIVE_BP, hours: 20, at: `2026-11-${day} 03:30:00`, current },
    { rx: `${stay}-C${day}-5`, item: ECG, hours: 21, at: `2026-11-${day} 03:10:00`, current },
  ];
}

let serial = 0;

/** A nurse station's (trig_scen 4) or the settlement desk's (8) 3102 for one ICU stay. */
function chargeEnvelope(stay: string, doctor: string, trigScen: '4' | '8', charges: Charge[]) {
  const orders = charges.map((c) => ({
    rx_id: c.rx,
    rxno: `${stay}-RX`,
    grpno: '',
    long_drord_flag: '0',
    hilist_type: '201',
    chrg_type: '05',
    drord_bhvr: '0',
    hilist_code: c.item.code,
    hilist_name: c.item.name,
    hilist_lv: '01',
    hilist_pric: String(c.item.pric),
    hosplist_code: `H${c.item.code.slice(-6)}`,
    hosplist_name: c.item.name,
    cnt: String(c.hours),
    pric: String(c.item.pric),
    sumamt: (c.hours * c.item.pric).toFixed(2),
    ownpay_amt: '0.00',
    selfpay_amt: '0.00',
    spec: '',
    spec_unt: '小时',
    drord_begn_date: c.at,
    drord_stop_date: '',
    drord_dept_codg: '0901',
    drord_dept_name: '重症医学科',
    drord_dr_codg: doctor,
    drord_dr_name: '赵医生',
    drord_dr_profttl: '233',
    curr_drord_flag: c.current ? '1' : '0',
  }));
  return inpatientEnvelope({
    infno: '3102',
    msgid: `H11010100001202611260930${String(++serial).padStart(4, '0')}`,
    admdvs: '110101',
    insuplcAdmdvs: '110100',
    recerSysCode: 'MBS_LOCAL',
    fixmedinsCode: 'H11010100001',
    doctor: { code: doctor, name: '赵医生' },
    infTime: '2026-11-26 09:30:00',
    taskId: `${stay}-${trigScen}-${serial}`,
    trigScen,
    patient: { id: `P-${stay}`, name: '陈某', brdy: '1966-01-10' },
    mdtrtId: stay,
    medinsLv: '03',
    admDate: '2026-11-20 03:00:00',
    dscgDate: '2026-11-26 10:00:00',
    diagnosis: { id: `${stay}-D1`, code: 'J96.000', name: '急性呼吸衰竭', date: '2026-11-20 03:00:00' },
    dept: { code: '0901', name: '重症医学科' },
    orders,
  });
}

const { start, stop } = startedServers();

/** How many answers the analysis thread gave, once it holds the library (it builds its copy after the request thread). */
const answeredOnWorker = async (server: Server): Promise<number> => (await onWorker(server)).answered_on_worker;

async function pairResults(server: Server, envelope: unknown): Promise<Result[]> {
  const reply = await callOverHttp(server, envelope);
  expect(reply.body.infcode, reply.body.err_msg).toBe(0);
  return (reply.body.output.result as Result[]).filter((r) => r.rule_id === PAIR_RULE);
}

async function decide(server: Server, jrId: string, way: '1' | '2', reason = ''): Promise<NationalReply> {
  return (await callOverHttp(server, feedbackEnvelope([{ jrId, way, reason }], '2'))).body;
}

const flagged = (r: Result) =>
  r.judge_result_detail_dtos
    .filter((d) => d.vola_item_type === '1')
    .map((d) => d.rx_id)
    .sort();

async function stats(server: Server, doctor: string): Promise<Figures> {
  const address = server.app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('not listening');
  const response = await fetch(`http://127.0.0.1:${address.port}/v1/stats?by=doctor&doctor=${doctor}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as StatsReport).totals;
}

async function csvTotals(server: Server, doctor: string): Promise<string[]> {
  const address = server.app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('not listening');
  const response = await fetch(`http://127.0.0.1:${address.port}/v1/stats.csv?by=doctor&doctor=${doctor}`);
  return (await response.text()).trim().split('\r\n').at(-1)!.split(',').slice(2, 8);
}

describe.each([
  ['on the analysis thread', true, false],
  ['on the request thread', false, false],
  ['on the analysis thread, after a restart', true, true],
  ['on the request thread, after a restart', false, true],
])('a settlement warning over lines each already continued, %s', (_name, analysisThread, restart) => {
  it('comes back decided with the earlier reason, takes a 3103, and is not counted again', async () => {
    const stay = `ZY-COV-${Number(analysisThread)}${Number(restart)}`;
    const doctor = `DR-COV-${Number(analysisThread)}${Number(restart)}`;
    let server = await start(analysisThread);
    // The nurse station's 3102 of each ICU day: one warning per day, continued.
    const [day20] = await pairResults(server, chargeEnvelope(stay, doctor, '4', icuDay(stay, 20, true)));
    expect(flagged(day20!)).toEqual([`${stay}-C20-5`]);
    expect((await decide(server, day20!.jr_id, '1', '有创与心电监测分设备计费，已核实')).infcode).toBe(0);
    const [day21] = await pairResults(
      server,
      chargeEnvelope(stay, doctor, '4', [...icuDay(stay, 20, false), ...icuDay(stay, 21, true)]),
    );
    expect(flagged(day21!)).toEqual([`${stay}-C21-5`]);
    expect(day21!.prior_dspo).toBeUndefined();
    expect((await decide(server, day21!.jr_id, '1', '病情需要，已核实')).infcode).toBe(0);
    const before = await stats(server, doctor);
    expect(before).toMatchObject({ reminders: 2, reminder_amount: 210, continued: 2, pending: 0 });

    if (restart) {
      const dataDir = server.dataDir;
      await stop(server);
      server = await start(analysisThread, dataDir);
    }

    // Settlement: the same pair over both days, one result flagging both 心电监测 charges under a new jr_id.
    const answeredBefore = analysisThread ? await answeredOnWorker(server) : 0;
    const [settled] = await pairResults(
      server,
      chargeEnvelope(stay, doctor, '8', [...icuDay(stay, 20, true), ...icuDay(stay, 21, true)]),
    );
    expect(flagged(settled!)).toEqual([`${stay}-C20-5`, `${stay}-C21-5`]);
    if (analysisThread) expect(await answeredOnWorker(server)).toBe(answeredBefore + 1);
    expect(settled!.jr_id).not.toBe(day20!.jr_id);
    expect(settled!.jr_id).not.toBe(day21!.jr_id);
    expect(settled).toMatchObject({ prior_dspo: true, dspo_way: '1' });
    expect(['有创与心电监测分设备计费，已核实', '病情需要，已核实']).toContain(settled!.dspo_way_rea);

    // Recorded (a 3103 naming it is accepted), but not a reminder of its own in any figure.
    expect(await stats(server, doctor)).toEqual(before);
    expect((await decide(server, settled!.jr_id, '1', '结算复核')).infcode).toBe(0);
    expect(await stats(server, doctor)).toEqual(before);
    expect(await csvTotals(server, doctor)).toEqual(['2', '210.00', '0', '0.00', '2', '0']);

    // The daily figures to the platform, and the figures kept for pruned reminders, count it nowhere either.
    // The days the reminders were recorded on, not the clock's now: one day, but two when midnight in Shanghai came
    // while the test ran (CI at 23:59). The settlement's jr_id, counted on none, would be on one of them or a third.
    const days = server.db
      .prepare('SELECT DISTINCT day FROM reminders WHERE jr_id IN (?, ?, ?)')
      .pluck()
      .all(day20!.jr_id, day21!.jr_id, settled!.jr_id) as string[];
    const installId = new PatientPseudonymizer(Buffer.alloc(32)).installId;
    const reader = openFiguresReader(server.db, createLogger({ level: 'silent' }));
    await queueDailyFigures(
      reader,
      server.db,
      new OutboxStore(server.db, OUTBOX_KINDS),
      { installId },
      Date.now() + 86_400_000,
    );
    await reader.close();
    const sent = { reminders: 0, reminder_amount: 0, continued: 0 };
    for (const day of days) {
      const payloads = server.db
        .prepare("SELECT payload FROM outbox WHERE kind = 'daily_figures' AND json_extract(payload, '$.day') = ?")
        .pluck()
        .all(day) as string[];
      const last = payloads.at(-1);
      if (last === undefined) continue; // a day of the settlement's alone: nothing counted, nothing queued
      const byDoctor = (JSON.parse(last) as { by_doctor: StatsReport['rows'] }).by_doctor;
      const row = byDoctor.find((r) => r.key === doctor);
      sent.reminders += row?.reminders ?? 0;
      sent.reminder_amount += row?.reminder_amount ?? 0;
      sent.continued += row?.continued ?? 0;
    }
    expect(sent).toEqual({ reminders: 2, reminder_amount: 210, continued: 2 });
    foldIntoPrunedFigures(server.db).run(JSON.stringify([day20!.jr_id, day21!.jr_id, settled!.jr_id]));
    const pruned = server.db
      .prepare(
        'SELECT TOTAL(reminders) AS reminders, TOTAL(reminder_amount) AS amount FROM pruned_figures WHERE doctor_code = ?',
      )
      .get(doctor);
    expect(pruned).toEqual({ reminders: 2, amount: 210 });
  });
});

describe('a settlement warning not wholly continued', () => {
  it('is asked, and counted, when one of its lines was not continued', async () => {
    const server = await start(true);
    const stay = 'ZY-COV-OPEN';
    const doctor = 'DR-COV-OPEN';
    const [day20] = await pairResults(server, chargeEnvelope(stay, doctor, '4', icuDay(stay, 20, true)));
    expect((await decide(server, day20!.jr_id, '1', '已核实')).infcode).toBe(0);
    // Day 21's warning was answered 返回修改 (the charge stays: the desk sees it again).
    const [day21] = await pairResults(
      server,
      chargeEnvelope(stay, doctor, '4', [...icuDay(stay, 20, false), ...icuDay(stay, 21, true)]),
    );
    expect((await decide(server, day21!.jr_id, '2')).infcode).toBe(0);
    const [settled] = await pairResults(
      server,
      chargeEnvelope(stay, doctor, '8', [...icuDay(stay, 20, true), ...icuDay(stay, 21, true)]),
    );
    expect(settled!.prior_dspo).toBeUndefined();
    expect(await stats(server, doctor)).toMatchObject({ reminders: 3, complied: 1, continued: 1, pending: 1 });
  });
});

describe.each([
  ['on the analysis thread', true],
  ['on the request thread', false],
])('a settlement warning asked before its last day was continued, %s', (_name, analysisThread) => {
  it('comes back decided once that day is continued, and leaves the figures as the covered one does', async () => {
    const server = await start(analysisThread);
    const stay = `ZY-COV-LATE-${Number(analysisThread)}`;
    const doctor = `DR-COV-LATE-${Number(analysisThread)}`;
    const [day20] = await pairResults(server, chargeEnvelope(stay, doctor, '4', icuDay(stay, 20, true)));
    expect((await decide(server, day20!.jr_id, '1', '已核实')).infcode).toBe(0);
    const [day21] = await pairResults(
      server,
      chargeEnvelope(stay, doctor, '4', [...icuDay(stay, 20, false), ...icuDay(stay, 21, true)]),
    );
    const both = () =>
      pairResults(server, chargeEnvelope(stay, doctor, '8', [...icuDay(stay, 20, true), ...icuDay(stay, 21, true)]));
    // Day 21 not answered yet: the settlement's warning is asked, and counted; day 21's, unanswered, is folded into
    // it (the settlement asks about its line again: folded-reminders.test.ts), so one reminder is pending, not two.
    const [asked] = await both();
    expect(asked!.prior_dspo).toBeUndefined();
    expect(await stats(server, doctor)).toMatchObject({ reminders: 2, pending: 1 });
    expect((await decide(server, day21!.jr_id, '1', '病情需要')).infcode).toBe(0);
    // Now both days are continued: the same warning comes back decided, so nobody will ever answer it.
    const [covered] = await both();
    expect(covered!.jr_id).toBe(asked!.jr_id);
    expect(covered).toMatchObject({ prior_dspo: true, dspo_way: '1' });
    const settled = { reminders: 2, reminder_amount: 210, continued: 2, complied: 0, pending: 0 };
    expect(await stats(server, doctor)).toMatchObject(settled);
    // Durably: read back from the records by a sidecar started on them.
    const dataDir = server.dataDir;
    await stop(server);
    const restarted = await start(analysisThread, dataDir);
    expect(await stats(restarted, doctor)).toMatchObject(settled);
  });
});

describe('a covered settlement warning the desk answers 返回修改', () => {
  it("is asked again on the next settlement and counted from then on: its own decision stands over the days' continues", async () => {
    const server = await start(true);
    const stay = 'ZY-COV-BACK';
    const doctor = 'DR-COV-BACK';
    const [day20] = await pairResults(server, chargeEnvelope(stay, doctor, '4', icuDay(stay, 20, true)));
    expect((await decide(server, day20!.jr_id, '1', '已核实')).infcode).toBe(0);
    // Both days continued one by one; the settlement's warning over both is covered, then answered 返回修改.
    const [day21] = await pairResults(
      server,
      chargeEnvelope(stay, doctor, '4', [...icuDay(stay, 20, false), ...icuDay(stay, 21, true)]),
    );
    expect((await decide(server, day21!.jr_id, '1', '已核实')).infcode).toBe(0);
    const both = () =>
      pairResults(server, chargeEnvelope(stay, doctor, '8', [...icuDay(stay, 20, true), ...icuDay(stay, 21, true)]));
    const [covered] = await both();
    expect(covered!.prior_dspo).toBe(true);
    expect(await stats(server, doctor)).toMatchObject({ reminders: 2, continued: 2, complied: 0 });
    // The desk's 返回修改 is a decision of its own: from then on it is a reminder in the figures, complied.
    expect((await decide(server, covered!.jr_id, '2')).infcode).toBe(0);
    const counted = { reminders: 3, reminder_amount: 420, continued: 2, complied: 1, complied_amount: 210, pending: 0 };
    expect(await stats(server, doctor)).toMatchObject(counted);
    const [again] = await both();
    expect(again!.jr_id).toBe(covered!.jr_id);
    expect(again!.prior_dspo).toBeUndefined();
    // Raised again unchanged, its 返回修改 was not carried out: asked again, pending until the desk answers it
    // (reasked-reminders.test.ts), and still counted.
    const reasked = { ...counted, complied: 0, complied_amount: 0, pending: 1 };
    expect(await stats(server, doctor)).toMatchObject(reasked);
    // Durably: read back by a sidecar started on the same records, and still counted once the desk continues it.
    const dataDir = server.dataDir;
    await stop(server);
    const restarted = await start(true, dataDir);
    expect(await stats(restarted, doctor)).toMatchObject(reasked);
    expect((await decide(restarted, covered!.jr_id, '1', '结算复核')).infcode).toBe(0);
    expect(await stats(restarted, doctor)).toMatchObject({ reminders: 3, continued: 3, complied: 0, pending: 0 });
  });
});

describe.each([
  ['on the analysis thread', true],
  ['on the request thread', false],
])('a warning raised again under a newer library, %s', (_name, analysisThread) => {
  it("is a new reminder, asked and counted: the old library's decision does not cover it", async () => {
    const server = await start(analysisThread);
    const stay = `ZY-COV-LIB-${Number(analysisThread)}`;
    const doctor = `DR-COV-LIB-${Number(analysisThread)}`;
    const day20 = () => pairResults(server, chargeEnvelope(stay, doctor, '4', icuDay(stay, 20, true)));
    const [before] = await day20();
    expect((await decide(server, before!.jr_id, '1', '已核实')).infcode).toBe(0);

    // A library update (the same points, a new version), taken by both threads.
    const data = loadNationalLibrary();
    const next = { ...data, meta: { ...data.meta, version: `${data.meta.version}-next` } };
    server.holder.swap(compileLibrary(next), { source: 'test', origin: { kind: 'data', data: next } });
    if (analysisThread) await answeredOnWorker(server);

    const answeredBefore = analysisThread ? await answeredOnWorker(server) : 0;
    const [after] = await day20();
    if (analysisThread) expect(await answeredOnWorker(server)).toBe(answeredBefore + 1);
    expect(flagged(after!)).toEqual(flagged(before!));
    expect(after!.jr_id).not.toBe(before!.jr_id);
    expect(after!.prior_dspo).toBeUndefined();
    expect(after!.dspo_way).toBeUndefined();
    expect(await stats(server, doctor)).toMatchObject({ reminders: 2, continued: 1, pending: 1 });
  });
});

describe('schema 6 (reminders.covered_by)', () => {
  it('a database of the previous version migrates, its reminders counted as before', () => {
    const dataDir = tempDataDir();
    const old = oldSchemaDatabase(dataDir, 5);
    old.exec(`INSERT INTO tasks VALUES (1, 'T1', '3102', '4', 0, 10, 'v', '[]', '[]');
      INSERT INTO reminders (jr_id, first_task, day, first_at, infno, rule_id, rule_name, kp_id, severity, impact,
        amount, mdtrt_id, patient_key, dept_code, dept_name, doctor_code, doctor_name, source)
      VALUES ('JR-OLD', 1, '2026-11-20', 0, '3102', '${PAIR_RULE}', '重复收费', 'kp', 1, 'reason', 120, 'ZY-OLD', 'pk',
        '0901', 'ICU', 'DR-OLD', '赵医生', 'local');
      INSERT INTO dispositions VALUES ('JR-OLD', '1', '已核实', '2', 0, 1);`);
    // A read-only `prealert stats` before the sidecar migrated it: no covered_by yet, every reminder counted.
    const readOnly = new Database(path.join(dataDir, DATABASE_FILE_NAME), { readonly: true });
    expect(new ComplianceFigures(readOnly).report('2026-11-20', '2026-11-20', 'day').totals).toMatchObject({
      reminders: 1,
      continued: 1,
    });
    readOnly.close();
    old.close();

    const db = openDatabase(dataDir);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.prepare('SELECT covered_by FROM reminders').pluck().all()).toEqual([null]);
    expect(new ComplianceFigures(db).report('2026-11-20', '2026-11-20', 'day').totals).toMatchObject({
      reminders: 1,
      reminder_amount: 120,
      continued: 1,
    });
    db.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
