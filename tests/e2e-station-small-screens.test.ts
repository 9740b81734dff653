/**
 * The demo doctor station on the screens of typical 门诊 PCs, in real headless Chromium against the real sidecar:
 * 1024x768, and 1366x768 at 125 % scaling (1093x614 CSS px). A mouse-driven doctor must see the warnings without
 * scrolling, next to the order they are about.
 */
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoStack, openStation, startDemoStack } from './support/demo-stack';

let stack: DemoStack;

beforeAll(async () => {
  stack = await startDemoStack('small-screens');
}, 120_000);

afterAll(() => stack?.stop());

describe.each([
  { width: 1024, height: 768 },
  { width: 1093, height: 614 },
])('at $width x $height', ({ width, height }) => {
  it('shows the first warning and the first order line in view, with no sideways scrolling', async () => {
    const page = await stack.context.newPage();
    await page.setViewportSize({ width, height });
    await openStation(page, stack.demo.url);
    await page.locator('#demo-fill').click();
    await page.waitForFunction(() => document.querySelector('#check-status')?.textContent?.includes('4 条提醒'), null, {
      timeout: 10_000,
    });
    const box = await page.evaluate(() => {
      const card = document.querySelector('prealert-reminder')!.shadowRoot!.querySelector('li.card')!;
      const row = document.querySelector('#order-rows tr[data-rx-id]')!;
      const rect = (node: Element) => {
        const r = node.getBoundingClientRect();
        return {
          top: Math.round(r.top),
          bottom: Math.round(r.bottom),
          left: Math.round(r.left),
          right: Math.round(r.right),
        };
      };
      return {
        scrollY: window.scrollY,
        pageWidth: document.documentElement.scrollWidth,
        card: rect(card),
        rule: card.querySelector('.rule')?.textContent,
        row: rect(row),
        table: rect(document.querySelector('table.orders')!),
      };
    });
    // For a look by eye: in this file's temporary folder, kept with PREALERT_KEEP_TEST_TMP=1 (README.md).
    await page.screenshot({ path: path.join(os.tmpdir(), `uxw-a4-${width}x${height}.png`) });
    expect(box.scrollY).toBe(0);
    expect(box.pageWidth).toBeLessThanOrEqual(width);
    expect(box.rule).toBe('药品限就医方式');
    expect(box.card.top).toBeGreaterThanOrEqual(0);
    expect(box.card.bottom).toBeLessThanOrEqual(height);
    expect(box.card.right).toBeLessThanOrEqual(width);
    expect(box.row.bottom).toBeLessThanOrEqual(height);
    expect(box.table.right).toBeLessThanOrEqual(box.card.left);
    await page.close();
  }, 60_000);
});

describe.each([
  { width: 1024, height: 768 },
  { width: 1093, height: 614 },
])('the patient line at $width x $height', ({ width, height }) => {
  it('never breaks the 就诊号 inside the id, for any patient and visit', async () => {
    const page = await stack.context.newPage();
    await page.setViewportSize({ width, height });
    await openStation(page, stack.demo.url);
    const patients = await page.$$eval('#patient option', (options) =>
      options.map((o) => (o as HTMLOptionElement).value),
    );
    expect(patients.length).toBeGreaterThan(1);
    const seen: { patient: string; visit: string; id: string; lines: number }[] = [];
    for (const patient of patients) {
      await page.selectOption('#patient', patient);
      for (const visit of ['outpatient', 'inpatient']) {
        await page.locator(`input[name="visit"][value="${visit}"]`).check();
        // The lines the id's own characters are laid out on: one, wherever the line as a whole wraps.
        seen.push(
          await page.evaluate(
            ({ patient, visit }) => {
              const info = document.getElementById('patient-info')!;
              const id = /就诊号 (\S+)$/.exec(info.textContent ?? '')?.[1] ?? '';
              const walker = document.createTreeWalker(info, NodeFilter.SHOW_TEXT);
              const tops = new Set<number>();
              for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const at = (node.textContent ?? '').indexOf(id);
                if (id === '' || at < 0) continue;
                const range = document.createRange();
                for (let i = at; i < at + id.length; i++) {
                  range.setStart(node, i);
                  range.setEnd(node, i + 1);
                  tops.add(Math.round(range.getBoundingClientRect().top));
                }
              }
              return { patient, visit, id, lines: tops.size };
            },
            { patient, visit },
          ),
        );
      }
    }
    expect(seen.every((s) => s.id.length > 8)).toBe(true);
    expect(seen.filter((s) => s.lines !== 1)).toEqual([]);
    await page.close();
  }, 60_000);
});

describe('at 1366 x 768', () => {
  it('keeps the order table inside its card once every badge says 「· 待修改」', async () => {
    const page = await stack.context.newPage();
    await page.setViewportSize({ width: 1366, height: 768 });
    await openStation(page, stack.demo.url);
    await page.locator('#demo-fill').click();
    await page.waitForFunction(() => document.querySelector('#check-status')?.textContent?.includes('4 条提醒'), null, {
      timeout: 10_000,
    });
    // 返回修改 (M) on each warning: M moves to the line's quantity, F8 back to the next open warning.
    for (let answered = 1; answered <= 4; answered++) {
      await page.keyboard.press('F8');
      await page.keyboard.press('m');
      await page.waitForFunction(
        (n) =>
          document.querySelectorAll('#order-rows .badge:not(.involved)').length > 0 &&
          [...document.querySelectorAll('#order-rows .badge')].filter((b) => b.textContent?.includes('待修改'))
            .length >= n,
        answered,
        { timeout: 10_000 },
      );
    }
    const box = await page.evaluate(() => {
      const table = document.querySelector('table.orders')!.getBoundingClientRect();
      const card = document.querySelector('section.workspace')!.getBoundingClientRect();
      return {
        tableRight: Math.round(table.right),
        cardRight: Math.round(card.right),
        pageWidth: document.documentElement.scrollWidth,
      };
    });
    await page.screenshot({ path: path.join(os.tmpdir(), 'figures-station-1366-after-m.png') });
    expect(box.tableRight).toBeLessThanOrEqual(box.cardRight);
    expect(box.pageWidth).toBeLessThanOrEqual(1366);
    await page.close();
  }, 60_000);
});
