/**
 * A HIS page's own type must not resize the reminder card. Inherited properties (font-size, line-height, font-family,
 * letter-spacing …) set on html/body stop at the element (:host's `all: initial`), but a rule that matches the element
 * itself, as a HIS's reset `* { font-size: 12px; line-height: 3 }` does, beats any :host rule whatever its
 * specificity, and its values were inherited by every part of the card. Measured in real headless Chromium: each part
 * of the shadow tree, with a reason form open, has the same box on the styled host as on a plain one.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoStack, startDemoStack } from './support/demo-stack';
import { openEmbed } from './support/embed-page';

let stack: DemoStack;

beforeAll(async () => {
  stack = await startDemoStack('host-font');
}, 120_000);

afterAll(() => stack?.stop());

/** Width × height of every element of the card panel, in tree order, named by its tag and class. */
function boxes(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelector('prealert-reminder')!.shadowRoot!.querySelectorAll('.panel, .panel *')].map((node) => {
      const box = node.getBoundingClientRect();
      return `${node.tagName.toLowerCase()}.${node.getAttribute('class') ?? ''} ${box.width.toFixed(1)}×${box.height.toFixed(1)}`;
    }),
  );
}

/** The embed page's two warnings, the first one's reason form open (C), measured with `css` added to the host. */
async function measure(css: string): Promise<string[]> {
  const page = await stack.context.newPage();
  await openEmbed(page, stack.demo.url);
  // The embed page sets its body's font itself: the host styles under test come after it and win.
  if (css) await page.addStyleTag({ content: css });
  await page.keyboard.press('F8');
  await page.keyboard.press('c');
  await page.locator('prealert-reminder form.reason-form:not([hidden])').waitFor();
  const measured = await boxes(page);
  await page.close();
  return measured;
}

describe("a host page's type", () => {
  let plain: string[];

  beforeAll(async () => {
    plain = await measure('');
    // The measure sees the card: two warnings, one of them with its form, the header and the key hints.
    expect(plain.filter((box) => box.startsWith('li.card'))).toHaveLength(2);
    expect(plain.some((box) => box.startsWith('form.reason-form') && !box.endsWith(' 0.0×0.0'))).toBe(true);
  }, 60_000);

  it('on html and body leaves every box of the card as on a plain host', async () => {
    expect(await measure('html { font-size: 24px } body { font-size: 30px; line-height: 3 }')).toEqual(plain);
  }, 60_000);

  it("in a reset that matches every element (the widget's own included) leaves every box as on a plain host", async () => {
    const reset =
      '* { font-size: 12px; line-height: 3; font-family: serif; letter-spacing: 2px; text-align: center; white-space: nowrap }';
    expect(await measure(reset)).toEqual(plain);
  }, 60_000);
});
