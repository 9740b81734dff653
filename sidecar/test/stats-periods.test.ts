/**
 * 医保办 report monthly and quarterly (月报、季度考核): /v1/stats, the CSV and `prealert stats` give the figures by ISO
 * week, month and quarter, grouped from the same Asia/Shanghai days as by=day, pruned days included. A real sidecar
 * listening on loopback with its real SQLite file and the national codes; the records are the sidecar's own,
 * moved to their days with the retention tests' ageRecords.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SidecarServer } from '../src/server';
import type { StatsReport, StatsRow } from '../src/stats/compliance-figures';
import { addDays, shanghaiDay } from '../src/stats/days';
import { isoWeekOfMonday } from '../src/stats/periods';
import { analysisEnvelope, feedbackEnvelope } from './fixtures/his-requests';
import { CLI } from './helpers/spawn-sidecar';
import { callOverHttp, testServer } from './helpers/test-server';
import { ageRecords, count, DAY_MS } from './retention-support';

/*
 * The range asked for is 2026-03-25 (a Wednesday) … 2026-05-06 (a Wednesday): a part of March, of W13 and of W19 at
 * its ends; W14 (03-30 … 04-05) spans March and April. 03-24 and 05-07 lie outside it. Retention keeps 04-01 on.
 */
const FROM = '2026-03-25';
const TO = '2026-05-06';
const KEPT_FROM = '2026-04-01';
/** The days records are put on; two encounters on 04-02. */
const DAYS = [
  '2026-03-24',
  '2026-03-25',
  '2026-03-29',
  '2026-03-31',
  '2026-04-02',
  '2026-04-02',
  '2026-04-30',
  '2026-05-03',
  '2026-05-06',
  '2026-05-07',
];

let server: SidecarServer & { dataDir: string };
let base: string;

const daysBetween = (a: string, b: string) => Math.round((Date.parse(b) - Date.parse(a)) / DAY_MS);

async function stats(query: string): Promise<StatsReport> {
  const response = await fetch(`${base}/v1/stats?${query}`);
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as StatsReport;
}

beforeAll(async () => {
  // Every batch must be answered on one Asia/Shanghai day: each is moved back by its distance from that day. A
  // setup that midnight in Shanghai came through (CI at 23:59) is built again, on the new day, in a fresh data dir.
  for (;;) {
    const today = shanghaiDay(Date.now());
    await answerDays(today);
    if (shanghaiDay(Date.now()) === today) break;
    await server.close();
  }
  expect(count(server.db, 'SELECT COUNT(*) FROM reminders WHERE day = ?', '2026-04-02')).toBe(4);
}, 120_000);

/** Answers the batches of DAYS, each moved back onto its day, and one more answer today. */
async function answerDays(today: string): Promise<void> {
  // The window that keeps KEPT_FROM on today, so that the pass a minute after the start (should this run that
  // long) prunes exactly what the test's own pass does.
  server = await testServer({ records: { retentionDays: daysBetween(KEPT_FROM, today) } });
  const { port } = await server.listen();
  base = `http://127.0.0.1:${port}`;
  // Oldest first: each batch is answered today, then everything so far moved back to the next batch's distance,
  // so each ends up on its own day.
  for (const [i, day] of DAYS.entries()) {
    const reply = await callOverHttp(
      server,
      analysisEnvelope({
        encounterId: `MZ-P${i}`,
        taskId: `T-P${i}`,
        deptCode: i % 2 ? 'K1' : 'K2',
        doctorCode: i % 3 ? 'D1' : 'D2',
      }),
    );
    expect(reply.body.infcode).toBe(0);
    const jrIds = reply.body.output.result!.map((r) => r.jr_id);
    expect(jrIds).toHaveLength(2);
    // One 返回修改 and one 继续执行 on most days, nothing on every third: complied, continued and pending all occur.
    if (i % 3 !== 2) {
      const fb = await callOverHttp(
        server,
        feedbackEnvelope([
          { jrId: jrIds[0]!, way: '2' },
          { jrId: jrIds[1]!, way: '1', reason: '已核实' },
        ]),
      );
      expect(fb.body.infcode).toBe(0);
    }
    await stats(`from=${today}&to=${today}`); // everything queued is written
    const next = DAYS[i + 1] ?? today;
    ageRecords(server.db, daysBetween(day, next));
  }
  // Answered today: retention prunes no further than the window of the last answer written.
  const todays = await callOverHttp(server, analysisEnvelope({ encounterId: 'MZ-TODAY', taskId: 'T-TODAY' }));
  expect(todays.body.infcode).toBe(0);
}

afterAll(async () => {
  await server?.close();
});

const FIGURES = ['reminders', 'reminder_amount', 'complied', 'complied_amount', 'continued', 'pending'] as const;

/** The days' rows summed by the period `keyOf` puts each in, to the fen. */
function sumDays(days: StatsRow[], keyOf: (day: string) => string): Map<string, Record<string, number>> {
  const sums = new Map<string, Record<string, number>>();
  for (const row of days) {
    const sum = sums.get(keyOf(row.key)) ?? Object.fromEntries(FIGURES.map((f) => [f, 0]));
    for (const f of FIGURES) sum[f] = Math.round((sum[f]! + row[f]) * 100) / 100;
    sums.set(keyOf(row.key), sum);
  }
  return sums;
}

function figuresOf(row: StatsRow): Record<string, number> {
  return Object.fromEntries(FIGURES.map((f) => [f, row[f]]));
}

const mondayOf = (day: string) => addDays(day, -((new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7));
const PERIOD_OF = {
  week: (day: string) => isoWeekOfMonday(mondayOf(day)),
  month: (day: string) => day.slice(0, 7),
  quarter: (day: string) => `${day.slice(0, 4)}-Q${Math.floor((Number(day.slice(5, 7)) - 1) / 3) + 1}`,
};

/** Every period's figures are its days' sums, and the range's totals are by=day's. */
async function expectPeriodsAreSumsOfDays(): Promise<Record<string, StatsReport>> {
  const day = await stats(`from=${FROM}&to=${TO}&by=day`);
  const reports: Record<string, StatsReport> = { day };
  for (const period of ['week', 'month', 'quarter'] as const) {
    const report = await stats(`from=${FROM}&to=${TO}&by=${period}`);
    reports[period] = report;
    expect(report.by).toBe(period);
    expect(report.totals).toEqual(day.totals);
    const sums = sumDays(day.rows, PERIOD_OF[period]);
    expect(report.rows.map((r) => r.key)).toEqual([...sums.keys()]);
    for (const row of report.rows) expect(figuresOf(row), `${period} ${row.key}`).toEqual(sums.get(row.key));
  }
  return reports;
}

describe('figures by week, month and quarter', () => {
  it('names ISO weeks as ISO 8601 does, Monday first', () => {
    expect(isoWeekOfMonday('2026-11-23')).toBe('2026-W48');
    expect(isoWeekOfMonday('2025-12-29')).toBe('2026-W01'); // its Thursday is 2026-01-01
    expect(isoWeekOfMonday('2024-12-30')).toBe('2025-W01');
    expect(isoWeekOfMonday('2020-12-28')).toBe('2020-W53');
    expect(isoWeekOfMonday('2021-01-04')).toBe('2021-W01');
    expect(isoWeekOfMonday('2026-03-30')).toBe('2026-W14');
  });

  it('sums the days of each week, month and quarter, marks the partial ones, and keeps them after pruning', async () => {
    const before = await expectPeriodsAreSumsOfDays();
    // 03-24 and 05-07 are outside the range: 8 encounters of 2 reminders.
    expect(before.day!.totals.reminders).toBe(16);
    expect(before.day!.totals.complied).toBeGreaterThan(0);
    expect(before.day!.totals.pending).toBeGreaterThan(0);

    const months = before.month!.rows;
    expect(months.map((r) => [r.key, r.label, r.covered_from, r.covered_to, r.covered_days, r.partial])).toEqual([
      ['2026-03', '2026-03', '2026-03-25', '2026-03-31', 7, true],
      ['2026-04', '2026-04', '2026-04-01', '2026-04-30', 30, false],
      ['2026-05', '2026-05', '2026-05-01', '2026-05-06', 6, true],
    ]);
    expect(months.map((r) => r.reminders)).toEqual([6, 6, 4]);
    expect(months[0]).toMatchObject({ first_day: '2026-03-01', last_day: '2026-03-31' });

    const weeks = before.week!.rows;
    expect(weeks.map((r) => [r.key, r.first_day, r.last_day, r.covered_days, r.partial, r.reminders])).toEqual([
      ['2026-W13', '2026-03-23', '2026-03-29', 5, true, 4],
      // 03-31 and 04-02 (two encounters): one week across the month's end.
      ['2026-W14', '2026-03-30', '2026-04-05', 7, false, 6],
      ['2026-W18', '2026-04-27', '2026-05-03', 7, false, 4],
      ['2026-W19', '2026-05-04', '2026-05-10', 3, true, 2],
    ]);
    expect(weeks[1]!.label).toBe('2026-W14 03-30～04-05');
    expect(before.quarter!.rows.map((r) => [r.key, r.first_day, r.last_day, r.covered_days, r.partial])).toEqual([
      ['2026-Q1', '2026-01-01', '2026-03-31', 7, true],
      ['2026-Q2', '2026-04-01', '2026-06-30', 36, true],
    ]);

    // Narrowed to one doctor, the periods are still that doctor's days summed.
    const doctorDays = await stats(`from=${FROM}&to=${TO}&by=day&doctor=D2`);
    const doctorMonths = await stats(`from=${FROM}&to=${TO}&by=month&doctor=D2`);
    expect(doctorMonths.totals).toEqual(doctorDays.totals);
    const doctorSums = sumDays(doctorDays.rows, PERIOD_OF.month);
    for (const row of doctorMonths.rows) expect(figuresOf(row)).toEqual(doctorSums.get(row.key));

    // Retention prunes the records before 04-01: their figures live on in pruned_figures, and enter the weeks,
    // months and quarters as they enter the days (W14 is now part pruned, part kept).
    const pruned = await server.retention.prune();
    expect(pruned).toMatchObject({ kept_from: KEPT_FROM });
    expect(pruned!.reminders).toBe(8); // 03-24, 03-25, 03-29, 03-31
    expect(count(server.db, 'SELECT COUNT(*) FROM reminders WHERE day < ?', KEPT_FROM)).toBe(0);
    expect(count(server.db, 'SELECT COUNT(*) FROM pruned_figures WHERE day < ?', KEPT_FROM)).toBeGreaterThan(0);
    const after = await expectPeriodsAreSumsOfDays();
    expect(after).toEqual(before);
  }, 60_000);

  it('exports months to Excel with the days each covers, and refuses an unknown period naming the field', async () => {
    const response = await fetch(`${base}/v1/stats.csv?from=${FROM}&to=${TO}&by=month`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toContain(`prealert-stats-month-${FROM}-${TO}.csv`);
    const lines = (await response.text())
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).toBe(
      '月份,首日,末日,天数,整期,提醒人次,提醒金额,遵从人次,遵从金额,继续执行人次,未反馈人次,遵从率',
    );
    // 2026-03 as text: Excel would make it the date Mar-26.
    expect(lines[1]).toMatch(/^"=""2026-03""",2026-03-25,2026-03-31,7,否,6,/);
    expect(lines[2]).toMatch(/^"=""2026-04""",2026-04-01,2026-04-30,30,是,6,/);
    expect(lines.at(-1)).toMatch(new RegExp(`^合计,${FROM},${TO},43,,16,`));

    const bad = await fetch(`${base}/v1/stats?from=${FROM}&to=${TO}&by=fortnight`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: 'by must be one of day, week, month, quarter, rule, dept, doctor (got "fortnight")',
    });
  });

  it('gives `prealert stats --by week|month|quarter` the figures /v1/stats gives', async () => {
    expect(fs.existsSync(CLI), 'run pnpm build first').toBe(true);
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [CLI, 'stats', '--from', FROM, '--to', TO, '--data-dir', server.dataDir, ...args], {
        encoding: 'utf8',
      });
    for (const period of ['week', 'month', 'quarter']) {
      const json = cli('--by', period, '--format', 'json');
      expect(json.status, json.stderr).toBe(0);
      expect(JSON.parse(json.stdout)).toEqual(await stats(`from=${FROM}&to=${TO}&by=${period}`));
    }
    const table = cli('--by', 'week');
    expect(table.status, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/│ 周\s+│ 首日\s+│ 末日\s+│ 天数\s+│ 整期\s+│ 提醒人次/);
    expect(table.stdout).toMatch(/│ 2026-W19\s+│ 2026-05-04\s+│ 2026-05-06\s+│ 3\s+│ 否\s+│ 2\s+│/);
  });
});
