/**
 * The 继续执行 reason form (packages/widget/src/reason-form.ts) as the doctor meets it: the classic-script bundle on the
 * demo's minimal host page in real headless Chromium, showing the real sidecar's 3101 results for real national codes,
 * and the 3103 each answer gives as the sidecar recorded it.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogueItem } from '../examples/web-his/public/demo-data.js';
import { ALLISARTAN, AMINO_ACIDS, EXENATIDE, LATAMOXEF } from './support/demo-catalogue';
import { type DemoStack, startDemoStack } from './support/demo-stack';
import { showOrdersOnEmbed } from './support/embed-page';
import type { Shown } from './support/host-analysis';
import { feedbackDrained } from './support/pending-feedback';
import { taskDispositions } from './support/task-dispositions';

let stack: DemoStack;

beforeAll(async () => {
  stack = await startDemoStack('widget-reason-form');
}, 120_000);

afterAll(() => stack?.stop());

// AMINO_ACIDS, 复方氨基酸注射液(18AA): 药品限就医方式, a warning that needs a reason (wf_impact reason). For a woman with a
// cold the 限适应症 drugs (demo-catalogue) only ask for a confirmation (wf_impact confirm).

/** The embed page with the sidecar's answer for `items` prescribed to a patient of the test's own. */
const showOrders = (page: Page, taskId: string, items: readonly CatalogueItem[]): Promise<Shown> =>
  showOrdersOnEmbed(page, stack.demo.url, `RF-${taskId}`, taskId, items);

const card = (page: Page, name: string) => page.locator('prealert-reminder li.card', { hasText: name });

/** What a card's form shows: open or not, its quick reasons with their keys, the text's placeholder, the error. */
const formOf = (page: Page, name: string) =>
  card(page, name).evaluate((li) => {
    const form = li.querySelector('form.reason-form') as HTMLFormElement;
    const error = li.querySelector('.error') as HTMLElement;
    return {
      open: !form.hidden,
      picks: [...form.querySelectorAll('.picks label')].map((label) => label.textContent ?? ''),
      checked: [...form.querySelectorAll<HTMLInputElement>('input[type="radio"]')]
        .filter((input) => input.checked)
        .map((input) => input.value),
      text: (form.querySelector('input.reason-text') as HTMLInputElement).value,
      placeholder: (form.querySelector('input.reason-text') as HTMLInputElement).placeholder,
      invalid: form.querySelector('input.reason-text')?.getAttribute('aria-invalid') ?? null,
      error: error.textContent ?? '',
      errorShown: error.getClientRects().length > 0,
      outcome: (li.querySelector('.outcome') as HTMLElement).hidden
        ? ''
        : (li.querySelector('.chosen')?.textContent ?? ''),
    };
  });

/** The focused control in the panel: its class, or a radio's value. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const active = document.querySelector('prealert-reminder')?.shadowRoot?.activeElement as HTMLInputElement | null;
    if (!active) return '(none)';
    return active.type === 'radio' ? `radio ${active.value}` : active.className;
  });

describe('the quick reasons offered', () => {
  it('are the host list (else the widget four), keyed 1–n, on a reason and a confirm warning; the text is required only on the first; a block warning opens no form', async () => {
    const page = await stack.context.newPage();
    const shown = await showOrders(page, 'T-RF-OFFER', [AMINO_ACIDS, EXENATIDE]);
    expect(shown.rules.sort()).toEqual(['药品限就医方式', '药品限适应症']);
    expect(await card(page, '复方氨基酸注射液').locator('.impact').textContent()).toBe('继续执行须选择或填写理由');
    expect(await card(page, '艾塞那肽注射液').locator('.impact').textContent()).toBe('继续执行需确认');

    // The host page's own list (embed.html: reasons="临床必需,已知情同意,其他").
    const offered = ['1临床必需', '2已知情同意', '3其他'];
    await card(page, '复方氨基酸注射液').focus();
    await page.keyboard.press('c');
    const reasonForm = await formOf(page, '复方氨基酸注射液');
    expect(reasonForm).toMatchObject({
      open: true,
      picks: offered,
      checked: [],
      placeholder: '选择上方理由或填写说明（必填）',
    });
    expect(await focused(page)).toBe('radio 临床必需');
    await page.keyboard.press('Escape');

    await card(page, '艾塞那肽注射液').focus();
    await page.keyboard.press('c');
    const confirmForm = await formOf(page, '艾塞那肽注射液');
    expect(confirmForm).toMatchObject({ open: true, picks: offered, checked: [], placeholder: '可补充说明（选填）' });
    // Without the attribute, the widget's own four.
    await page.evaluate(() => document.querySelector('prealert-reminder')!.removeAttribute('reasons'));
    expect((await formOf(page, '艾塞那肽注射液')).picks).toEqual(['1临床必需', '2已知情同意', '3诊断已补充', '4其他']);

    // A province may configure the rule to block: C and the number keys then open nothing, C says why.
    await page.evaluate(() => {
      type Result = { jr_id: string; rule_name: string; wf_impact: string };
      const el = document.querySelector('prealert-reminder') as HTMLElement & {
        currentResults: readonly Result[];
        show(results: readonly Result[], options: Record<string, unknown>): void;
      };
      const results = el.currentResults.map((r) =>
        r.rule_name === '药品限就医方式' ? { ...r, wf_impact: 'block' } : r,
      );
      el.show(results, { infno: '3101', taskId: 'T-RF-OFFER' });
    });
    await card(page, '复方氨基酸注射液').focus();
    await page.keyboard.press('c');
    // Said by the announcer: the card already shows it, and the form (with its error line) stays closed.
    await page.waitForFunction(
      () =>
        document.querySelector('prealert-reminder')!.shadowRoot!.querySelector('.sr-only[aria-live]')?.textContent ===
        '此提醒不可继续执行，请返回修改',
    );
    expect(await formOf(page, '复方氨基酸注射液')).toMatchObject({ open: false, outcome: '' });
    expect(await card(page, '复方氨基酸注射液').locator('.impact').textContent()).toBe('不可继续执行，请返回修改');
    await page.keyboard.press('1');
    expect((await formOf(page, '复方氨基酸注射液')).open).toBe(false);
    await feedbackDrained(page);
    expect(await taskDispositions(stack.sidecar.url, 'T-RF-OFFER')).toEqual({});
    await page.close();
  }, 60_000);
});

describe('a reason refused', () => {
  it('says so at the field for none, a blank text, and 其他 without its text; nothing is sent until it is given', async () => {
    const page = await stack.context.newPage();
    const taskId = 'T-RF-EMPTY';
    const shown = await showOrders(page, taskId, [AMINO_ACIDS, EXENATIDE]);
    const name = '复方氨基酸注射液';
    await card(page, name).focus();
    await page.keyboard.press('c');

    // Nothing chosen or typed: the message, and the focus on the quick reasons.
    await page.keyboard.press('Enter');
    expect(await formOf(page, name)).toMatchObject({
      open: true,
      error: '继续执行须选择或填写理由',
      errorShown: true,
      invalid: null,
    });
    expect(await focused(page)).toBe('radio 临床必需');

    // Blanks are no reason.
    await card(page, name).locator('input.reason-text').focus();
    await page.keyboard.type('   ');
    await page.keyboard.press('Enter');
    expect(await formOf(page, name)).toMatchObject({ error: '继续执行须选择或填写理由', errorShown: true });

    // 其他 says nothing by itself: its text is asked for, in the text field.
    await card(page, name).locator('input.reason-text').fill('');
    await card(page, name).locator('label', { hasText: '其他' }).click();
    await page.keyboard.press('Enter');
    expect(await formOf(page, name)).toMatchObject({
      checked: ['其他'],
      error: '选择“其他”时请填写具体理由',
      errorShown: true,
      invalid: 'true',
      outcome: '',
    });
    expect(await focused(page)).toBe('reason-text');
    await feedbackDrained(page);
    expect(await taskDispositions(stack.sidecar.url, taskId)).toEqual({});

    await page.keyboard.type('患者拒绝更换');
    await page.keyboard.press('Enter');
    await card(page, name).locator('.state.recorded').waitFor({ timeout: 10_000 });
    expect(await formOf(page, name)).toMatchObject({ open: false, error: '', invalid: null });
    expect(await taskDispositions(stack.sidecar.url, taskId)).toEqual({
      [shown.jrIds.药品限就医方式!]: expect.objectContaining({ dspo_way: '1', dspo_way_rea: '其他；患者拒绝更换' }),
    });
    await page.close();
  }, 60_000);
});

describe('the 3103 an answer gives', () => {
  it('is dspo_way 1 with the pick and text joined by ；, the text alone, or the fixed wording for a bare confirmation; 2 with no reason for 返回修改', async () => {
    const page = await stack.context.newPage();
    const taskId = 'T-RF-FIELDS';
    await showOrders(page, taskId, [AMINO_ACIDS, EXENATIDE, ALLISARTAN, LATAMOXEF]);
    const jrOf = async (name: string) => (await card(page, name).getAttribute('data-jr-id')) ?? '';

    // C, then 2 in the open form picks 已知情同意 and leaves her in the text.
    await card(page, '复方氨基酸注射液').focus();
    await page.keyboard.press('c');
    await page.keyboard.press('2');
    expect(await focused(page)).toBe('reason-text');
    await page.keyboard.type('家属已签字');
    await page.keyboard.press('Enter');

    // A confirmation with nothing added: C Enter.
    await card(page, '艾塞那肽注射液').focus();
    await page.keyboard.press('c');
    await page.keyboard.press('Enter');

    // Text only.
    await card(page, '阿利沙坦酯片').focus();
    await page.keyboard.press('c');
    await card(page, '阿利沙坦酯片').locator('input.reason-text').focus();
    await page.keyboard.type('血压控制需要');
    await page.keyboard.press('Enter');

    await card(page, '注射用拉氧头孢钠').focus();
    await page.keyboard.press('m');
    await feedbackDrained(page, 10_000);

    expect(await taskDispositions(stack.sidecar.url, taskId)).toEqual({
      [await jrOf('复方氨基酸注射液')]: expect.objectContaining({
        dspo_way: '1',
        dspo_way_rea: '已知情同意；家属已签字',
      }),
      [await jrOf('艾塞那肽注射液')]: expect.objectContaining({ dspo_way: '1', dspo_way_rea: '已阅知，确认继续' }),
      [await jrOf('阿利沙坦酯片')]: expect.objectContaining({ dspo_way: '1', dspo_way_rea: '血压控制需要' }),
      [await jrOf('注射用拉氧头孢钠')]: expect.objectContaining({ dspo_way: '2', dspo_way_rea: '' }),
    });
    expect((await formOf(page, '复方氨基酸注射液')).outcome).toBe('已选择：继续执行（已知情同意；家属已签字）');
    await page.close();
  }, 60_000);
});

describe('the keyboard', () => {
  it('Escape closes the form with nothing decided and keeps the draft; Enter on it later sends that draft', async () => {
    const page = await stack.context.newPage();
    const taskId = 'T-RF-ESC';
    const shown = await showOrders(page, taskId, [AMINO_ACIDS, EXENATIDE]);
    const name = '复方氨基酸注射液';
    await card(page, name).focus();
    await page.keyboard.press('1');
    await page.keyboard.type('已会诊');
    await page.keyboard.press('Escape');
    expect(await formOf(page, name)).toMatchObject({ open: false, outcome: '' });
    expect(await focused(page)).toBe('card sev-1');
    await feedbackDrained(page);
    expect(await taskDispositions(stack.sidecar.url, taskId)).toEqual({});
    expect(
      await page.locator('prealert-reminder').evaluate((el) => el.shadowRoot?.querySelector('.progress')?.textContent),
    ).toBe('已处理 0/2');

    // C opens it again as she left it.
    await page.keyboard.press('c');
    expect(await formOf(page, name)).toMatchObject({ open: true, checked: ['临床必需'], text: '已会诊' });
    await card(page, name).locator('input.reason-text').focus();
    await page.keyboard.press('Enter');
    await card(page, name).locator('.state.recorded').waitFor({ timeout: 10_000 });
    expect(await taskDispositions(stack.sidecar.url, taskId)).toEqual({
      [shown.jrIds.药品限就医方式!]: expect.objectContaining({ dspo_way: '1', dspo_way_rea: '临床必需；已会诊' }),
    });
    await page.close();
  }, 60_000);
});
