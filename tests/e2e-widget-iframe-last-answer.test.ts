/**
 * After a forwarded F8 (widget README, "In an iframe") the doctor answers the warnings in the frame; once the last
 * one is answered there is nothing left to do in the panel, and focus must go back to the HIS page's field, as Esc
 * hands it back, or she types into nothing. Real headless Chromium, the HIS page and the widget's page (the demo's
 * embed page with its real sidecar) on two loopback origins.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoStack, startDemoStack } from './support/demo-stack';
import { focusOf as focus, frameOf, type HisFrameServer, startHisFrame } from './support/his-frame';

let stack: DemoStack;
let his: HisFrameServer;

beforeAll(async () => {
  stack = await startDemoStack('iframe-last-answer');
  his = await startHisFrame(new URL(stack.demo.url).origin);
}, 120_000);

afterAll(async () => {
  await his?.close();
  await stack?.stop();
});

describe('the last warning answered after a forwarded F8', () => {
  it("hands focus back to the HIS page's field", async () => {
    const page = await stack.context.newPage();
    await page.goto(`${his.url}/`);
    await page.frameLocator('#prealert-frame').locator('prealert-reminder li.card').nth(1).waitFor();
    const frame = frameOf(page, stack.demo.url);
    await frame.evaluate(
      (origin) => document.querySelector('prealert-reminder')!.setAttribute('host-origin', origin),
      his.url,
    );
    await page.focus('#order');

    await page.keyboard.press('F8');
    await expect.poll(() => focus(page, frame)).toEqual({ his: 'prealert-frame', widget: '药品限就医方式' });
    // 继续执行 with the first quick reason: the first answer moves on to the other warning, still in the frame.
    for (const key of ['c', '1', 'Enter']) await page.keyboard.press(key);
    await expect.poll(() => focus(page, frame)).toEqual({ his: 'prealert-frame', widget: '药品区分性别使用' });
    // The last answer: nothing is left in the panel, so the HIS page takes its field back.
    for (const key of ['c', '1', 'Enter']) await page.keyboard.press(key);
    await expect.poll(() => focus(page, frame)).toMatchObject({ his: 'order' });
    await page.keyboard.type('x');
    expect(await page.inputValue('#order')).toBe('x');
    // Both answers reach the sidecar: handing focus back took nothing from the answer that brought it about.
    await frame.waitForFunction(
      () =>
        (document.querySelector('prealert-reminder') as HTMLElement & { pendingFeedback: number }).pendingFeedback ===
        0,
    );
    await page.close();
  }, 60_000);
});
