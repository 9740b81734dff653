/**
 * F8 pressed in a HIS page that holds the widget in an iframe goes to the page's own document, never to the frame's:
 * the host forwards it with the README's one line (postMessage to the frame's origin), and the element takes it only
 * from its parent and only from an origin its `host-origin` names. Real headless Chromium; the HIS page and the
 * widget's page (the demo's embed page, with its real sidecar) on two loopback origins.
 */
import type { Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoStack, startDemoStack } from './support/demo-stack';
import { focusOf as focus, frameOf, type HisFrameServer, startHisFrame } from './support/his-frame';

let stack: DemoStack;
let his: HisFrameServer;
let hisUrl: string;

beforeAll(async () => {
  stack = await startDemoStack('iframe-hotkey');
  his = await startHisFrame(new URL(stack.demo.url).origin);
  hisUrl = his.url;
}, 120_000);

afterAll(async () => {
  await his?.close();
  await stack?.stop();
});

/** The HIS page with the widget's two warnings shown in its frame, focus in the HIS's order field. */
async function openHis(page: Page): Promise<Frame> {
  await page.goto(`${hisUrl}/`);
  const frame = page.frameLocator('#prealert-frame');
  await frame.locator('prealert-reminder li.card').nth(1).waitFor();
  await page.focus('#order');
  return frameOf(page, stack.demo.url);
}

const setHostOrigin = (frame: Frame, origin: string | null) =>
  frame.evaluate((origin) => {
    const el = document.querySelector('prealert-reminder')!;
    if (origin === null) el.removeAttribute('host-origin');
    else el.setAttribute('host-origin', origin);
  }, origin);

describe('F8 in the HIS page that holds the widget in an iframe', () => {
  it("jumps to the first warning when the element names the HIS page's origin", async () => {
    const page = await stack.context.newPage();
    const frame = await openHis(page);
    await setHostOrigin(frame, hisUrl);
    expect(await focus(page, frame)).toEqual({ his: 'order', widget: null });

    await page.keyboard.press('F8');
    await expect.poll(() => focus(page, frame)).toEqual({ his: 'prealert-frame', widget: '药品限就医方式' });
    // The doctor goes on with the keyboard in the frame: ↓ to the next warning.
    await page.keyboard.press('ArrowDown');
    expect((await focus(page, frame)).widget).toBe('药品区分性别使用');
    // Esc: back to the HIS's order field, as Esc after a local F8 goes back to where the doctor was.
    await page.keyboard.press('Escape');
    await expect.poll(() => focus(page, frame)).toMatchObject({ his: 'order' });
    await page.keyboard.type('x');
    expect(await page.inputValue('#order')).toBe('x');
    await page.close();
  }, 60_000);

  it('gives the focus back on Esc only to an origin the element still names', async () => {
    const page = await stack.context.newPage();
    const frame = await openHis(page);
    await setHostOrigin(frame, hisUrl);
    await page.keyboard.press('F8');
    await expect.poll(() => focus(page, frame)).toEqual({ his: 'prealert-frame', widget: '药品限就医方式' });
    await setHostOrigin(frame, 'http://his.example');
    await page.keyboard.press('Escape');
    await frame.evaluate(() => new Promise((resolve) => setTimeout(resolve, 100)));
    expect(await focus(page, frame)).toEqual({ his: 'prealert-frame', widget: '药品限就医方式' });
    await page.close();
  }, 60_000);

  it('is ignored from an origin the element does not name, and without host-origin', async () => {
    const page = await stack.context.newPage();
    const frame = await openHis(page);
    for (const origin of [null, 'http://his.example']) {
      await setHostOrigin(frame, origin);
      await page.focus('#order');
      await page.keyboard.press('F8');
      // The forwarded message is handled (or not) within a task: give it a round trip through the frame first.
      await frame.evaluate(() => new Promise((resolve) => setTimeout(resolve, 100)));
      expect((await focus(page, frame)).widget).toBeNull();
    }
    await page.close();
  }, 60_000);
});
