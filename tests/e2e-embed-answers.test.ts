/**
 * The minimal embed page (examples/web-his/public/embed.html) with answers that carry no warnings list: the
 * sidecar's own answer with its output taken off on the way (a relay that keeps only infcode 0), a fail-open
 * envelope passed on from the native shim, the sidecar refusing the request (infcode -1), and no configuration at
 * all. Each must show that the check is unavailable and leave the doctor prescribing; none may throw. Real headless
 * Chromium against the real sidecar; what a screen reader is given is read from Chromium's own accessibility tree.
 */
import type { Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoStack, startDemoStack } from './support/demo-stack';

let stack: DemoStack;

beforeAll(async () => {
  stack = await startDemoStack('embed-answers');
}, 120_000);

afterAll(() => stack?.stop());

const SERVICE = '**/fsi/api/rsfComIfsService/callService';
const UNAVAILABLE = '医保提醒暂不可用，不影响继续开立';

/** Opens the embed page with the routes set up by `intercept`; returns what the panel says and any page error. */
async function openEmbed(intercept: (page: Page) => Promise<void>) {
  const page = await stack.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await intercept(page);
  await page.goto(`${stack.demo.url}/embed.html`);
  // Done when the page has settled on what to show, or has thrown.
  const shown = page.waitForFunction(() => document.body.dataset.taskId !== undefined, null, { timeout: 10_000 });
  const thrown = page.waitForEvent('pageerror', { timeout: 10_000 });
  for (const waiting of [shown, thrown]) waiting.catch(() => undefined); // the other one is left behind
  await Promise.race([shown, thrown]);
  const panel = page.locator('prealert-reminder');
  const seen = {
    notice: await panel.locator('.notice').textContent(),
    detail: await panel.locator('.notice').getAttribute('data-detail'),
    cards: await panel.locator('li.card').count(),
    errors,
  };
  await page.close();
  return seen;
}

/** The real sidecar's answer to the page's 3101, changed by `edit` on its way back. */
const relayed = (edit: (body: Record<string, unknown>) => Record<string, unknown>) => async (page: Page) => {
  await page.route(SERVICE, async (route: Route) => {
    const response = await route.fetch();
    const body = (await response.json()) as Record<string, unknown>;
    await route.fulfill({ response, json: edit(body) });
  });
};

describe('the embed page', () => {
  it('shows the sidecar’s two warnings as they come', async () => {
    const seen = await openEmbed(async () => {});
    expect(seen).toMatchObject({ cards: 2, errors: [] });
  }, 60_000);

  it('says the check is unavailable when the answer has no output, instead of throwing', async () => {
    const seen = await openEmbed(
      relayed((body) => {
        expect(body).toMatchObject({ infcode: 0 }); // the sidecar did answer, with its warnings
        const { output: _output, ...rest } = body;
        return rest;
      }),
    );
    expect(seen).toEqual({ notice: UNAVAILABLE, detail: '应答中没有 output.result', cards: 0, errors: [] });
  }, 60_000);

  it('says so for a fail-open envelope passed on from the native shim, not "no warnings"', async () => {
    const seen = await openEmbed(
      relayed(() => ({
        infcode: 0,
        err_msg: '',
        output: { result: [] },
        shim: { failopen: true, reason: 'sidecar_timeout', code: 1500 },
      })),
    );
    expect(seen).toEqual({ notice: UNAVAILABLE, detail: 'fail-open: sidecar_timeout', cards: 0, errors: [] });
  }, 60_000);

  it('says so when the sidecar refuses the request (infcode -1)', async () => {
    const seen = await openEmbed(async (page) => {
      // The real sidecar gets the request without its patients and refuses it, naming the field.
      await page.route(SERVICE, async (route) => {
        const envelope = JSON.parse(route.request().postData() ?? '{}') as { input: { data: Record<string, unknown> } };
        delete envelope.input.data.patient_dtos;
        await route.continue({ postData: JSON.stringify(envelope) });
      });
    });
    expect(seen).toMatchObject({ notice: UNAVAILABLE, cards: 0, errors: [] });
    expect(seen.detail).toContain('patient_dtos');
  }, 60_000);

  it('says so when it cannot read where the sidecar is', async () => {
    const seen = await openEmbed(async (page) => {
      await page.route('**/config.json', (route) => route.abort());
    });
    expect(seen).toMatchObject({ notice: UNAVAILABLE, cards: 0, errors: [] });
  }, 60_000);

  it('names the 「暂不可用」 alert in Chinese, with the browser’s English error kept out of what is read', async () => {
    const page = await stack.context.newPage();
    // The sidecar cannot be reached: the browser's own words for it are English ("Failed to fetch").
    await page.route(SERVICE, (route) => route.abort('connectionrefused'));
    await page.goto(`${stack.demo.url}/embed.html`);
    await page.waitForFunction(() => document.body.dataset.taskId !== undefined, null, { timeout: 10_000 });
    const detail = await page.locator('prealert-reminder .notice').getAttribute('data-detail');
    expect(detail).toMatch(/fetch/i);
    const cdp = await page.context().newCDPSession(page);
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as {
      nodes: { role?: { value?: string }; name?: { value?: string }; description?: { value?: string } }[];
    };
    const alerts = nodes
      .filter((node) => node.role?.value === 'alert')
      .map((node) => ({ name: node.name?.value ?? '', description: node.description?.value ?? '' }));
    expect(alerts).toEqual([{ name: UNAVAILABLE, description: '' }]);
    await page.close();
  }, 60_000);
});
