/**
 * A grouped entry's rx_id box on the sidecar's reminder page (two small lines of a stay's 30 order numbers, the rest
 * scrolled) is for a desktop HIS's doctor to find each order; it scrolled with the mouse only. Tab from its warning
 * reaches it (one stop for the box, none per rx_id), it is named, shows a focus ring, and ↓ / PageDown scroll it.
 * Real headless Chromium against the real sidecar and the bundled national library; 奥扎格雷's 14-day payment limit.
 */
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoStack, startDemoStack } from './support/demo-stack';
import { openEmbed } from './support/embed-page';
import { analyse } from './support/host-analysis';
import { DUTASTERIDE, OZAGREL, pad, type Stay, wardRequest } from './support/ward-stay';

const ENCOUNTER = 'ZY-RXKEYS-1';
const stay: Stay = { encounter: ENCOUNTER, patientId: 'P-RXKEYS-1', admission: { year: 2026, month: 8, day: 20 } };
const TASK = 'T-RXKEYS-1';

let stack: DemoStack;

beforeAll(async () => {
  stack = await startDemoStack('rx-ids-keys');
}, 120_000);

afterAll(() => stack?.stop());

/** What has focus in the panel: the rx_id box (its name, ring and scroll), a warning (its rule), or neither. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const active = document.querySelector('prealert-reminder')!.shadowRoot!.activeElement as HTMLElement | null;
    if (active?.classList.contains('line-rx-ids')) {
      const style = getComputedStyle(active);
      return {
        box: {
          name: active.getAttribute('aria-label'),
          role: active.getAttribute('role'),
          ring: `${style.outlineStyle} ${style.outlineWidth}`,
          scrollTop: active.scrollTop,
          card: active.closest('li.card')?.querySelector('.rule')?.textContent ?? null,
        },
      };
    }
    return { card: active?.closest('li.card')?.querySelector('.rule')?.textContent ?? null };
  });

/** The reminder page of a 30-day 奥扎格雷 stay (one grouped entry with its box) and a 度他雄胺 line; the paid-days warning's index. */
async function openStay(page: Page, task: string): Promise<{ rules: string[]; paid: number }> {
  await openEmbed(page, stack.demo.url);
  await analyse(
    page,
    wardRequest(stay, task, [
      ...Array.from({ length: 30 }, (_, day) => ({ rxId: `YZ2026${ENCOUNTER}-${pad(day + 1)}`, item: OZAGREL, day })),
      { rxId: 'DU-1', item: DUTASTERIDE, day: 29 },
    ]),
  );
  await page.goto(`${stack.sidecar.url}/ui/reminder/${task}`);
  await page.locator('prealert-reminder li.card').nth(2).waitFor();
  const rules = await page.locator('prealert-reminder li.card .rule').allTextContents();
  return { rules, paid: rules.indexOf('药品限支付疗程') };
}

/** What has focus in the panel, in words: a button or form control of a warning by its text, else as `focused`. */
const focusedControl = (page: Page) =>
  page.evaluate(() => {
    const active = document.querySelector('prealert-reminder')!.shadowRoot!.activeElement as HTMLElement | null;
    if (!active) return null;
    if (active instanceof HTMLInputElement) return `${active.type} ${active.closest('form') ? 'in form' : ''}`.trim();
    if (active instanceof HTMLButtonElement) return `button ${active.className}`;
    if (active.classList.contains('line-rx-ids')) return 'box';
    if (active.matches('li.card')) return `card ${active.querySelector('.rule')?.textContent ?? ''}`;
    return active.tagName;
  });

describe("the rx_id box of a grouped entry on the sidecar's reminder page", () => {
  it('is reached by Tab from its warning and scrolled by ↓ and PageDown, one Tab stop for all its rx_ids', async () => {
    const page = await stack.context.newPage();
    const { rules, paid } = await openStay(page, TASK);
    expect(paid).toBeGreaterThanOrEqual(0);
    // No rx_id of the box is a Tab stop of the page's own order: the box is reached from its warning only.
    expect(
      await page.evaluate(
        () =>
          [
            ...document
              .querySelector('prealert-reminder')!
              .shadowRoot!.querySelectorAll<HTMLElement>('.line-rx-ids, .line-rx-ids *'),
          ].filter((node) => node.tabIndex >= 0).length,
      ),
    ).toBe(0);

    await page.locator('prealert-reminder li.card').nth(paid).focus();
    expect(await focused(page)).toEqual({ card: '药品限支付疗程' });
    await page.keyboard.press('Tab');
    expect(await focused(page)).toEqual({
      box: {
        name: `${OZAGREL.name} 的医嘱号，共 30 条，方向键滚动`,
        role: 'group',
        ring: 'solid 2px',
        scrollTop: 0,
        card: '药品限支付疗程',
      },
    });
    // For a look by eye: in this file's temporary folder, kept with PREALERT_KEEP_TEST_TMP=1 (README.md).
    await page.screenshot({ path: path.join(os.tmpdir(), 'prealert-rx-ids-focused.png') });

    // ↓ scrolls the box one line (15 px) and keeps focus there, rather than moving on to the next warning.
    await page.keyboard.press('ArrowDown');
    const afterArrow = await focused(page);
    expect(afterArrow.box?.scrollTop).toBe(15);
    await page.keyboard.press('PageDown');
    const afterPage = await focused(page);
    expect(afterPage.box?.scrollTop).toBeGreaterThan(15);
    await page.keyboard.press('ArrowUp');
    expect((await focused(page)).box?.scrollTop).toBe((afterPage.box?.scrollTop ?? 0) - 15);

    // Tab on from the box: the next warning (or out of the panel after the last), never an rx_id; Shift+Tab back in.
    await page.keyboard.press('Tab');
    const next = rules[paid + 1];
    if (next !== undefined) {
      expect(await focused(page)).toEqual({ card: next });
      await page.keyboard.press('Shift+Tab');
      expect((await focused(page)).box?.card).toBe('药品限支付疗程');
    } else expect(await focused(page)).toEqual({ card: null });
    await page.keyboard.press('Shift+Tab');
    expect(await focused(page)).toEqual({ card: '药品限支付疗程' });
    await page.close();
  }, 90_000);

  it("keeps the visual order with its warning's buttons and reason form; Home/End scroll it; the hints say so", async () => {
    const page = await stack.context.newPage();
    const { paid } = await openStay(page, `${TASK}-ORDER`);
    expect(paid).toBeGreaterThanOrEqual(0);
    // The arrows scroll a box only where one is shown, and the hints say so there (next to what they do elsewhere).
    expect(await page.locator('prealert-reminder .hints').textContent()).toContain(
      'Tab/↑↓ 切换 · 医嘱号框内 ↑↓ 滚动 · ',
    );
    const card = page.locator('prealert-reminder li.card').nth(paid);

    // A button reached with → is part of its warning's Tab stop: Tab goes on to the box, as from the warning.
    await card.focus();
    await page.keyboard.press('ArrowRight');
    expect(await focusedControl(page)).toBe('button modify');
    await page.keyboard.press('Tab');
    expect(await focusedControl(page)).toBe('box');

    // Home/End scroll the box to its ends, as ↑↓ and PageUp/PageDown scroll it: focus stays in the box.
    await page.keyboard.press('End');
    const end = await focused(page);
    expect(end.box?.scrollTop).toBeGreaterThan(15);
    await page.keyboard.press('Home');
    expect((await focused(page)).box?.scrollTop).toBe(0);

    // With the reason form open: the box sits between the warning and the form, so Shift+Tab out of the form's
    // first control (the quick reasons) comes back to the box, Tab from the box goes on into the form, and Tab from
    // a button (→) goes to the box first.
    await card.focus();
    await page.keyboard.press('c');
    expect(await focusedControl(page)).toBe('radio in form');
    await page.keyboard.press('Shift+Tab');
    expect(await focusedControl(page)).toBe('box');
    await page.keyboard.press('Shift+Tab');
    expect(await focusedControl(page)).toBe('card 药品限支付疗程');
    await page.keyboard.press('Tab');
    expect(await focusedControl(page)).toBe('box');
    await page.keyboard.press('Tab');
    expect(await focusedControl(page)).toBe('radio in form');
    await card.focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    expect(await focusedControl(page)).toBe('button continue');
    await page.keyboard.press('Tab');
    expect(await focusedControl(page)).toBe('box');
    await page.close();
  }, 90_000);
});
