import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_FILE_NAME, ConfigError, DEFAULT_RETENTION_DAYS, loadConfig } from '../src/config';
import type { SidecarServer } from '../src/server';
import { addDays, shanghaiDay } from '../src/stats/days';
import type { TaskView } from '../src/store/tasks';
import { analysisEnvelope } from './fixtures/his-requests';
import { capturingLogger } from './helpers/capturing-logger';
import { type FakeGateway, freshIdWarning, startFakeGateway } from './helpers/fake-gateway';
import { freeLoopbackPort } from './helpers/free-port';
import { CLI } from './helpers/spawn-sidecar';
import { callService, tempDataDir, testServer } from './helpers/test-server';
import { ageRecords, count, feedback } from './retention-support';

let server: (SidecarServer & { dataDir: string }) | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A 3101 with two warnings (the fixture's two male-only lines for a woman), answered by `s`. */
async function results(
  s: SidecarServer,
  encounterId: string,
  taskId: string,
  who: { deptCode: string; doctorCode: string },
) {
  const reply = await callService(
    s,
    analysisEnvelope({
      encounterId,
      taskId,
      ...who,
      deptName: `科室${who.deptCode}`,
      doctorName: `医生${who.doctorCode}`,
    }),
  );
  expect(reply.body.infcode).toBe(0);
  expect(reply.body.output.result).toHaveLength(2);
  return reply.body.output.result!;
}

async function analyse(...args: Parameters<typeof results>): Promise<string[]> {
  return (await results(...args)).map((r) => r.jr_id);
}

async function get<T>(s: SidecarServer, url: string): Promise<{ status: number; body: T }> {
  const response = await s.app.inject({ url });
  return { status: response.statusCode, body: JSON.parse(response.payload) as T };
}

/** Every report 医保办 reads for these days: totals and rows by day, rule, department and doctor, and narrowed. */
async function allStats(s: SidecarServer, from: string, to: string): Promise<unknown[]> {
  const reports: unknown[] = [];
  for (const by of ['day', 'rule', 'dept', 'doctor']) {
    reports.push((await get(s, `/v1/stats?from=${from}&to=${to}&by=${by}`)).body);
    reports.push((await get(s, `/v1/stats?from=${from}&to=${to}&by=${by}&doctor=D-OLD`)).body);
    reports.push((await get(s, `/v1/stats?from=${from}&to=${to}&by=${by}&dept=K-NEW`)).body);
  }
  return reports;
}

describe('records retention', () => {
  it('prunes the records of days before the window and keeps what a 3103 can still name, and every figure', async () => {
    // A platform is configured (decisions are queued for it); this server does not listen, so none is sent.
    const { logger, lines } = capturingLogger();
    server = await testServer(
      { records: { retentionDays: 400 }, platform: { url: `http://127.0.0.1:${await freeLoopbackPort()}/` } },
      { logger },
    );
    const s = server;
    const old = { deptCode: 'K-OLD', doctorCode: 'D-OLD' };
    const now = { deptCode: 'K-NEW', doctorCode: 'D-NEW' };

    // 500 days ago: four encounters, two reminders each.
    const decided = await analyse(s, 'MZ-OLD-1', 'T-OLD-1', old);
    const pending = await analyse(s, 'MZ-OLD-2', 'T-OLD-2', old);
    const longStay = await analyse(s, 'ZY-LONG', 'T-LONG-1', old);
    // Analysed again that day: the answer shares the first one's result bodies.
    expect(await analyse(s, 'ZY-LONG', 'T-LONG-1b', old)).toEqual(longStay);
    const lateDecision = await analyse(s, 'MZ-LATE', 'T-LATE-1', old);
    expect(await feedback(s, [{ jrId: decided[0]!, way: '2' }])).toBe(0);
    expect(await feedback(s, [{ jrId: decided[1]!, way: '1', reason: '已核实' }])).toBe(0);
    await get(s, '/v1/stats'); // everything queued is written
    // One decision went to the platform (delivered then), the other never did.
    const delivered = s.db
      .prepare("UPDATE outbox SET delivered_at = created_at WHERE json_extract(payload, '$.warn_rslt_id') = ?")
      .run(decided[0]);
    expect(delivered.changes).toBe(1);
    ageRecords(s.db, 500);
    // The days the old reminders are on now: 500 days before the clock's day only if no midnight (Shanghai) came in
    // between, and two days if one came while they were answered.
    const [oldDay, oldTo] = s.db.prepare('SELECT MIN(day), MAX(day) FROM reminders').raw().get() as [string, string];

    // Today: a new encounter; the long stay is analysed again (same warnings, same jr_ids); a late decision on an
    // old reminder.
    const fresh = await analyse(s, 'MZ-NEW', 'T-NEW', now);
    expect(await feedback(s, [{ jrId: fresh[0]!, way: '2' }])).toBe(0);
    expect(await analyse(s, 'ZY-LONG', 'T-LONG-2', now)).toEqual(longStay);
    expect(await feedback(s, [{ jrId: lateDecision[0]!, way: '2' }])).toBe(0);
    // The day of the answer written last (everything queued written first): the day retention measures its window
    // from. Not the clock's day, the next one when midnight in Shanghai came since.
    await get(s, '/v1/stats');
    const today = shanghaiDay(count(s.db, 'SELECT MAX(created_at) FROM tasks'));

    const statsBefore = await allStats(s, oldDay, today);
    const oldDayBefore = await allStats(s, oldDay, oldTo);
    const todayBefore = await allStats(s, today, today);
    const taskBefore = (await get<TaskView>(s, '/v1/tasks/T-LONG-2')).body;
    // Today's answer gave the long stay's results unchanged: the same result bodies as its answers 500 days ago.
    const bodiesOf = (taskId: string) =>
      s.db
        .prepare("SELECT json_extract(j.value, '$[4]') FROM tasks t, json_each(t.results) j WHERE t.task_id = ?")
        .pluck()
        .all(taskId);
    expect(bodiesOf('T-LONG-2')).toEqual(bodiesOf('T-LONG-1b'));
    expect(taskBefore.results.map((r) => r.rule_name)).toEqual([expect.any(String), expect.any(String)]);

    const report = await s.retention.prune();
    expect(report).toMatchObject({
      kept_from: addDays(today, -400),
      reminders: 5, // MZ-OLD-1's, MZ-OLD-2's, and MZ-LATE's one left undecided
      dispositions: 2,
      tasks: 3, // T-OLD-1, T-OLD-2, T-LONG-1b; T-LONG-1 and T-LATE-1 are first answers of reminders kept
      outbox: 1, // the delivered decision
      outbox_undelivered: 1, // the one the platform has not taken in 500 days
    });
    expect(lines.filter((l) => l.outbox_undelivered !== undefined && l.level === 40)).toEqual([
      expect.objectContaining({ msg: '1 outbox entries never delivered in 400 days dropped', outbox_undelivered: 1 }),
    ]);
    expect(report!.result_bodies).toBeGreaterThanOrEqual(4);

    // Gone: the old encounters' answers, reminders, decisions and result bodies.
    expect((await get(s, '/v1/tasks/T-OLD-1')).status).toBe(404);
    expect((await get(s, '/v1/tasks/T-OLD-2')).status).toBe(404);
    expect((await get(s, '/v1/tasks/T-LONG-1b')).status).toBe(404);
    const gone = JSON.stringify([...decided, ...pending, lateDecision[1]]);
    const inList = 'IN (SELECT value FROM json_each(?))';
    expect(count(s.db, `SELECT COUNT(*) FROM reminders WHERE jr_id ${inList}`, gone)).toBe(0);
    expect(count(s.db, `SELECT COUNT(*) FROM dispositions WHERE jr_id ${inList}`, gone)).toBe(0);
    // (MZ-LATE's bodies stay with its first answer, kept as the first answer of its decided reminder.)
    const goneBodies = JSON.stringify([...decided, ...pending]);
    expect(count(s.db, `SELECT COUNT(*) FROM result_bodies WHERE jr_id ${inList}`, goneBodies)).toBe(0);
    // Gone too: the decision the platform never took in the window; today's decisions still wait for it.
    expect(
      count(
        s.db,
        "SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL AND json_extract(payload, '$.warn_rslt_id') = ?",
        decided[1],
      ),
    ).toBe(0);
    expect(count(s.db, 'SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL')).toBe(2);
    // Kept: the long stay's and the late decision's reminders, dated as before, and today's answers whole.
    const kept = JSON.stringify([...longStay, lateDecision[0], ...fresh]);
    expect(count(s.db, `SELECT COUNT(*) FROM reminders WHERE jr_id ${inList}`, kept)).toBe(5);
    expect(count(s.db, `SELECT COUNT(*) FROM reminders WHERE day BETWEEN ? AND ?`, oldDay, oldTo)).toBe(3);
    expect((await get<TaskView>(s, '/v1/tasks/T-LONG-2')).body).toEqual(taskBefore);
    expect((await get<TaskView>(s, '/v1/tasks/T-NEW')).body.results).toHaveLength(2);

    // Every figure is as it was, for the days kept and for the day pruned.
    expect(await allStats(s, today, today)).toEqual(todayBefore);
    expect(await allStats(s, oldDay, oldTo)).toEqual(oldDayBefore);
    expect(await allStats(s, oldDay, today)).toEqual(statsBefore);
    // And `prealert stats` (the built CLI, reading the same database) reports the pruned day as before too.
    expect(fs.existsSync(CLI), 'run pnpm build first').toBe(true);
    const cli = spawnSync(
      process.execPath,
      [CLI, 'stats', '--from', oldDay, '--to', oldTo, '--by', 'rule', '--format', 'json', '--data-dir', s.dataDir],
      { encoding: 'utf8' },
    );
    expect(cli.status, cli.stderr).toBe(0);
    const overHttp = (await get<{ totals: unknown }>(s, `/v1/stats?from=${oldDay}&to=${oldTo}&by=rule`)).body;
    expect((JSON.parse(cli.stdout) as { totals: unknown }).totals).toEqual(overHttp.totals);
    expect((overHttp.totals as { reminders: number }).reminders).toBeGreaterThan(0);

    // A 3103 for a reminder kept still works, also the long stay's first-day reminder; one pruned is unknown now.
    expect(await feedback(s, [{ jrId: longStay[0]!, way: '1', reason: '长期医嘱，已核实' }])).toBe(0);
    expect(await feedback(s, [{ jrId: fresh[1]!, way: '2' }])).toBe(0);
    expect(await feedback(s, [{ jrId: pending[0]!, way: '2' }])).toBe(-1);

    // Nothing more to prune.
    expect(await s.retention.prune()).toMatchObject({ reminders: 0, tasks: 0, result_bodies: 0, outbox: 0 });
  });

  it('lets an encounter pruned and answered again be decided: the recorder writes its reminders afresh', async () => {
    server = await testServer({ records: { retentionDays: 400 } });
    const s = server;
    const who = { deptCode: 'K1', doctorCode: 'D1' };
    const first = await analyse(s, 'MZ-AGAIN', 'T-AGAIN-1', who);
    expect(await feedback(s, [{ jrId: first[1]!, way: '1', reason: '已核实' }])).toBe(0);
    // While the decision is kept, the warning comes back marked as continued (prior_dspo).
    expect((await results(s, 'MZ-AGAIN', 'T-AGAIN-1b', who))[1]).toMatchObject({ prior_dspo: true });
    await get(s, '/v1/stats');
    ageRecords(s.db, 500);
    // Today's reminders are recorded from this day to the clock's day after them (two days across midnight).
    const today = shanghaiDay(Date.now());
    // The workstation answers today: pruning goes no further than the window of the last answer written.
    await analyse(s, 'MZ-TODAY', 'T-TODAY', { deptCode: 'K2', doctorCode: 'D2' });
    await get(s, '/v1/stats');
    expect(await s.retention.prune()).toMatchObject({ reminders: 2, tasks: 2, dispositions: 1 });

    // The same encounter under the same library gives the same jr_ids. The recorder had them as stored: without
    // forgetting that, it would write the answer without its reminders, and the 3103 below would be refused.
    const again = await results(s, 'MZ-AGAIN', 'T-AGAIN-2', who);
    expect(again.map((r) => r.jr_id)).toEqual(first);
    // The decision went with its records: the warning is asked again, not shown as settled.
    expect(again.map((r) => r.prior_dspo)).toEqual([undefined, undefined]);
    expect(await feedback(s, [{ jrId: first[0]!, way: '2' }])).toBe(0);
    const task = (await get<TaskView>(s, '/v1/tasks/T-AGAIN-2')).body;
    expect(task.results.map((r) => r.jr_id)).toEqual(first);
    expect(task.results.every((r) => typeof r.rule_name === 'string')).toBe(true);
    expect(task.dispositions[first[0]!]).toMatchObject({ dspo_way: '2' });
    const to = shanghaiDay(Date.now());
    expect((await get<{ totals: unknown }>(s, `/v1/stats?from=${today}&to=${to}`)).body.totals).toMatchObject({
      reminders: 4,
      complied: 1,
      pending: 3,
    });
  });

  it('keeps everything with retentionDays 0, and again after a restart on the same data dir', async () => {
    const dataDir = tempDataDir();
    server = await testServer({ dataDir, records: { retentionDays: 0 } });
    await analyse(server, 'MZ-KEEP', 'T-KEEP', { deptCode: 'K1', doctorCode: 'D1' });
    await get(server, '/v1/stats');
    ageRecords(server.db, 5000);
    expect(await server.retention.prune()).toBeUndefined();
    await server.close();
    server = await testServer({ dataDir, records: { retentionDays: 0 } });
    expect(await server.retention.prune()).toBeUndefined();
    expect((await get(server, '/v1/tasks/T-KEEP')).status).toBe(200);
    expect(count(server.db, 'SELECT COUNT(*) FROM reminders')).toBe(2);
    await server.close();
    // The same database with a window, once the workstation answers again: pruned at the first pass.
    server = await testServer({ dataDir, records: { retentionDays: 31 } });
    await analyse(server, 'MZ-TODAY', 'T-TODAY', { deptCode: 'K1', doctorCode: 'D1' });
    await get(server, '/v1/stats');
    expect(await server.retention.prune()).toMatchObject({ reminders: 2, tasks: 1 });
    expect((await get(server, '/v1/tasks/T-KEEP')).status).toBe(404);
  });
});

describe('records retention with a provincial gateway (a fresh jr_id on every call)', () => {
  // A stand-in gateway on loopback raising one warning on the encounter asked about, under a new jr_id each call.
  let gateway: FakeGateway;
  let gatewayUrl = '';
  let calls = 0;
  beforeAll(async () => {
    gateway = await startFakeGateway<{ infno: string; input: { data: { patient_dtos: { curr_mdtrt_id: string }[] } } }>(
      (body, res) => {
        res.setHeader('content-type', 'application/json');
        if (body.infno !== '3101') return res.end(JSON.stringify({ infcode: 0, err_msg: '', output: {} }));
        const mdtrtId = body.input.data.patient_dtos[0]!.curr_mdtrt_id;
        calls++;
        const warning = freshIdWarning(calls, mdtrtId);
        res.end(JSON.stringify({ infcode: 0, err_msg: '', output: { result: [warning] } }));
      },
    );
    gatewayUrl = gateway.url;
  });
  afterAll(async () => {
    await gateway.close();
  });

  const gatewayIds = async (s: SidecarServer, encounterId: string, taskId: string) => {
    const reply = await callService(s, analysisEnvelope({ encounterId, taskId }));
    return reply.body.output.result!.map((r) => r.jr_id).filter((id) => id.startsWith('GW-'));
  };

  it("keeps a gateway warning seen again within the window under the gateway's latest id, and drops old ids", async () => {
    server = await testServer({ records: { retentionDays: 400 }, upstream: { url: gatewayUrl, timeoutMs: 2_000 } });
    const s = server;
    // 500 days ago: a stay whose gateway warning is shown twice (two gateway ids, one reminder), and a visit.
    const [stayFirst] = await gatewayIds(s, 'ZY-U-1', 'T-U-1');
    const [staySecond] = await gatewayIds(s, 'ZY-U-1', 'T-U-2');
    const [visit] = await gatewayIds(s, 'MZ-U-2', 'T-U-3');
    const [lateVisit] = await gatewayIds(s, 'MZ-U-3', 'T-U-5');
    await get(s, '/v1/stats');
    expect(count(s.db, 'SELECT COUNT(*) FROM upstream_links')).toBe(4);
    ageRecords(s.db, 500);
    // Today the HIS sends the 3103 on the other visit's gateway warning, under the id it was shown then.
    expect(await feedback(s, [{ jrId: lateVisit!, way: '2' }])).toBe(0);
    // Today the stay is analysed again: the same warning, under the gateway's next id.
    const [stayToday] = await gatewayIds(s, 'ZY-U-1', 'T-U-4');
    const r01 = async () =>
      (await get<{ totals: unknown }>(s, '/v1/stats?from=2000-01-01&to=2100-01-01&by=rule&rule=R01')).body.totals;
    const before = await r01();
    expect(before).toMatchObject({ reminders: 3, complied: 1, pending: 2 });

    // The first visit's reminders and link go (and the late one's local reminders, never answered); of the stay's
    // links, those older than the window but its latest. The late visit's gateway reminder, decided within the
    // window, stays with its only link: a later change of mind goes to the gateway under that id.
    expect(await s.retention.prune()).toMatchObject({ reminders: 5, upstream_links: 3 });
    expect(s.db.prepare('SELECT gateway_jr_id FROM upstream_links ORDER BY seen_at').pluck().all()).toEqual([
      lateVisit,
      stayToday,
    ]);
    expect(await r01()).toEqual(before);
    expect(await feedback(s, [{ jrId: stayToday!, way: '1', reason: '临床必需' }])).toBe(0);
    expect(await feedback(s, [{ jrId: lateVisit!, way: '1', reason: '复核后继续' }])).toBe(0);
    for (const gone of [stayFirst!, staySecond!, visit!])
      expect(await feedback(s, [{ jrId: gone, way: '2' }])).toBe(-1);
    expect(await r01()).toMatchObject({ reminders: 3, continued: 2, pending: 1 });
  });
});

describe('records.retentionDays setting', () => {
  it('defaults to 400 days; takes 0 or at least 31 from the file or PREALERT_RECORDS_RETENTION_DAYS', () => {
    const dir = tempDataDir();
    expect(loadConfig({ env: { PREALERT_DATA_DIR: dir } }).records.retentionDays).toBe(DEFAULT_RETENTION_DAYS);
    expect(DEFAULT_RETENTION_DAYS).toBe(400);
    fs.writeFileSync(path.join(dir, CONFIG_FILE_NAME), JSON.stringify({ records: { retentionDays: 0 } }));
    expect(loadConfig({ env: { PREALERT_DATA_DIR: dir } }).records.retentionDays).toBe(0);
    const env = { PREALERT_DATA_DIR: dir, PREALERT_RECORDS_RETENTION_DAYS: '731' };
    expect(loadConfig({ env }).records.retentionDays).toBe(731);
  });

  it('names the bad setting', () => {
    const dir = tempDataDir();
    const file = path.join(dir, CONFIG_FILE_NAME);
    const load = (records: unknown) => {
      fs.writeFileSync(file, JSON.stringify({ records }));
      return () => loadConfig({ env: { PREALERT_DATA_DIR: dir } });
    };
    expect(load({ retentionDays: 30 })).toThrow(
      new ConfigError(
        'prealert.config.json: records.retentionDays must be 0 (keep for ever) or a whole number of days of at least 31 (got 30)',
      ),
    );
    expect(load({ retentionDays: 40.5 })).toThrow(/records\.retentionDays must be 0/);
    expect(load({ retentionDays: '400' })).not.toThrow();
    expect(load({ retentionDay: 400 })).toThrow(/records\.retentionDay is not a known setting \(retentionDays\)/);
    expect(load(400)).toThrow(/records must be an object/);
    fs.rmSync(file);
    expect(() => loadConfig({ env: { PREALERT_DATA_DIR: dir, PREALERT_RECORDS_RETENTION_DAYS: '-1' } })).toThrow(
      /PREALERT_RECORDS_RETENTION_DAYS must be 0/,
    );
  });
});
