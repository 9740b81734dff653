/**
 * The 医保办 figures page in real headless Chromium against the real sidecar, after the demo station's 一键演示 put
 * four reminders on record: each figure under the one name the CSV and `prealert stats` use, no 遵从率 (「—」) where
 * there were no reminders, a reversed range refused in Chinese with the cards left empty, and with a 趋势对象 chosen
 * the cards and 导出 CSV are that object's figures and say so.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shanghaiDay } from '../sidecar/src/stats/days';
import { type DemoStack, startDemoStack } from './support/demo-stack';

interface Report {
  totals: { reminders: number; pending: number; compliance_rate: number | null };
  rows: { key: string; label: string; reminders: number }[];
}

let stack: DemoStack;
let page: Page;
/** The Shanghai days just before and just after the demo's 3101: its reminders are on one of them. */
let filledFrom = '';
let filledBy = '';

beforeAll(async () => {
  stack = await startDemoStack('figures-page');
  const station = await stack.context.newPage();
  await station.goto(`${stack.demo.url}/`);
  filledFrom = shanghaiDay(Date.now());
  await station.locator('#demo-fill').click();
  await station.waitForFunction(
    () => document.querySelector('#check-status')?.textContent?.includes('4 条提醒'),
    null,
    {
      timeout: 15_000,
    },
  );
  filledBy = shanghaiDay(Date.now());
  await station.close();
  page = await stack.context.newPage();
  await page.goto(`${stack.demo.url}/figures.html`);
  await page.waitForFunction(() => document.body.dataset.loadedBy === 'day');
}, 120_000);

afterAll(() => stack?.stop());

const cards = () =>
  page.$$eval('#totals .card', (nodes) =>
    Object.fromEntries(nodes.map((n) => [n.querySelector('.k')!.textContent, n.querySelector('.v')!.textContent])),
  );
const visibleHeads = () =>
  page.$$eval('table.stats th', (ths) => ths.filter((th) => !(th as HTMLElement).hidden).map((th) => th.textContent));
const status = () => page.locator('#figures-status').textContent();

async function query(from: string, to: string): Promise<void> {
  await page.fill('#from', from);
  await page.fill('#to', to);
  await page.locator('#query button[type="submit"]').click();
}

describe('the figures page', () => {
  it('names each figure as the CSV does, and shows a day once', async () => {
    const figureNames = ['提醒人次', '提醒金额', '遵从人次', '遵从金额', '继续执行人次', '未反馈人次', '遵从率'];
    expect(Object.keys(await cards())).toEqual(figureNames);
    expect(await visibleHeads()).toEqual(['日期', ...figureNames]);
    const cells = await page.$$eval('#stats-rows tr:first-child td', (tds) => tds.length);
    expect(cells).toBe(8);
    expect(await page.locator('#totals-whose').textContent()).toBe('本机合计');
    expect((await cards()).未反馈人次).toBe('4');
  });

  it('shows no 遵从率 for a period without reminders', async () => {
    await query('2020-10-01', '2020-10-31');
    await page.waitForFunction(() =>
      document.querySelector('#figures-status')?.textContent?.startsWith('2020-10-01 至'),
    );
    expect(await cards()).toMatchObject({ 提醒人次: '0', 遵从率: '—' });
  });

  it('refuses a reversed range in Chinese and leaves the cards empty', async () => {
    await query('2026-11-30', '2026-11-01');
    await page.waitForFunction(
      () => document.querySelector('#figures-status')?.textContent?.includes('开始日期'),
      null,
      {
        timeout: 5_000,
      },
    );
    expect(await status()).toBe('开始日期晚于结束日期，请重新选择');
    expect(new Set(Object.values(await cards()))).toEqual(new Set(['—']));
  });

  it("shows and exports the chosen 趋势对象's figures, and says whose they are", async () => {
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.loadedBy === 'day');
    await page.locator('input[name="by"][value="dept"]').check();
    await page.waitForFunction(() => document.body.dataset.loadedBy === 'dept');
    const from = await page.inputValue('#from');
    const to = await page.inputValue('#to');
    const byDept = (await (
      await fetch(`${stack.sidecar.url}/v1/stats?from=${from}&to=${to}&by=dept`)
    ).json()) as Report;
    const dept = byDept.rows[0]!;
    expect(await visibleHeads()).toContain('科室名称');
    expect(await page.locator('#totals-whose').textContent()).toBe('本机合计');

    await page.selectOption('#subject', dept.key);
    await page.waitForFunction((key) => document.body.dataset.chartSubject === key, dept.key);
    expect(await page.locator('#totals-whose').textContent()).toBe(`科室：${dept.label}（${dept.key}） 合计`);
    expect((await cards()).提醒人次).toBe(String(dept.reminders));

    const href = (await page.locator('#csv').getAttribute('href'))!;
    expect(new URL(href).searchParams.get('dept')).toBe(dept.key);
    const csv = await fetch(href);
    expect(csv.headers.get('content-disposition')).toContain(`prealert-stats-day-dept-${dept.key}-${from}-${to}.csv`);
    const total = (await csv.text()).trim().split('\r\n').at(-1)!;
    expect(total.startsWith(`合计（科室 ${dept.key}） ${from}~${to},${dept.reminders},`)).toBe(true);
  });

  it('shows a range of over two months by month, the partial months marked, and weeks when chosen', async () => {
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.loadedBy === 'day');
    expect(await page.inputValue('#period')).toBe('day'); // 30 days: by day
    const to = await page.inputValue('#to');
    const from = new Date(Date.parse(`${to}T00:00:00Z`) - 119 * 86_400_000).toISOString().slice(0, 10);
    await query(from, to);
    await page.waitForFunction(() => document.body.dataset.loadedPeriod === 'month');
    const byMonth = (await (
      await fetch(`${stack.sidecar.url}/v1/stats?from=${from}&to=${to}&by=month`)
    ).json()) as Report;
    expect(await visibleHeads()).toEqual(['月份', '所含日期', ...Object.keys(await cards())]);
    const rows = () =>
      page.$$eval('#stats-rows tr', (trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
      );
    const monthRows = await rows();
    expect(monthRows.map((r) => r[0])).toEqual(byMonth.rows.map((r) => r.key));
    // The demo's 4 reminders are counted in the month of the day they were recorded on, which is the month `to` is
    // in unless midnight at a month's end came between the demo's 3101 and this page's load (CI at 23:59 on the
    // 31st): that day is read from the sidecar's by-day rows, not taken to be `to`.
    const byDay = (await (await fetch(`${stack.sidecar.url}/v1/stats?from=${from}&to=${to}&by=day`)).json()) as Report;
    const recordedDays = byDay.rows.filter((r) => r.reminders > 0).map((r) => r.key);
    expect(recordedDays.length).toBeGreaterThan(0);
    for (const day of recordedDays) expect([filledFrom, filledBy]).toContain(day);
    const perMonth = new Map<string, number>();
    for (const r of byDay.rows) perMonth.set(r.key.slice(0, 7), (perMonth.get(r.key.slice(0, 7)) ?? 0) + r.reminders);
    const monthsRecorded = [...perMonth].filter(([, n]) => n > 0).map(([month, n]) => [month, String(n)]);
    expect(monthRows.map((r) => [r[0], r[2]])).toEqual(monthsRecorded);
    expect(byDay.totals.reminders).toBe(byMonth.totals.reminders);
    // A month is marked partial where the range cuts it: from's month unless from is its 1st, to's unless its last.
    const lastDay = new Date(Date.UTC(Number(to.slice(0, 4)), Number(to.slice(5, 7)), 0)).toISOString().slice(0, 10);
    for (const [month, covered] of monthRows) {
      const cut = (month === from.slice(0, 7) && !from.endsWith('-01')) || (month === to.slice(0, 7) && to !== lastDay);
      if (cut) expect(covered).toMatch(/（不完整，\d+ 天）$/);
      else expect(covered).not.toMatch(/不完整/);
    }
    expect(new URL((await page.locator('#csv').getAttribute('href'))!).searchParams.get('by')).toBe('month');
    const chartLabels = await page.evaluate(() =>
      // @ts-expect-error Chart.js's global, loaded by the page
      (globalThis.Chart.getChart('chart')?.data.labels ?? []).map(String),
    );
    // Every month of the range on the axis, those without reminders too.
    expect(chartLabels.at(-1)).toBe(to.slice(0, 7));
    expect(chartLabels.length).toBeGreaterThanOrEqual(4);

    await page.selectOption('#period', 'week');
    await page.waitForFunction(() => document.body.dataset.loadedPeriod === 'week');
    const weekRows = await rows();
    expect(weekRows.length).toBeGreaterThan(0);
    for (const row of weekRows) expect(row[0]).toMatch(/^\d{4}-W\d{2}$/);
    expect(await visibleHeads()).toContain('周');
    expect(new URL((await page.locator('#csv').getAttribute('href'))!).searchParams.get('by')).toBe('week');

    // A department's trend follows the 时间粒度 chosen, in the cards and in 导出 CSV.
    await page.locator('input[name="by"][value="dept"]').check();
    await page.waitForFunction(() => document.body.dataset.loadedBy === 'dept');
    const dept = await page.$eval('#subject option:nth-child(2)', (o) => o.getAttribute('value'));
    await page.selectOption('#subject', dept!);
    await page.waitForFunction((key) => document.body.dataset.chartSubject === key, dept);
    const href = new URL((await page.locator('#csv').getAttribute('href'))!);
    expect([href.searchParams.get('by'), href.searchParams.get('dept')]).toEqual(['week', dept]);
  });
});
