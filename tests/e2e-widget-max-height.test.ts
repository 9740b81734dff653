/**
 * `--prealert-max-height` keeps the whole <prealert-reminder> panel (header, cards, reason form, key hints) inside a
 * small pane of the host's layout, with the card list scrolling inside it: real headless Chromium at 400x300 against
 * the real sidecar, five warnings on real national codes.
 */
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoRequest } from './support/demo-request';
import { type DemoStack, startDemoStack } from './support/demo-stack';
import { analyse } from './support/host-analysis';

let stack: DemoStack;

beforeAll(async () => {
  stack = await startDemoStack('max-height');
}, 120_000);

afterAll(() => stack?.stop());

// 他达拉非片, 普适泰片 (药品区分性别使用), 小儿布洛芬栓, 小儿对乙酰氨基酚片 (药品儿童专用), 复方氨基酸注射液(18AA)
// (药品限就医方式) for a woman of 36 at an outpatient visit: five warnings, each asking for a reason.
const CODES = [
  'XG04BET001A001010100299',
  'XG04CXP102A001020101575',
  'XM01AEX094D001010101792',
  'XN02BEX097A001010105889',
  'XB05BAF150B002010100269',
];

type Box = { top: number; bottom: number };

/** Where the panel's parts are in the window, and whether anything but the card list scrolls. */
const layout = (page: Page) =>
  page.evaluate(() => {
    const el = document.querySelector('prealert-reminder')!;
    const root = el.shadowRoot!;
    const box = (node: Element | null | undefined): Box | null => {
      if (!node) return null;
      const r = node.getBoundingClientRect();
      return { top: Math.round(r.top), bottom: Math.round(r.bottom) };
    };
    const list = root.querySelector('ol.cards')!;
    return {
      panel: box(el)!,
      bar: box(root.querySelector('.bar'))!,
      hints: box(root.querySelector('.hints'))!,
      list: box(list)!,
      listScrolls: list.scrollHeight > list.clientHeight,
      pageScrolls: document.scrollingElement!.scrollHeight > window.innerHeight,
      focused: box(root.activeElement),
      focusedTag: root.activeElement?.tagName.toLowerCase() ?? '',
    };
  });

describe.each([
  { how: '300px on the element, the pane being the window', pane: '', maxHeight: '300px' },
  { how: '100% of a pane 300 px high', pane: '300px', maxHeight: '100%' },
])('--prealert-max-height: $how', ({ pane, maxHeight }) => {
  it('bounds the whole panel: header, cards, form and key hints stay in the pane, the list scrolls', async () => {
    const page = await stack.context.newPage();
    await page.setViewportSize({ width: 400, height: 300 });
    await page.goto(`${stack.demo.url}/embed.html`);
    await page.waitForFunction(() => document.body.dataset.taskId !== undefined);
    // Only the widget, in a pane of the host's layout.
    await page.evaluate(
      ({ pane, maxHeight }) => {
        document.body.style.cssText = 'display: block; margin: 0';
        document.querySelector('table')!.remove();
        const box = document.createElement('div');
        if (pane) box.style.height = pane;
        const el = document.querySelector('prealert-reminder')!;
        el.before(box);
        box.append(el);
        el.style.setProperty('--prealert-max-height', maxHeight);
      },
      { pane, maxHeight },
    );
    const id = `PANE-${pane ? 'PCT' : 'PX'}`;
    const shown = await analyse(
      page,
      demoRequest(
        id,
        `T-${id}`,
        CODES.map((code, i) => ({ rxId: `RX-${id}-${i + 1}`, code })),
      ),
    );
    expect(shown.rules).toHaveLength(5);

    const before = await layout(page);
    expect(before.panel.top).toBe(0);
    expect(before.panel.bottom).toBeLessThanOrEqual(300);
    expect(before.hints.bottom).toBeLessThanOrEqual(before.panel.bottom);
    expect(before.listScrolls).toBe(true);
    expect(before.pageScrolls).toBe(false);

    // The doctor opens the reason form of the second warning: the header with its counts stays in view, and so do
    // the form's first control and the key hints.
    await page.keyboard.press('F8');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('c');
    const form = await layout(page);
    expect(form.focusedTag).toBe('input');
    expect(form.bar).toEqual(before.bar);
    expect(form.panel.bottom).toBeLessThanOrEqual(300);
    expect(form.hints.bottom).toBeLessThanOrEqual(300);
    expect(form.focused!.top).toBeGreaterThanOrEqual(form.list.top);
    expect(form.focused!.bottom).toBeLessThanOrEqual(form.list.bottom);
    expect(form.pageScrolls).toBe(false);
    // For a look by eye: in this file's temporary folder, kept with PREALERT_KEEP_TEST_TMP=1 (README.md).
    await page.screenshot({ path: path.join(os.tmpdir(), `prealert-max-height-${pane ? 'pct' : 'px'}.png`) });
    await page.close();
  }, 60_000);
});
