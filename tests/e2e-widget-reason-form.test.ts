/**
 * The 继续执行 reason on <prealert-reminder>'s cards, on the demo's minimal host page (examples/web-his/public/embed.html)
 * in real headless Chromium against the real sidecar: what the card says it needs, and what happens to a long reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoRequest } from './support/demo-request';
import { type DemoStack, startDemoStack } from './support/demo-stack';
import { openEmbed } from './support/embed-page';
import { analyse } from './support/host-analysis';
import { taskDispositions } from './support/task-dispositions';

let stack: DemoStack;

beforeAll(async () => {
  stack = await startDemoStack('reason-form');
}, 120_000);

afterAll(() => stack?.stop());

describe('a warning that needs a reason (wf_impact reason)', () => {
  it('says a quick reason or a text will do, as either does', async () => {
    const page = await stack.context.newPage();
    await openEmbed(page, stack.demo.url);
    const card = page.locator('prealert-reminder li.card').first();
    expect(await card.locator('.impact').textContent()).toBe('继续执行须选择或填写理由');
    await page.keyboard.press('F8');
    for (const key of ['c', '1', 'Enter']) await page.keyboard.press(key);
    expect(await card.locator('.chosen').textContent()).toBe('已选择：继续执行（临床必需）');
    await page.close();
  }, 60_000);
});

// Real national codes: 复方氨基酸注射液(18AA) (药品限就医方式, 明确违规, needs a reason) and 他达拉非片 for a woman
// (药品区分性别使用, 高度可疑).
const AMINO_ACIDS = 'XB05BAF150B002010100269';
const TADALAFIL = 'XG04BET001A001010100299';

describe('a quick reason picked', () => {
  it('leaves the doctor in 理由说明 after a pick by its number key, to type her addition', async () => {
    const page = await stack.context.newPage();
    await page.goto(`${stack.demo.url}/embed.html`);
    await page.waitForFunction(() => document.body.dataset.taskId !== undefined);
    const taskId = 'T-PICK-TYPE-1';
    await analyse(
      page,
      demoRequest('PICK-TYPE', taskId, [
        { rxId: 'RX-PT-1', code: AMINO_ACIDS },
        { rxId: 'RX-PT-2', code: TADALAFIL },
      ]),
    );
    const focusedClass = () =>
      page.evaluate(
        () => document.querySelector('prealert-reminder')?.shadowRoot?.activeElement?.className ?? '(none)',
      );

    // By key, straight from the warning: 1 opens the form with 临床必需 and she types on.
    const keyed = page.locator('prealert-reminder li.card', { hasText: '复方氨基酸注射液' });
    await keyed.focus();
    await page.keyboard.press('1');
    expect(await focusedClass()).toBe('reason-text');
    await page.keyboard.type('已会诊');
    expect(await keyed.locator('input.reason-text').inputValue()).toBe('已会诊');
    await page.keyboard.press('Enter');
    await keyed.locator('.state.recorded').waitFor({ timeout: 10_000 });
    const recorded = await taskDispositions(stack.sidecar.url, taskId);
    expect(recorded[(await keyed.getAttribute('data-jr-id')) ?? '']?.dspo_way_rea).toBe('临床必需；已会诊');
    await page.close();
  }, 60_000);

  it('lets a second digit correct the pick while 理由说明 is empty; once it holds text, a digit is text', async () => {
    const page = await stack.context.newPage();
    await page.goto(`${stack.demo.url}/embed.html`);
    await page.waitForFunction(() => document.body.dataset.taskId !== undefined);
    const taskId = 'T-PICK-AGAIN-1';
    await analyse(
      page,
      demoRequest('PICK-AGAIN', taskId, [
        { rxId: 'RX-PA-1', code: AMINO_ACIDS },
        { rxId: 'RX-PA-2', code: TADALAFIL },
      ]),
    );
    const keyed = page.locator('prealert-reminder li.card', { hasText: '复方氨基酸注射液' });
    const checked = () =>
      keyed
        .locator('input[type="radio"]')
        .evaluateAll((inputs) =>
          inputs
            .filter((input) => (input as HTMLInputElement).checked)
            .map((input) => (input as HTMLInputElement).value),
        );
    await keyed.focus();
    await page.keyboard.press('1');
    await page.keyboard.press('2'); // she meant 已知情同意
    expect(await checked()).toEqual(['已知情同意']);
    expect(await keyed.locator('input.reason-text').inputValue()).toBe('');
    await page.keyboard.type('已会诊2');
    expect(await checked()).toEqual(['已知情同意']);
    expect(await keyed.locator('input.reason-text').inputValue()).toBe('已会诊2');
    await page.keyboard.press('Enter');
    await keyed.locator('.state.recorded').waitFor({ timeout: 10_000 });
    const recorded = await taskDispositions(stack.sidecar.url, taskId);
    expect(recorded[(await keyed.getAttribute('data-jr-id')) ?? '']?.dspo_way_rea).toBe('已知情同意；已会诊2');
    await page.close();
  }, 60_000);

  it('takes a digit as text under 其他, after a pick by mouse, and once anything was typed', async () => {
    const page = await stack.context.newPage();
    await page.goto(`${stack.demo.url}/embed.html`);
    await page.waitForFunction(() => document.body.dataset.taskId !== undefined);
    await analyse(
      page,
      demoRequest('PICK-TEXT', 'T-PICK-TEXT-1', [
        { rxId: 'RX-PX-1', code: AMINO_ACIDS },
        { rxId: 'RX-PX-2', code: TADALAFIL },
      ]),
    );
    const card = page.locator('prealert-reminder li.card', { hasText: '复方氨基酸注射液' });
    const text = card.locator('input.reason-text');
    const checked = () =>
      card
        .locator('input[type="radio"]')
        .evaluateAll((inputs) =>
          inputs
            .filter((input) => (input as HTMLInputElement).checked)
            .map((input) => (input as HTMLInputElement).value),
        );
    // 其他 (the third quick reason on this page) asks for the text, which may begin with a number.
    await card.focus();
    await page.keyboard.press('3');
    await page.keyboard.type('2天前已会诊');
    expect(await checked()).toEqual(['其他']);
    expect(await text.inputValue()).toBe('2天前已会诊');
    // Clicked, not keyed: the digit is text.
    await text.fill('');
    await card.locator('label', { hasText: '已知情同意' }).click();
    await page.keyboard.type('1次');
    expect(await checked()).toEqual(['已知情同意']);
    expect(await text.inputValue()).toBe('1次');
    // Keyed, then text typed and deleted again: the digit is text.
    await text.fill('');
    await card.focus();
    await page.keyboard.press('1');
    await page.keyboard.type('x');
    await page.keyboard.press('Backspace');
    await page.keyboard.type('2');
    expect(await checked()).toEqual(['临床必需']);
    expect(await text.inputValue()).toBe('2');
    await page.close();
  }, 60_000);

  it('leaves her in 理由说明 after a quick reason clicked with the mouse too', async () => {
    const page = await stack.context.newPage();
    await page.goto(`${stack.demo.url}/embed.html`);
    await page.waitForFunction(() => document.body.dataset.taskId !== undefined);
    const taskId = 'T-PICK-CLICK-1';
    await analyse(page, demoRequest('PICK-CLICK', taskId, [{ rxId: 'RX-PC-1', code: TADALAFIL }]));
    const focusedClass = () =>
      page.evaluate(
        () => document.querySelector('prealert-reminder')?.shadowRoot?.activeElement?.className ?? '(none)',
      );
    // 继续执行, then the second quick reason's label clicked; what she types goes to the text.
    const clicked = page.locator('prealert-reminder li.card', { hasText: '他达拉非片' });
    await clicked.locator('button.continue').click();
    await clicked.locator('.picks label').nth(1).click();
    expect(await clicked.locator('input[type="radio"]').nth(1).isChecked()).toBe(true);
    expect(await focusedClass()).toBe('reason-text');
    await page.keyboard.type('患者知情');
    await page.keyboard.press('Enter');
    await clicked.locator('.state.recorded').waitFor({ timeout: 10_000 });

    const recorded = await taskDispositions(stack.sidecar.url, taskId);
    expect(recorded[(await clicked.getAttribute('data-jr-id')) ?? '']?.dspo_way_rea).toBe('已知情同意；患者知情');
    await page.close();
  }, 60_000);

  it('keeps ↑↓ walking the quick reasons: an arrow changes the pick, not the focus', async () => {
    const page = await stack.context.newPage();
    await page.goto(`${stack.demo.url}/embed.html`);
    await page.waitForFunction(() => document.body.dataset.taskId !== undefined);
    await analyse(page, demoRequest('PICK-ARROW', 'T-PICK-ARROW-1', [{ rxId: 'RX-PA-1', code: AMINO_ACIDS }]));
    const card = page.locator('prealert-reminder li.card').first();
    await card.focus();
    await page.keyboard.press('c');
    await page.keyboard.press('ArrowDown');
    const focused = await page.evaluate(() => {
      const active = document.querySelector('prealert-reminder')?.shadowRoot?.activeElement as HTMLInputElement | null;
      return { type: active?.type, value: active?.value, checked: active?.checked };
    });
    expect(focused).toEqual({ type: 'radio', value: '已知情同意', checked: true });
    await page.close();
  }, 60_000);
});

describe('a reason longer than the 500 characters a 3103 keeps', () => {
  it('says it was cut, and counts the characters before the end', async () => {
    const page = await stack.context.newPage();
    await openEmbed(page, stack.demo.url);
    // Not the first card: the test above continued that one, and the sidecar carries 继续执行 over (prior_dspo).
    const card = page.locator('prealert-reminder li.card', { hasText: '药品区分性别使用' });
    const text = card.locator('input.reason-text');
    const limit = card.locator('.reason-limit');
    await card.focus();
    await page.keyboard.press('c');
    await text.focus();
    await page.keyboard.insertText('患者营养差，已会诊。'.repeat(45)); // 450
    expect((await text.inputValue()).length).toBe(450);
    expect(await limit.textContent()).toBe('450/500 字');
    await text.fill('');
    expect(await limit.isVisible()).toBe(false);
    await page.keyboard.insertText('患者营养差，已会诊。'.repeat(60)); // 600, as pasted
    expect((await text.inputValue()).length).toBe(500);
    expect(await limit.textContent()).toBe('已满 500 字，超出的部分未录入');
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      () => document.querySelector('prealert-reminder')?.shadowRoot?.querySelectorAll('li.card .state.recorded')[1],
    );
    expect(await card.locator('.chosen').textContent()).toBe(
      `已选择：继续执行（${'患者营养差，已会诊。'.repeat(50)}）`,
    );
    await page.close();
  }, 60_000);
});

describe('a quick reason and a long text together', () => {
  it('keep within the 500 characters of the joined reason, and an error about the text puts the doctor in it', async () => {
    const page = await stack.context.newPage();
    await page.goto(`${stack.demo.url}/embed.html`);
    await page.waitForFunction(() => document.body.dataset.taskId !== undefined);
    // Two 药品区分性别使用 warnings (他达拉非片, 普适泰片: for men only) of a woman's encounter of its own.
    const taskId = 'T-REASON-PICK';
    const shown = await analyse(
      page,
      demoRequest('REASON-PICK', taskId, [
        { rxId: 'RX-RP-1', code: 'XG04BET001A001010100299' },
        { rxId: 'RX-RP-2', code: 'XG04CXP102A001020101575' },
      ]),
    );
    expect(shown.rules).toEqual(['药品区分性别使用', '药品区分性别使用']);
    const note = '患者营养差，已会诊。';
    const active = () =>
      page.evaluate(() => {
        const element = document.querySelector('prealert-reminder')?.shadowRoot?.activeElement;
        return { className: element?.className ?? '', invalid: element?.getAttribute('aria-invalid') ?? null };
      });

    // 临床必需 first, then a long note pasted: the field keeps what fits beside 「临床必需；」 and says why.
    const first = page.locator('prealert-reminder li.card', { hasText: '他达拉非片' });
    const firstText = first.locator('input.reason-text');
    await first.focus();
    // The pick leaves her in 理由说明: the note goes there without a Tab.
    for (const key of ['c', '1']) await page.keyboard.press(key);
    await page.keyboard.insertText(note.repeat(60)); // 600
    expect((await firstText.inputValue()).length).toBe(495);
    expect(await first.locator('.reason-limit').textContent()).toBe(
      '已满 495 字，超出的部分未录入（所选“临床必需；”占 5 字，合计最多 500 字）',
    );
    await page.keyboard.press('Enter');
    await first.locator('.state.recorded').waitFor({ timeout: 10_000 });

    // The note first (the whole 500), the quick reason after: too long together; the doctor is told by how much,
    // and Enter leaves her in the text to shorten it.
    const second = page.locator('prealert-reminder li.card', { hasText: '普适泰片' });
    const secondText = second.locator('input.reason-text');
    await second.focus();
    await page.keyboard.press('c');
    await secondText.focus();
    await page.keyboard.insertText(note.repeat(50));
    expect((await secondText.inputValue()).length).toBe(500);
    await second.locator('input[type="radio"]').first().focus();
    await page.keyboard.press('2'); // 已知情同意
    expect(await second.locator('.reason-limit').textContent()).toBe(
      '超出 6 字，请删减（所选“已知情同意；”占 6 字，合计最多 500 字）',
    );
    await page.keyboard.press('Enter');
    expect(await second.locator('.error').textContent()).toBe('理由连同“已知情同意；”最多 500 字，请将说明删减 6 字');
    expect(await active()).toEqual({ className: 'reason-text', invalid: 'true' });
    await page.keyboard.press('End');
    for (let i = 0; i < 6; i++) await page.keyboard.press('Backspace');
    await page.keyboard.press('Enter');
    await second.locator('.state.recorded').waitFor({ timeout: 10_000 });

    // Each joined reason as recorded is the whole 500 characters.
    const recorded = await taskDispositions(stack.sidecar.url, taskId);
    const reasonOf = async (card: typeof first) =>
      recorded[(await card.getAttribute('data-jr-id')) ?? '']?.dspo_way_rea;
    expect(await reasonOf(first)).toBe(`临床必需；${note.repeat(50).slice(0, 495)}`);
    expect(await reasonOf(second)).toBe(`已知情同意；${note.repeat(50).slice(0, 494)}`);
    await page.close();
  }, 60_000);
});
