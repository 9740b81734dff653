/**
 * <prealert-reminder> when the workstation's sidecar answers, but slowly: a delaying proxy (node:http on loopback)
 * stands in front of the real sidecar, on the demo's minimal host page in real headless Chromium. A 3103 the sidecar
 * may yet record is not called undelivered while it is in flight, and a slow sidecar ends up recording it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoStack, startDemoStack } from './support/demo-stack';
import { taskDispositions } from './support/task-dispositions';

let stack: DemoStack;
let proxy: http.Server;
let proxyUrl = '';
/** How long the proxy holds each callService before passing it on. */
let delayMs = 0;
const feedbackCalls: number[] = [];

beforeAll(async () => {
  stack = await startDemoStack('slow-3103');
  const target = new URL(stack.sidecar.url);
  proxy = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      if (body.includes('"infno":"3103"')) feedbackCalls.push(Date.now());
      const hold = request.method === 'POST' ? delayMs : 0;
      // The request reaches the sidecar at once, as the audit's slow sidecar did; only the answer is late.
      const upstream = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: request.url,
          method: request.method,
          headers: request.headers,
        },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => parts.push(chunk));
          answer.on('end', () =>
            setTimeout(() => {
              if (response.destroyed) return;
              response.writeHead(answer.statusCode ?? 502, answer.headers);
              response.end(Buffer.concat(parts));
            }, hold),
          );
        },
      );
      upstream.on('error', () => response.destroy());
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  stack.demo.setSidecarUrl(proxyUrl);
}, 120_000);

afterAll(async () => {
  proxy?.closeAllConnections();
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
  await stack?.stop();
});

const stateText = (page: Page) =>
  page.evaluate(
    () => document.querySelector('prealert-reminder')?.shadowRoot?.querySelector('li.card .state')?.textContent ?? '',
  );

/** Every distinct text the first card's delivery state shows, in order, sampled every 50 ms until `done`. */
async function watchState(page: Page, done: (text: string) => boolean, timeoutMs: number): Promise<string[]> {
  const seen: string[] = [];
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const text = await stateText(page);
    if (seen[seen.length - 1] !== text) seen.push(text);
    if (done(text)) return seen;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return seen;
}

describe('a sidecar that answers every request after 3 s', () => {
  it('shows 正在送达… while the 3103 is in flight, 未送达 only after a failed try, and 已记录 in the end', async () => {
    const page = await stack.context.newPage();
    await page.goto(`${stack.demo.url}/embed.html`);
    await page.waitForFunction(() => document.body.dataset.taskId !== undefined);
    await page.locator('prealert-reminder li.card').nth(1).waitFor();
    const taskId = await page.evaluate(() => document.body.dataset.taskId!);

    delayMs = 3000;
    const start = Date.now();
    await page.keyboard.press('F8');
    await page.keyboard.press('m');
    expect(await stateText(page)).toBe('正在送达…');
    const seen = await watchState(page, (text) => text === '已记录', 20_000);
    expect(seen[seen.length - 1]).toBe('已记录');
    // In flight, failed (800 ms budget), in flight again: never 未送达 while a try may still be answered.
    expect(seen.slice(0, 3)).toEqual(['正在送达…', '未送达，自动重试中：本机医保提醒服务无应答', '正在送达…']);
    expect(seen.filter((text) => text === '已记录')).toHaveLength(1);
    // Each retry waits longer, so a 3 s sidecar is heard without a 3103 every second.
    expect(feedbackCalls.filter((at) => at >= start).length).toBeLessThanOrEqual(3);

    const recorded = await taskDispositions(stack.sidecar.url, taskId);
    expect(Object.values(recorded)).toEqual([expect.objectContaining({ dspo_way: '2' })]);
    await page.close();
  }, 60_000);
});
