/**
 * Keys on one warning card of <prealert-reminder>, on the demo's minimal host page (examples/web-his/public/embed.html)
 * in real headless Chromium against the real sidecar: what Esc undoes and where it sends focus.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoRequest } from './support/demo-request';
import { type DemoStack, startDemoStack } from './support/demo-stack';
import { openEmbed } from './support/embed-page';
import { analyse } from './support/host-analysis';
import { pendingFeedbackOf } from './support/pending-feedback';
import { taskDispositions } from './support/task-dispositions';

let stack: DemoStack;
let demo: DemoStack['demo'];
let sidecar: DemoStack['sidecar'];
let context: DemoStack['context'];

beforeAll(async () => {
  stack = await startDemoStack('card-keys');
  ({ demo, sidecar, context } = stack);
}, 120_000);

afterAll(() => stack?.stop());

/** How the first card looks: answered (its answer, no buttons) or open (the buttons to answer it). */
function firstCardLook(page: Page) {
  return page.evaluate(() => {
    const root = document.querySelector('prealert-reminder')!.shadowRoot!;
    const card = root.querySelector('li.card')!;
    const visible = (selector: string) => {
      const node = card.querySelector(selector) as HTMLElement | null;
      return node !== null && node.offsetParent !== null;
    };
    return {
      decided: card.classList.contains('decided'),
      actions: visible('.actions'),
      form: visible('form'),
      outcome: card.querySelector('.outcome')?.textContent ?? '',
      progress: root.querySelector('.progress')?.textContent ?? '',
      focusedIsCard: root.activeElement === card,
    };
  });
}

describe('更改, then Esc', () => {
  it('puts the card back as answered, with the answer it had and no new 3103', async () => {
    const page = await context.newPage();
    const taskId = await openEmbed(page, demo.url);
    await page.keyboard.press('F8');
    for (const key of ['c', '1', 'Enter']) await page.keyboard.press(key);
    await page.waitForFunction(() =>
      document.querySelector('prealert-reminder')?.shadowRoot?.querySelector('li.card .state.recorded'),
    );
    const answered = await firstCardLook(page);
    expect(answered).toMatchObject({
      decided: true,
      actions: false,
      outcome: '已选择：继续执行（临床必需）已记录更改',
    });
    const before = await taskDispositions(sidecar.url, taskId);

    // Back to the first card, → to 更改, Enter: the card offers 返回修改 / 继续执行 again.
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    expect(await firstCardLook(page)).toMatchObject({ decided: false, actions: true });

    await page.keyboard.press('Escape');
    expect(await firstCardLook(page)).toEqual({ ...answered, progress: '已处理 1/2', focusedIsCard: true });

    // The same after 更改 and C (the reason form open): Esc leaves the answer as it was.
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    await page.keyboard.press('c');
    expect(await firstCardLook(page)).toMatchObject({ decided: false, form: true });
    await page.keyboard.press('Escape');
    expect(await firstCardLook(page)).toEqual({ ...answered, progress: '已处理 1/2', focusedIsCard: true });

    expect(await pendingFeedbackOf(page)).toBe(0);
    expect(await taskDispositions(sidecar.url, taskId)).toEqual(before);
    await page.close();
  }, 60_000);
});

describe('Esc on a warning with no form open', () => {
  it('takes focus back to where the doctor pressed F8, as the last answer does', async () => {
    const page = await context.newPage();
    await openEmbed(page, demo.url);
    const quantity = page.getByLabel('他达拉非片 数量');
    await quantity.focus();
    await page.keyboard.press('F8');
    expect(await page.evaluate(() => document.activeElement?.tagName.toLowerCase())).toBe('prealert-reminder');
    await page.keyboard.press('ArrowDown'); // looking at the next warning
    await page.keyboard.press('Escape');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('他达拉非片 数量');
    expect(await pendingFeedbackOf(page)).toBe(0);

    // Once back, the form's Esc still only closes the form and stays on the card.
    await page.keyboard.press('F8');
    await page.keyboard.press('c');
    await page.keyboard.press('Escape');
    expect(
      await page.evaluate(() => {
        const active = document.querySelector('prealert-reminder')?.shadowRoot?.activeElement;
        return { tag: active?.tagName.toLowerCase(), formOpen: active?.querySelector('form')?.hidden === false };
      }),
    ).toEqual({ tag: 'li', formOpen: false });
    await page.close();
  }, 60_000);
});

describe('Tab with a reason form open', () => {
  it('goes through the form, then on to the next warning; Shift+Tab comes back through it', async () => {
    const page = await context.newPage();
    await page.goto(`${demo.url}/embed.html`);
    await page.waitForFunction(() => document.body.dataset.taskId !== undefined);
    // Three warnings of an encounter of its own: 他达拉非片, 普适泰片 (药品区分性别使用), 小儿布洛芬栓 (药品儿童专用).
    const shown = await analyse(
      page,
      demoRequest('TAB-FORM', 'T-TAB-FORM', [
        { rxId: 'RX-TF-1', code: 'XG04BET001A001010100299' },
        { rxId: 'RX-TF-2', code: 'XG04CXP102A001020101575' },
        { rxId: 'RX-TF-3', code: 'XM01AEX094D001010101792' },
      ]),
    );
    expect(shown.shownJrIds).toHaveLength(3);
    /** Which warning (its place in the list) and which of its controls has focus. */
    const where = () =>
      page.evaluate(() => {
        const root = document.querySelector('prealert-reminder')!.shadowRoot!;
        const active = root.activeElement;
        const card = active?.closest('li.card');
        const place = [...root.querySelectorAll('li.card')].indexOf(card as Element) + 1;
        const control = active === card ? 'card' : (active?.className ?? '') || (active?.getAttribute('type') ?? '');
        return active ? `${place}:${control}` : 'outside';
      });

    await page.keyboard.press('F8');
    await page.keyboard.press('c');
    const forward: string[] = [await where()];
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press('Tab');
      forward.push(await where());
    }
    // radio (first quick reason), 理由说明, 确认继续执行, 取消, then the next warnings.
    expect(forward).toEqual(['1:radio', '1:reason-text', '1:confirm', '1:cancel', '2:card', '3:card']);

    const back: string[] = [];
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press('Shift+Tab');
      back.push(await where());
    }
    expect(back).toEqual(['2:card', '1:cancel', '1:confirm']);
    expect(await pendingFeedbackOf(page)).toBe(0);
    await page.close();
  }, 60_000);
});
