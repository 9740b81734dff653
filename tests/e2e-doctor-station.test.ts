/**
 * End to end in real headless Chromium: the README's `pnpm demo` command (examples/web-his/start.mjs) starts the
 * built sidecar and the demo doctor station; a doctor types a prescription, sees the warnings inline, answers
 * them with the keyboard only, and the sidecar's records and the 医保办 figures change accordingly.
 * Screenshots go to artifacts/ (CI artifacts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/chromium';
import { openStation } from './support/demo-stack';
import { feedbackDrained, pendingFeedbackOf } from './support/pending-feedback';

const repoRoot = path.resolve(import.meta.dirname, '..');
const artifacts = path.join(repoRoot, 'artifacts');

interface Stats {
  totals: { reminders: number; complied: number; continued: number; pending: number; compliance_rate: number | null };
}
interface TaskView {
  results: { jr_id: string; rule_name: string }[];
  dispositions: Record<string, { dspo_way: string; dspo_way_rea: string }>;
}

let demo: ChildProcess;
let demoUrl = '';
let sidecarUrl = '';
let dataDir = '';
let userDataDir = '';
let context: BrowserContext;

/** Runs `pnpm demo`'s script and reads the two addresses it prints. */
async function startDemo(): Promise<void> {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-e2e-'));
  demo = spawn(process.execPath, [path.join(repoRoot, 'examples/web-his/start.mjs')], {
    env: { ...process.env, PREALERT_DEMO_PORT: '0', PREALERT_PORT: '0', PREALERT_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const errors: string[] = [];
  readline.createInterface({ input: demo.stderr! }).on('line', (line) => errors.push(line));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not start: ${errors.join('\n')}`)), 60_000);
    demo.once('exit', (code) => reject(new Error(`demo exited with ${code}: ${errors.join('\n')}`)));
    readline.createInterface({ input: demo.stdout! }).on('line', (line) => {
      const station = /医生站演示：\s+(http:\/\/\S+?)\/?$/.exec(line);
      if (station) demoUrl = station[1]!;
      const service = /本机 sidecar：\s+(http:\/\/\S+)/.exec(line);
      if (service) sidecarUrl = service[1]!;
      if (demoUrl && sidecarUrl) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  expect(response.status, url).toBe(200);
  return (await response.json()) as T;
}

/** What has keyboard focus, looking through shadow roots. */
function focused(page: Page) {
  return page.evaluate(() => {
    let active: Element | null = document.activeElement;
    while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
    const card = active?.closest('li.card') as HTMLElement | null;
    const row = active?.closest('tr[data-rx-id]') as HTMLElement | null;
    return {
      tag: active?.tagName.toLowerCase() ?? '',
      id: active?.id ?? '',
      className: active?.className ?? '',
      cardRule: card?.querySelector('.rule')?.textContent ?? '',
      rowRxId: row?.dataset.rxId ?? '',
    };
  });
}

/** What chart.js drew on the figures page (its own record of the chart, read through the page's global). */
function chartData(page: Page) {
  return page.evaluate(() => {
    interface DrawnChart {
      options: { plugins?: { title?: { text?: string } } };
      data: { labels?: unknown[]; datasets: { label?: string; data: (number | null)[] }[] };
    }
    const lib = (globalThis as unknown as { Chart: { getChart(canvas: Element | null): DrawnChart | undefined } })
      .Chart;
    const drawn = lib.getChart(document.getElementById('chart'));
    return {
      title: drawn?.options.plugins?.title?.text ?? '',
      labels: drawn?.data.labels?.length ?? 0,
      datasets: (drawn?.data.datasets ?? []).map((d) => ({ label: d.label ?? '', data: d.data })),
    };
  });
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(artifacts, name), fullPage: true });

beforeAll(async () => {
  fs.mkdirSync(artifacts, { recursive: true });
  await startDemo();
  ({ context, profileDir: userDataDir } = await launchChromium());
}, 120_000);

afterAll(async () => {
  await context?.close();
  if (demo && demo.exitCode === null) {
    const exited = new Promise((resolve) => demo.once('exit', resolve));
    demo.kill('SIGTERM');
    await exited;
  }
  for (const dir of [userDataDir, dataDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('demo doctor station in Chromium', () => {
  let page: Page;
  let firstTaskId = '';
  let taskAfterEdit = '';
  const pageErrors: string[] = [];
  let statsBefore: Stats;

  it('shows the four warnings inline while the doctor types a prescription', async () => {
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await openStation(page, demoUrl);
    expect((await focused(page)).id).toBe('entry-item');

    statsBefore = await getJson<Stats>(`${sidecarUrl}/v1/stats?by=rule`);
    for (const name of ['他达拉非片', '小儿布洛芬栓', '复方氨基酸注射液(18AA)', '葡萄糖耐量试验(口服)', '葡萄糖测定']) {
      await page.keyboard.type(name);
      await page.keyboard.press('Enter');
    }
    await page.waitForFunction(() => document.querySelector('#check-status')?.textContent?.includes('4 条提醒'), null, {
      timeout: 10_000,
    });
    firstTaskId = await page.evaluate(() => document.body.dataset.taskId ?? '');
    expect(firstTaskId).not.toBe('');

    const cards = page.locator('prealert-reminder li.card');
    expect(await cards.count()).toBe(4);
    expect(await cards.locator('.rule').allTextContents()).toEqual([
      '药品限就医方式',
      '医疗服务项目重复收费',
      '药品区分性别使用',
      '药品儿童专用',
    ]);
    expect(await cards.locator('.sev').allTextContents()).toEqual(['明确违规', '明确违规', '高度可疑', '高度可疑']);
    expect(await cards.first().locator('.content').textContent()).toContain('复方氨基酸注射液(18AA)');
    expect(await cards.first().locator('.evidence').textContent()).toContain('住院患者');

    // Inline: each order row carries the severity of the warnings that flag it, and a badge.
    const rows = await page.$$eval('tr[data-rx-id]', (trs) =>
      trs.map((tr) => ({
        name: tr.children[1]?.textContent,
        severity: tr.getAttribute('data-prealert-severity'),
        involved: tr.getAttribute('data-prealert-involved'),
        badge: tr.querySelector('.warn-cell')?.textContent,
      })),
    );
    expect(rows).toEqual([
      { name: '他达拉非片', severity: '2', involved: null, badge: '高度可疑：药品区分性别使用' },
      { name: '小儿布洛芬栓', severity: '2', involved: null, badge: '高度可疑：药品儿童专用' },
      { name: '复方氨基酸注射液(18AA)', severity: '1', involved: null, badge: '明确违规：药品限就医方式' },
      { name: '葡萄糖耐量试验(口服)', severity: null, involved: 'true', badge: '涉及：医疗服务项目重复收费' },
      { name: '葡萄糖测定', severity: '1', involved: null, badge: '明确违规：医疗服务项目重复收费' },
    ]);

    // The panel is reachable by role and name, as a screen reader sees it.
    const panel = page.locator('prealert-reminder');
    expect(await panel.getByRole('region', { name: '医保智能提醒' }).count()).toBe(1);
    expect(await panel.getByRole('list', { name: /提醒列表，共 4 条/ }).count()).toBe(1);
    expect(await panel.getByRole('button', { name: /返回修改/ }).count()).toBe(4);
    await shot(page, 'e2e-01-warnings-inline.png');
  }, 60_000);

  it('overrides one warning with a reason and sends another back for modification, keyboard only', async () => {
    await page.keyboard.press('F8');
    expect((await focused(page)).cardRule).toBe('药品限就医方式');
    const activeRows = await page.$$eval('tr[data-prealert-active="true"]', (trs) =>
      trs.map((tr) => tr.children[1]?.textContent),
    );
    expect(activeRows).toEqual(['复方氨基酸注射液(18AA)']);

    // 继续执行 needs a reason here (wf_impact "reason"): Enter alone is refused and says why.
    await page.keyboard.press('c');
    await page.keyboard.press('Enter');
    const error = page.locator('prealert-reminder li.card').first().locator('.error');
    expect(await error.textContent()).toBe('继续执行须选择或填写理由');
    await page.keyboard.press('1');
    await shot(page, 'e2e-02-reason-picked.png');
    await page.keyboard.press('Enter');
    // Focus moves on to the next unanswered warning.
    expect((await focused(page)).cardRule).toBe('医疗服务项目重复收费');

    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect((await focused(page)).cardRule).toBe('药品儿童专用');
    await page.keyboard.press('m');
    // 返回修改 takes the doctor to the line to change.
    const inRow = await focused(page);
    expect(inRow.tag).toBe('input');
    const childRow = await page.$eval(`tr[data-rx-id="${inRow.rowRxId}"]`, (tr) => tr.children[1]?.textContent);
    expect(childRow).toBe('小儿布洛芬栓');
    await feedbackDrained(page);
    const states = await page.locator('prealert-reminder li.card .state').allTextContents();
    expect(states).toEqual(['已记录', '', '', '已记录']);
    await shot(page, 'e2e-03-decided.png');

    // The doctor removes the line (Tab to 删除, Enter); the next analysis no longer has that warning.
    await page.keyboard.press('Tab');
    expect((await focused(page)).className).toBe('remove');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#check-status')?.textContent?.includes('3 条提醒'), null, {
      timeout: 10_000,
    });
    taskAfterEdit = await page.evaluate(() => document.body.dataset.taskId ?? '');
    expect(taskAfterEdit).not.toBe(firstTaskId);
    // The override survives re-analysis: same jr_id, so it is not asked again.
    expect(await page.locator('prealert-reminder .progress').textContent()).toBe('已处理 1/3');
    expect(await page.locator('prealert-reminder li.card').first().locator('.state').textContent()).toBe('已记录');
    await shot(page, 'e2e-04-after-edit.png');
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('has both dispositions recorded by the sidecar and the figures changed', async () => {
    const task = await getJson<TaskView>(`${sidecarUrl}/v1/tasks/${encodeURIComponent(firstTaskId)}`);
    const jr = (rule: string) => task.results.find((r) => r.rule_name === rule)!.jr_id;
    expect(task.dispositions[jr('药品限就医方式')]).toMatchObject({ dspo_way: '1', dspo_way_rea: '临床必需' });
    expect(task.dispositions[jr('药品儿童专用')]).toMatchObject({ dspo_way: '2' });
    expect(Object.keys(task.dispositions)).toHaveLength(2);

    const after = await getJson<Stats>(`${sidecarUrl}/v1/stats?by=rule`);
    expect(after.totals.reminders - statsBefore.totals.reminders).toBe(4);
    expect(after.totals.complied - statsBefore.totals.complied).toBe(1);
    expect(after.totals.continued - statsBefore.totals.continued).toBe(1);
    expect(after.totals.pending - statsBefore.totals.pending).toBe(2);

    const figures = await context.newPage();
    await figures.goto(`${demoUrl}/figures.html`);
    await figures.waitForFunction(() => document.body.dataset.loadedBy === 'day');
    const cell = (field: string) => figures.locator(`#totals [data-field="${field}"]`).textContent();
    expect(await cell('reminders')).toBe(String(after.totals.reminders));
    expect(await cell('complied')).toBe(String(after.totals.complied));
    expect(await cell('continued')).toBe(String(after.totals.continued));
    expect(await cell('compliance_rate')).toBe(`${((after.totals.compliance_rate ?? Number.NaN) * 100).toFixed(1)}%`);
    await shot(figures, 'e2e-05-figures-by-day.png');

    await figures.locator('input[name="by"][value="rule"]').focus();
    await figures.keyboard.press('ArrowRight'); // radio group: 按规则 → 按科室
    await figures.waitForFunction(() => document.body.dataset.loadedBy === 'dept');
    await figures.keyboard.press('ArrowLeft');
    await figures.waitForFunction(() => document.body.dataset.loadedBy === 'rule');
    const ruleRows = await figures.$$eval('#stats-rows tr', (trs) =>
      trs.map((tr) => [...tr.children].map((td) => td.textContent)),
    );
    const child = ruleRows.find((r) => r[1] === '药品儿童专用');
    expect(child?.[4]).toBe('1'); // 遵从人次
    expect(await figures.evaluate(() => document.body.dataset.chartKind)).toBe('comparison');
    await shot(figures, 'e2e-06-figures-by-rule.png');

    // 遵从率 over time for one rule: the chart becomes that rule's series, one point per day of the period.
    const childKey = child![0]!;
    await figures.selectOption('#subject', childKey);
    await figures.waitForFunction(
      (key) => document.body.dataset.chartKind === 'series' && document.body.dataset.chartSubject === key,
      childKey,
    );
    const trend = await chartData(figures);
    expect(trend.title).toBe(`规则：药品儿童专用（${childKey}）`);
    expect(trend.labels).toBe(30);
    expect(trend.datasets.map((d) => d.label)).toEqual(['遵从人次', '继续执行人次', '未反馈人次', '遵从率（人次）']);
    const sum = (label: string) =>
      trend.datasets.find((d) => d.label === label)!.data.reduce<number>((a, v) => a + (v ?? 0), 0);
    expect(sum('遵从人次')).toBe(1);
    expect(sum('继续执行人次')).toBe(0);
    const ratePoints = trend.datasets.find((d) => d.label === '遵从率（人次）')!.data.filter((v) => v !== null);
    expect(ratePoints).toEqual([Number(child![8]!.replace('%', ''))]);
    await shot(figures, 'e2e-06b-figures-rule-trend.png');

    // The same series in money: 提醒金额 and 遵从金额 add up to the rule's row of the table.
    await figures.locator('input[name="measure"][value="count"]').focus();
    await figures.keyboard.press('ArrowRight'); // 人次 → 金额
    await figures.waitForFunction(() => document.body.dataset.chartMeasure === 'amount');
    const money = await chartData(figures);
    const yuan = (cell: string | null | undefined) => Number(String(cell).replace('¥', ''));
    const total = (label: string) =>
      money.datasets.find((d) => d.label === label)!.data.reduce<number>((a, v) => a + (v ?? 0), 0);
    expect(money.datasets.map((d) => d.label)).toEqual(['提醒金额', '遵从金额', '遵从率（人次）']);
    expect(total('提醒金额')).toBeCloseTo(yuan(child![3]), 2);
    expect(total('遵从金额')).toBeCloseTo(yuan(child![5]), 2);
    expect(total('遵从金额')).toBeGreaterThan(0);
    await shot(figures, 'e2e-06c-figures-rule-amounts.png');

    const csvHref = await figures.locator('#csv').getAttribute('href');
    expect(csvHref).toContain(`${sidecarUrl}/v1/stats.csv?`);
    // With the rule chosen as 趋势对象, the export is that rule's figures day by day, and says so.
    expect(new URL(csvHref!).searchParams.get('rule')).toBe(childKey);
    const csv = await (await fetch(csvHref!)).text();
    expect(csv).toContain(`合计（规则 ${childKey}）`);
    await figures.close();
  }, 60_000);

  it("records the doctor's answers given on the sidecar's reminder page exactly like a 3103", async () => {
    const reminderPage = await context.newPage();
    const errors: string[] = [];
    reminderPage.on('pageerror', (error) => errors.push(error.message));
    const response = await reminderPage.goto(`${sidecarUrl}/ui/reminder/${encodeURIComponent(taskAfterEdit)}`);
    expect(response?.status()).toBe(200);
    await reminderPage.waitForFunction(() => document.querySelectorAll('prealert-reminder').length === 1);
    const cards = reminderPage.locator('prealert-reminder li.card');
    await cards.first().waitFor();
    expect(await cards.count()).toBe(3);
    // The override given in the doctor station is already there (from the task's dispositions).
    expect(await reminderPage.locator('prealert-reminder .progress').textContent()).toBe('已处理 1/3');
    expect((await focused(reminderPage)).cardRule).toBe('医疗服务项目重复收费');
    await shot(reminderPage, 'e2e-07-reminder-page.png');

    await reminderPage.keyboard.press('m');
    expect((await focused(reminderPage)).cardRule).toBe('药品区分性别使用');
    await reminderPage.keyboard.press('2');
    await reminderPage.keyboard.press('Enter');
    // "Done" (title, status, the message to the host) only once the sidecar acknowledged every answer.
    await reminderPage.waitForFunction(() => document.title === '医保提醒：已处理');
    expect(await reminderPage.locator('#page-status').textContent()).toBe('全部提醒已处理并记录，可以关闭此窗口。');
    expect(await pendingFeedbackOf(reminderPage)).toBe(0);
    expect(await reminderPage.locator('prealert-reminder li.card .state').allTextContents()).toEqual([
      '已记录',
      '已记录',
      '已记录',
    ]);
    await shot(reminderPage, 'e2e-08-reminder-page-done.png');

    const task = await getJson<TaskView>(`${sidecarUrl}/v1/tasks/${encodeURIComponent(taskAfterEdit)}`);
    const jr = (rule: string) => task.results.find((r) => r.rule_name === rule)!.jr_id;
    expect(task.dispositions[jr('医疗服务项目重复收费')]).toMatchObject({ dspo_way: '2' });
    expect(task.dispositions[jr('药品区分性别使用')]).toMatchObject({ dspo_way: '1', dspo_way_rea: '已知情同意' });
    expect(task.dispositions[jr('药品限就医方式')]).toMatchObject({ dspo_way: '1', dspo_way_rea: '临床必需' });
    expect(errors).toEqual([]);
    await reminderPage.close();
  }, 60_000);
});
