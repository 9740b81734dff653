/**
 * The 医保办 figures page in real headless Chromium when a query fails: a running sidecar that refuses it (401 for a
 * missing admin token, 400 for a bad query) is not "cannot connect", and says what happened in Chinese; only a
 * sidecar nothing answers for is 「无法连接」. The sidecar listens beyond loopback with an admin token, and the page
 * reads it under this machine's own non-loopback address, as a 医保办 on another machine would: the records guard
 * then asks for the token.
 */
import os from 'node:os';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoStack, startDemoStack } from './support/demo-stack';

let stack: DemoStack;
let page: Page;

/** This machine's first non-loopback IPv4 address: requests to it do not come from a loopback peer. */
function ownAddress(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  throw new Error('this machine has no non-loopback IPv4 address to test a remote reader with');
}

const status = () => page.locator('#figures-status').textContent();
const statusOnceNot = (previous: string | null) =>
  page.waitForFunction(
    (before) => {
      const text = document.querySelector('#figures-status')?.textContent ?? '';
      return text !== before && text !== '正在读取…';
    },
    previous,
    { timeout: 10_000 },
  );

async function openPage(sidecarUrl: string): Promise<void> {
  stack.demo.setSidecarUrl(sidecarUrl);
  await page.goto(`${stack.demo.url}/figures.html`);
  await page.waitForFunction(() => {
    const text = document.querySelector('#figures-status')?.textContent ?? '';
    return text !== '' && text !== '正在读取…';
  });
}

beforeAll(async () => {
  stack = await startDemoStack('figures-failures', {
    env: { PREALERT_HOST: '0.0.0.0', PREALERT_ADMIN_TOKEN: 'figures-failures-admin-token' },
  });
  page = await stack.context.newPage();
}, 120_000);

afterAll(() => stack?.stop());

describe('the figures page when a query fails', () => {
  it('says the token was refused, not that the sidecar cannot be reached, when the sidecar answers 401', async () => {
    const remote = new URL(stack.sidecar.url);
    remote.hostname = ownAddress();
    await openPage(remote.origin);
    expect(await status()).toBe('本机医保提醒服务拒绝了查询：管理令牌缺失或不正确（HTTP 401）');
    expect(await page.locator('#totals .card .v').first().textContent()).toBe('—');
  });

  it("shows the sidecar's own words for a query it refuses (400)", async () => {
    await openPage(stack.sidecar.url);
    expect(await status()).toMatch(/^\d{4}-\d{2}-\d{2} 至/);
    // The 医保办 clears 开始日期 and switches to 金额, which asks again at once: the sidecar refuses the empty date.
    await page.fill('#from', '');
    const before = await status();
    await page.locator('input[name="measure"][value="amount"]').check();
    await statusOnceNot(before);
    expect(await status()).toBe('查询条件有误（HTTP 400）：from must be a date yyyy-MM-dd (got "")');
  });

  it('says 无法连接 only when nothing answers', async () => {
    await stack.stopSidecar();
    await page.fill('#from', await page.inputValue('#to'));
    const before = await status();
    await page.locator('#query button[type="submit"]').click();
    await statusOnceNot(before);
    expect(await status()).toBe('无法连接本机医保提醒服务（sidecar）');
  });
});
