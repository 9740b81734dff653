/**
 * A doctor station whose origin the sidecar does not list gets "Failed to fetch" from the browser, as for a stopped
 * sidecar; the station must say which it is. The demo station in real headless Chromium against the real sidecar,
 * opened from its listed origin (http://127.0.0.1:<port>) and from one that is not (http://localhost:<port>, the
 * same server under another name), then with the sidecar killed.
 */
import { once } from 'node:events';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoStack, openStation, startDemoStack } from './support/demo-stack';

let stack: DemoStack;

beforeAll(async () => {
  stack = await startDemoStack('origin-refused');
}, 120_000);

afterAll(() => stack?.stop());

const UNREACHABLE = '医保提醒暂不可用（无法连接本机医保提醒服务），不影响开立';
const REFUSED =
  '医保提醒暂不可用（本机医保提醒服务未允许本页面地址，请信息科将其加入 PREALERT_CORS_ORIGINS），不影响开立';

/** The demo station served from `demoUrl`, its example order filled in. */
async function filledStation(demoUrl: string): Promise<Page> {
  const page = await stack.context.newPage();
  await openStation(page, demoUrl);
  await page.locator('#demo-fill').click();
  return page;
}

async function statusOnceChecked(page: Page): Promise<string> {
  await page.waitForFunction(
    () => {
      const text = document.querySelector('#check-status')?.textContent ?? '';
      return text.includes('条提醒') || text.includes('暂不可用');
    },
    undefined,
    { timeout: 10_000 },
  );
  return (await page.locator('#check-status').textContent()) ?? '';
}

/**
 * callService from the page itself, as a HIS would call it: the outcome's kind and reason. A string, so that vitest
 * leaves the page's dynamic import alone.
 */
function callFromPage(page: Page): Promise<{ kind: string; reason?: string; ms: number }> {
  return page.evaluate(`(async () => {
    const { callService } = await import('/vendor/widget/index.js');
    const { sidecar } = await (await fetch('/config.json')).json();
    const started = performance.now();
    const outcome = await callService('3101', { data: {} }, { sidecar });
    return { kind: outcome.kind, reason: outcome.reason, ms: performance.now() - started };
  })()`);
}

describe('a station origin the sidecar does not list', () => {
  it('is told apart from a stopped sidecar, and the listed origin still works', async () => {
    const port = new URL(stack.demo.url).port;
    const listed = await filledStation(stack.demo.url);
    expect(await statusOnceChecked(listed)).toContain('4 条提醒');

    const unlisted = await filledStation(`http://localhost:${port}`);
    expect(await statusOnceChecked(unlisted)).toBe(REFUSED);
    expect(await callFromPage(unlisted)).toMatchObject({ kind: 'failed', reason: 'origin_refused' });

    // The sidecar names it for IT.
    const status = (await (await fetch(`${stack.sidecar.url}/v1/status`)).json()) as {
      cors: { allowed: string[]; refused: { origin: string; count: number }[] };
    };
    expect(status.cors.allowed).toEqual([stack.demo.url]);
    expect(status.cors.refused).toEqual([
      expect.objectContaining({ origin: `http://localhost:${port}`, reason: 'origin_not_listed' }),
    ]);

    // Stopped, it is unreachable from either origin, and the probe keeps the page's wait short.
    const exited = once(stack.sidecar.child, 'exit');
    stack.sidecar.child.kill('SIGKILL');
    await exited;
    for (const page of [unlisted, listed]) {
      const outcome = await callFromPage(page);
      expect(outcome).toMatchObject({ kind: 'failed', reason: 'sidecar_unreachable' });
      expect(outcome.ms).toBeLessThan(1500);
    }
    await unlisted.locator('input[aria-label="葡萄糖测定 数量"]').fill('2');
    await unlisted.keyboard.press('Tab');
    await unlisted.waitForFunction(
      (text) => document.querySelector('#check-status')?.textContent === text,
      UNREACHABLE,
      {
        timeout: 10_000,
      },
    );
  }, 60_000);
});
