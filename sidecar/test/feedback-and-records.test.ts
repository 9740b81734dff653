import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SidecarServer } from '../src/server';
import { DATABASE_FILE_NAME } from '../src/store/database';
import type { TaskView } from '../src/store/tasks';
import { analysisEnvelope, feedbackEnvelope, SEX_RULE_DRUG } from './fixtures/his-requests';
import { callService, testServer } from './helpers/test-server';

/** A platform URL (nothing listens there): decisions are queued for it, and this server never sends them. */
const NOWHERE = { url: 'http://127.0.0.1:9/' };
let server: SidecarServer & { dataDir: string };

beforeAll(async () => {
  server = await testServer({ platform: NOWHERE });
});
afterAll(async () => {
  await server.close();
});

const PATIENT_ID = '44010000000009876543';
const PATIENT_NAME = '赵隐私';

async function analyse(encounterId: string, extra: Parameters<typeof analysisEnvelope>[0] = {}) {
  const reply = await callService(
    server,
    analysisEnvelope({ encounterId, patientId: PATIENT_ID, patientName: PATIENT_NAME, ...extra }),
  );
  expect(reply.body.infcode).toBe(0);
  return reply.body.output.result!;
}

async function feedback(warns: Parameters<typeof feedbackEnvelope>[0]) {
  return (await callService(server, feedbackEnvelope(warns))).body;
}

function outboxCount(): number {
  return (server.db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE kind = 'disposition'").get() as { n: number }).n;
}

describe('3103 dispositions', () => {
  it('rejects an unknown jr_id, naming the field', async () => {
    const reply = await feedback([{ jrId: 'no-such-jr-id', way: '2' }]);
    expect(reply.infcode).toBe(-1);
    expect(reply.err_msg).toMatch(/input\.data\.warns\[0\]\.warn_rslt_id: 未知的提醒结果ID "no-such-jr-id"/);
  });

  // Found by fuzz-gateway.test.ts: an unknown warn_rslt_id was quoted whole, and every problem of a 3103 listed, so
  // a HIS that sent 40,000 characters there, or a thousand unknown ids, got all of it back in err_msg.
  it('quotes at most 40 characters of an unknown jr_id and lists only the problems err_msg (字符 200) holds', async () => {
    const long = await feedback([{ jrId: 'J'.repeat(40_000), way: '2' }]);
    expect(long.infcode).toBe(-1);
    expect(long.err_msg).toBe(
      `反馈校验失败: input.data.warns[0].warn_rslt_id: 未知的提醒结果ID "${'J'.repeat(40)}"…，不是本机 3101/3102 返回的 jr_id`,
    );
    const many = await feedback(Array.from({ length: 25 }, (_, i) => ({ jrId: `no-such-${i}`, way: '2' as const })));
    expect(many.infcode).toBe(-1);
    expect(many.err_msg).toContain('input.data.warns[0].warn_rslt_id');
    expect([...many.err_msg].length).toBeLessThanOrEqual(200);
    const shown = many.err_msg.split('; ').length - 1;
    expect(many.err_msg.endsWith(`; …另有 ${25 - shown} 处`)).toBe(true);
  });

  it('requires a reason to continue where the rule asks for one, and stores nothing of a rejected 3103', async () => {
    const [a, b] = await analyse('MZ-F-1');
    const before = outboxCount();
    const reply = await feedback([
      { jrId: a!.jr_id, way: '2' },
      { jrId: b!.jr_id, way: '1', reason: '   ' },
    ]);
    expect(reply.infcode).toBe(-1);
    expect(reply.err_msg).toMatch(/input\.data\.warns\[1\]\.dspo_way_rea: 继续执行\(dspo_way=1\)须填写理由/);
    expect(
      server.db.prepare('SELECT COUNT(*) AS n FROM dispositions WHERE jr_id IN (?, ?)').get(a!.jr_id, b!.jr_id),
    ).toEqual({ n: 0 });
    expect(outboxCount()).toBe(before);
  });

  it('records decisions durably, once: a repeat is idempotent, a change is a new revision', async () => {
    const [a, b] = await analyse('MZ-F-2');
    const before = outboxCount();
    const warns = [
      { jrId: a!.jr_id, way: '2' as const },
      { jrId: b!.jr_id, way: '1' as const, reason: '患者为变性人，已核实' },
    ];
    expect((await feedback(warns)).infcode).toBe(0);
    expect((await feedback(warns)).infcode).toBe(0);
    expect(outboxCount()).toBe(before + 2);
    expect((await feedback([{ jrId: a!.jr_id, way: '1', reason: '复核后继续' }])).infcode).toBe(0);
    // The change is a new revision; it supersedes the first one, which (no platform here) had not gone yet.
    expect(outboxCount()).toBe(before + 2);
    expect(
      server.db
        .prepare("SELECT json_extract(payload, '$.revision') FROM outbox WHERE kind = 'disposition' AND id LIKE ?")
        .pluck()
        .all(`%:${a!.jr_id}:%`),
    ).toEqual([2]);
    const row = server.db
      .prepare('SELECT dspo_way, dspo_way_rea, revision FROM dispositions WHERE jr_id = ?')
      .get(a!.jr_id);
    expect(row).toEqual({ dspo_way: '1', dspo_way_rea: '复核后继续', revision: 2 });
  });

  it('dates a decision given again by its latest giving, so the reminder page of a later analysis sees it answered', async () => {
    const [a] = await analyse('MZ-F-5', { taskId: 'T-MZ-F-5-first' });
    await feedback([{ jrId: a!.jr_id, way: '2' }]);
    const before = outboxCount();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await analyse('MZ-F-5', { taskId: 'T-MZ-F-5-again' });
    const task = async () =>
      JSON.parse((await server.app.inject({ url: '/v1/tasks/T-MZ-F-5-again' })).payload) as TaskView;
    const shown = await task();
    // The first 返回修改 predates this analysis: not an answer to it (the widget asks again).
    expect(Date.parse(shown.dispositions[a!.jr_id]!.at)).toBeLessThan(Date.parse(shown.created_at));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await feedback([{ jrId: a!.jr_id, way: '2' }])).infcode).toBe(0);
    const answered = await task();
    expect(Date.parse(answered.dispositions[a!.jr_id]!.at)).toBeGreaterThan(Date.parse(answered.created_at));
    // Still the same decision: no new revision, nothing more for the platform.
    expect(server.db.prepare('SELECT revision FROM dispositions WHERE jr_id = ?').get(a!.jr_id)).toEqual({
      revision: 1,
    });
    expect(outboxCount()).toBe(before);
  });

  it('marks a warning already continued with a reason when it comes back in the same encounter', async () => {
    const [a, b] = await analyse('MZ-F-3');
    await feedback([{ jrId: a!.jr_id, way: '1', reason: '已与患者确认用药' }]);
    const again = await analyse('MZ-F-3', { taskId: 'T-MZ-F-3-again' });
    const sameA = again.find((r) => r.jr_id === a!.jr_id)!;
    const sameB = again.find((r) => r.jr_id === b!.jr_id)!;
    expect(sameA).toMatchObject({ dspo_way: '1', dspo_way_rea: '已与患者确认用药', prior_dspo: true });
    expect(sameB.prior_dspo).toBeUndefined();
    // Another encounter of the same patient: a different jr_id, asked again.
    const other = await analyse('MZ-F-3b');
    expect(other.every((r) => r.prior_dspo === undefined)).toBe(true);
  });

  it("refuses to continue a rule whose workflow impact is 'block'", async () => {
    const blocking = await testServer({ evaluator: { ruleOverrides: { [SEX_RULE_DRUG]: { impact: 'block' } } } });
    try {
      const reply = await callService(blocking, analysisEnvelope({ encounterId: 'MZ-F-4' }));
      const [a] = reply.body.output.result!;
      expect(a!.wf_impact).toBe('block');
      const continued = await callService(blocking, feedbackEnvelope([{ jrId: a!.jr_id, way: '1', reason: '坚持' }]));
      expect(continued.body.infcode).toBe(-1);
      expect(continued.body.err_msg).toMatch(/warns\[0\]\.dspo_way: 规则 GZ10000301004000.*禁止继续执行/);
      const modified = await callService(blocking, feedbackEnvelope([{ jrId: a!.jr_id, way: '2' }]));
      expect(modified.body.infcode).toBe(0);
    } finally {
      await blocking.close();
    }
  });
});

describe('records', () => {
  it('GET /v1/tasks/:task_id gives the results as answered and the decisions since', async () => {
    const results = await analyse('MZ-R-1', { taskId: 'TASK-R-1' });
    await feedback([{ jrId: results[0]!.jr_id, way: '2' }]);
    const response = await server.app.inject({ url: '/v1/tasks/TASK-R-1' });
    expect(response.statusCode).toBe(200);
    const task = JSON.parse(response.payload) as TaskView;
    expect(task).toMatchObject({ task_id: 'TASK-R-1', infno: '3101', trig_scen: '2' });
    expect(task.results.map((r) => r.jr_id)).toEqual(results.map((r) => r.jr_id));
    expect(task.results[0]!.vola_cont).toBe(results[0]!.vola_cont);
    expect(task.results[0]!.patn_id).not.toBe(PATIENT_ID);
    expect(task.dispositions[results[0]!.jr_id]).toMatchObject({ dspo_way: '2', dspo_way_rea: '' });
    expect(task.dispositions[results[1]!.jr_id]).toBeUndefined();
    expect((await server.app.inject({ url: '/v1/tasks/NO-SUCH-TASK' })).statusCode).toBe(404);
  });

  it('never stores the patient name or patn_id in clear (scans the database files)', async () => {
    await analyse('MZ-R-2');
    await server.app.inject({ url: '/v1/status' }); // flushes the record queue
    const reader = new Database(path.join(server.dataDir, DATABASE_FILE_NAME), { readonly: true });
    const encounterRow = reader
      .prepare("SELECT json_extract(encounters, '$[0][1]') AS patient_key FROM tasks WHERE encounters LIKE '%MZ-R-2%'")
      .get() as {
      patient_key: string;
    };
    reader.close();
    expect(encounterRow.patient_key).toMatch(/^[A-Za-z0-9_-]{22}$/);
    for (const file of fs.readdirSync(server.dataDir).filter((f) => f.startsWith(DATABASE_FILE_NAME))) {
      const bytes = fs.readFileSync(path.join(server.dataDir, file));
      expect(bytes.includes(Buffer.from(PATIENT_ID)), file).toBe(false);
      expect(bytes.includes(Buffer.from(PATIENT_NAME)), file).toBe(false);
    }
  });
});

describe('compliance figures', () => {
  it('counts a reminder once per distinct jr_id, by day, rule, dept and doctor', async () => {
    const fresh = await testServer();
    try {
      const send = (body: unknown) => callService(fresh, body);
      const first = (
        await send(
          analysisEnvelope({
            encounterId: 'MZ-S-1',
            firing: 3,
            deptCode: 'D1',
            deptName: '妇科',
            doctorCode: 'DR1',
            doctorName: '甲医生',
          }),
        )
      ).body.output.result!;
      // Re-analysing the same encounter does not double count.
      await send(
        analysisEnvelope({
          encounterId: 'MZ-S-1',
          firing: 3,
          deptCode: 'D1',
          deptName: '妇科',
          doctorCode: 'DR1',
          doctorName: '甲医生',
          taskId: 'again',
        }),
      );
      const second = (
        await send(
          analysisEnvelope({
            encounterId: 'MZ-S-2',
            firing: 1,
            deptCode: 'D2',
            deptName: '泌尿科',
            doctorCode: 'DR2',
            doctorName: '乙医生',
          }),
        )
      ).body.output.result!;
      await send(
        feedbackEnvelope([
          { jrId: first[0]!.jr_id, way: '2' },
          { jrId: first[1]!.jr_id, way: '1', reason: '已确认' },
          { jrId: second[0]!.jr_id, way: '2' },
        ]),
      );
      const amount = (rs: typeof first) => rs.reduce((s, r) => s + r.vola_amt, 0);
      const round = (n: number) => Math.round(n * 100) / 100;
      const stats = JSON.parse((await fresh.app.inject({ url: '/v1/stats?by=dept' })).payload);
      expect(stats.by).toBe('dept');
      expect(stats.totals).toEqual({
        reminders: 4,
        reminder_amount: round(amount(first) + amount(second)),
        complied: 2,
        complied_amount: round(first[0]!.vola_amt + second[0]!.vola_amt),
        continued: 1,
        pending: 1,
        compliance_rate: 0.5,
      });
      expect(stats.rows).toEqual([
        expect.objectContaining({ key: 'D1', label: '妇科', reminders: 3, complied: 1, continued: 1, pending: 1 }),
        expect.objectContaining({ key: 'D2', label: '泌尿科', reminders: 1, complied: 1, compliance_rate: 1 }),
      ]);
      const byDoctor = JSON.parse((await fresh.app.inject({ url: '/v1/stats?by=doctor' })).payload);
      expect(byDoctor.rows.map((r: { label: string }) => r.label)).toEqual(['甲医生', '乙医生']);
      const byRule = JSON.parse((await fresh.app.inject({ url: '/v1/stats?by=rule' })).payload);
      expect(byRule.rows).toEqual([
        expect.objectContaining({ key: SEX_RULE_DRUG, label: '药品区分性别使用', reminders: 4 }),
      ]);
      const byDay = JSON.parse((await fresh.app.inject({ url: '/v1/stats' })).payload);
      expect(byDay.rows).toHaveLength(1);
      expect(byDay.rows[0].reminders).toBe(4);
      // One doctor's figures over time (the 医保办 page's per-doctor series).
      const oneDoctor = JSON.parse((await fresh.app.inject({ url: '/v1/stats?by=day&doctor=DR2' })).payload);
      expect(oneDoctor.filter).toEqual({ doctor: 'DR2' });
      expect(oneDoctor.rows).toEqual([expect.objectContaining({ reminders: 1, complied: 1, compliance_rate: 1 })]);
      expect(oneDoctor.totals.reminders).toBe(1);
      const oneDept = JSON.parse((await fresh.app.inject({ url: '/v1/stats?by=rule&dept=D1' })).payload);
      expect(oneDept.totals).toMatchObject({ reminders: 3, complied: 1, continued: 1, pending: 1 });
      const nobody = JSON.parse((await fresh.app.inject({ url: '/v1/stats?by=day&rule=GZ00000000000000' })).payload);
      expect(nobody.totals.reminders).toBe(0);
      // Nothing to comply with: no rate, not 0 % (the worst score).
      expect(nobody.totals.compliance_rate).toBeNull();
      expect(nobody.rows).toEqual([]);
      const nobodyCsv = await fresh.app.inject({ url: '/v1/stats.csv?by=day&rule=GZ00000000000000' });
      expect(nobodyCsv.payload.trim().split('\r\n').at(-1)).toBe(
        `合计（规则 GZ00000000000000） ${nobody.from}~${nobody.to},0,0.00,0,0.00,0,0,`,
      );

      const csv = await fresh.app.inject({ url: '/v1/stats.csv?by=dept' });
      expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
      const lines = csv.payload
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\r\n');
      expect(lines[0]).toBe('科室编码,科室名称,提醒人次,提醒金额,遵从人次,遵从金额,继续执行人次,未反馈人次,遵从率');
      expect(lines[1]).toMatch(/^D1,妇科,3,/);
      expect(lines.at(-1)).toMatch(/^合计,.*,4,.*,2,.*,1,1,50\.00%$/);
      expect(csv.headers['content-disposition']).toMatch(/filename="prealert-stats-dept-\d{4}-\d\d-\d\d-\d{4}-/);

      // One doctor's sheet says so, in its name and on its total, and by day it has the day once.
      const doctorCsv = await fresh.app.inject({ url: '/v1/stats.csv?by=day&doctor=DR2' });
      expect(doctorCsv.headers['content-disposition']).toMatch(
        /^attachment; filename="prealert-stats-day-doctor-DR2-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d\.csv"$/,
      );
      const doctorLines = doctorCsv.payload
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\r\n');
      expect(doctorLines[0]).toBe('日期,提醒人次,提醒金额,遵从人次,遵从金额,继续执行人次,未反馈人次,遵从率');
      expect(doctorLines.at(-1)).toMatch(
        /^合计（医生 DR2） \d{4}-\d\d-\d\d~\d{4}-\d\d-\d\d,1,[\d.]+,1,[\d.]+,0,0,100\.00%$/,
      );
    } finally {
      await fresh.close();
    }
  });

  it('answers 400 naming a bad query parameter', async () => {
    for (const [query, message] of [
      ['from=2026-13-01', /from must be a date/],
      ['to=yesterday', /to must be a date/],
      ['by=ward', /by must be one of day, week, month, quarter, rule, dept, doctor/],
      ['from=2026-03-02&to=2026-03-01', /is after to/],
      [`doctor=${'D'.repeat(65)}`, /doctor must be one code/],
    ] as const) {
      const response = await server.app.inject({ url: `/v1/stats?${query}` });
      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.payload).error).toMatch(message);
    }
  });
});
