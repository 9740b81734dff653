/**
 * What the warning cards say on the demo doctor station, in real headless Chromium against the real sidecar and the
 * bundled national library: prescriptions typed the way a doctor types them (name, Enter), real NHSA codes.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoStack, startDemoStack } from './support/demo-stack';

let stack: DemoStack;

beforeAll(async () => {
  stack = await startDemoStack('card-text');
}, 120_000);

afterAll(() => stack?.stop());

async function openStation(page: Page): Promise<void> {
  await page.goto(`${stack.demo.url}/`);
  await page.waitForFunction(() => document.activeElement?.id === 'entry-item', null, { timeout: 10_000 });
}

/** Types each name into the entry field with Enter, then waits for the analysis of the whole order. */
async function prescribe(page: Page, names: readonly string[]): Promise<void> {
  for (const name of names) {
    await page.keyboard.type(name);
    await page.keyboard.press('Enter');
  }
  await page.waitForFunction(
    () => /\d+ 条提醒/.test(document.querySelector('#check-status')?.textContent ?? ''),
    null,
    {
      timeout: 10_000,
    },
  );
}

/** Each card's rule, sentence and the 依据 line as shown (null when it is not shown). */
function cardTexts(page: Page) {
  return page.evaluate(() =>
    [...(document.querySelector('prealert-reminder')?.shadowRoot?.querySelectorAll('li.card') ?? [])].map((card) => {
      const evidence = card.querySelector('.evidence') as HTMLElement;
      return {
        rule: card.querySelector('.rule')?.textContent ?? '',
        content: card.querySelector('.content')?.textContent ?? '',
        evidence: evidence.offsetParent === null ? null : evidence.textContent,
        lines: card.querySelector('.lines')?.textContent ?? '',
      };
    }),
  );
}

describe('the 依据 line', () => {
  it('is left out where it only repeats the rule name or the sentence, and kept where it adds text', async () => {
    const page = await stack.context.newPage();
    await openStation(page);
    // 王小宝 (男, 门诊, 急性上呼吸道感染): six drugs.
    await page.selectOption('#patient', 'DEMO-P003');
    await page.locator('#entry-item').focus();
    await prescribe(page, [
      '他达拉非片',
      '普适泰片',
      '地屈孕酮片',
      '小儿布洛芬栓',
      '艾塞那肽注射液',
      '小儿对乙酰氨基酚片',
    ]);
    const cards = await cardTexts(page);
    const byRule = (rule: string) => cards.filter((card) => card.rule === rule);

    // The national evidence of 药品种类超标 is the rule name itself.
    expect(byRule('药品种类超标')).toEqual([expect.objectContaining({ evidence: null })]);
    // 「限2型糖尿病。」 is quoted in the sentence (without its full stop, as every quotation).
    const indication = byRule('药品限适应症');
    expect(indication).toEqual([expect.objectContaining({ evidence: null })]);
    expect(indication[0]!.content).toContain('（限2型糖尿病）');
    // The drug's indication text says what the sex warning does not.
    expect(byRule('药品区分性别使用')).toEqual([
      expect.objectContaining({
        content: '【地屈孕酮片】限女性使用，患者性别为男。',
        evidence: expect.stringMatching(/^依据用于治疗内源性孕酮不足引起的疾病/),
      }),
    ]);
    await page.close();
  }, 60_000);
});

describe('two orders of one item on one card', () => {
  it('are told apart by their row numbers', async () => {
    const page = await stack.context.newPage();
    await openStation(page);
    // 张建国 (男, 住院): 地屈孕酮片 ordered twice the same day.
    await page.selectOption('#patient', 'DEMO-P002');
    await page.locator('#entry-item').focus();
    await prescribe(page, ['精液常规检查', '地屈孕酮片', '地屈孕酮片']);
    const cards = await cardTexts(page);
    // The sex limit flags both orders; the 精液常规检查 row above makes row numbers differ from the card's own order.
    expect(cards.find((card) => card.rule === '药品区分性别使用')?.lines).toBe(
      '医嘱地屈孕酮片（第 2 行，违规项）、地屈孕酮片（第 3 行，违规项）',
    );
    await page.close();
  }, 60_000);
});
