/**
 * A warning of the patient's next visit that the sidecar marks with the reason her earlier visit was continued with
 * (prior_visit_rea, prior_visit_date: review F5, a 门诊慢特病 patient's monthly visit), in <prealert-reminder> on the
 * demo's minimal host page, in real headless Chromium against the real sidecar (its SQLite file, loopback HTTP): the
 * card says what was answered last time, and 沿用上次理由 puts that reason into the text for the doctor to edit and
 * confirm herself. The reason is what the doctor typed in the earlier visit, through the same widget.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE, PATIENTS } from '../examples/web-his/public/demo-data.js';
import { buildAnalysisInput } from '../examples/web-his/public/his-request.js';
import { shanghaiDay } from '../sidecar/src/stats/days';
import { type DemoStack, startDemoStack } from './support/demo-stack';
import { analyse } from './support/host-analysis';

let stack: DemoStack;

beforeAll(async () => {
  stack = await startDemoStack('prior-visit');
}, 120_000);

afterAll(() => stack?.stop());

const DAY = 24 * 60 * 60 * 1000;
const REASON = '患者已行妇科会诊，长期用药，病情稳定';

/** A woman's visit opened `opened` (which dates its mdtrt_id) with one male-only drug: 药品区分性别使用. */
function visit(opened: Date, taskId: string) {
  const item = CATALOGUE.find((c) => c.code === 'XG04BET001A001010100299')!; // 他达拉非片
  return buildAnalysisInput({
    patient: { ...PATIENTS[0]!, id: 'PRIOR-VISIT-1' },
    visit: 'outpatient',
    orders: [{ rxId: `${taskId}-RX1`, item, cnt: 1 }],
    taskId,
    now: new Date(),
    visitOpened: opened,
  });
}

describe("the patient's earlier visit on a warning", () => {
  it('shows the earlier reason, and 沿用上次理由 fills the text field, which the doctor edits and confirms', async () => {
    const page = await stack.context.newPage();
    await page.goto(`${stack.demo.url}/embed.html`);
    await page.waitForFunction(() => document.body.dataset.taskId !== undefined);
    const card = page.locator('prealert-reminder li.card', { hasText: '药品区分性别使用' });
    const text = card.locator('input.reason-text');
    const activeClass = () =>
      page.evaluate(() => document.querySelector('prealert-reminder')?.shadowRoot?.activeElement?.className ?? '');

    // Last month's visit: continued with a typed reason.
    const first = await analyse(page, visit(new Date(Date.now() - 28 * DAY), 'T-PRIOR-1'));
    expect(first.rules).toEqual(['药品区分性别使用']);
    expect(await card.locator('.prior-visit').isVisible()).toBe(false);
    await card.focus();
    await page.keyboard.press('c');
    await text.focus();
    await page.keyboard.insertText(REASON);
    // The line names the Shanghai day the reason was given: either side of midnight, should the decision fall on it.
    const decidedFrom = shanghaiDay(Date.now());
    await page.keyboard.press('Enter');
    await card.locator('.state.recorded').waitFor({ timeout: 10_000 });
    const decidedBy = shanghaiDay(Date.now());

    // This month's visit: a new encounter, so a new question (its own jr_id), with last visit's answer on it.
    const second = await analyse(page, visit(new Date(), 'T-PRIOR-2'));
    expect(second.shownJrIds).toHaveLength(1);
    expect(second.shownJrIds[0]).not.toBe(first.shownJrIds[0]);
    const line = card.locator('.prior-visit');
    expect([decidedFrom, decidedBy].map((day) => `上次就诊（${day}）已确认继续：${REASON}`)).toContain(
      await line.textContent(),
    );
    expect(await line.isVisible()).toBe(true);
    expect(await card.locator('.outcome').isVisible(), 'not answered for the doctor').toBe(false);

    // By keyboard: C opens the form, Shift+Tab from 理由说明 reaches 沿用上次理由 (named with the line for a screen reader), Enter uses it.
    await card.focus();
    await page.keyboard.press('c');
    const reuse = card.locator('button.reuse');
    expect(await reuse.isVisible()).toBe(true);
    expect(await reuse.getAttribute('aria-describedby')).toBe(await line.getAttribute('id'));
    await text.focus();
    await page.keyboard.press('Shift+Tab');
    expect(await activeClass()).toBe('reuse');
    await page.keyboard.press('Enter');
    expect(await text.inputValue()).toBe(REASON);
    expect(await activeClass()).toBe('reason-text');
    expect(await card.locator('.outcome').isVisible(), 'nothing is sent by the reuse itself').toBe(false);

    // The doctor edits it and confirms it herself.
    await page.keyboard.press('End');
    await page.keyboard.insertText('，本月复诊');
    await page.keyboard.press('Enter');
    await card.locator('.state.recorded').waitFor({ timeout: 10_000 });
    expect(await card.locator('.chosen').textContent()).toBe(`已选择：继续执行（${REASON}，本月复诊）`);
    expect(await line.isVisible(), 'answered: the outcome says it').toBe(false);
    await page.close();
  }, 90_000);
});
