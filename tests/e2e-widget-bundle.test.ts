/**
 * The widget's classic-script bundle (dist/index.global.js, global `PrealertWidget`) in real headless Chromium,
 * on the demo's minimal host page (examples/web-his/public/embed.html): how a HIS without a module build would
 * embed it. Answers from the real sidecar.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoStack, startDemoStack } from './support/demo-stack';
import { feedbackDrained } from './support/pending-feedback';

let stack: DemoStack;
let demo: DemoStack['demo'];
let sidecar: DemoStack['sidecar'];
let context: DemoStack['context'];

beforeAll(async () => {
  stack = await startDemoStack('iife');
  ({ demo, sidecar, context } = stack);
}, 120_000);

afterAll(() => stack?.stop());

describe('classic-script bundle', () => {
  it('registers <prealert-reminder>, marks the host rows and records answers; a "block" warning cannot be continued', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${demo.url}/embed.html`);
    const globals = await page.evaluate(() => {
      const lib = (window as unknown as { PrealertWidget?: Record<string, unknown> }).PrealertWidget;
      return { keys: Object.keys(lib ?? {}).sort(), defined: customElements.get('prealert-reminder') !== undefined };
    });
    expect(globals.defined).toBe(true);
    expect(globals.keys).toEqual(
      expect.arrayContaining(['PrealertReminderElement', 'callService', 'defineReminderElement']),
    );

    // The page's own 3101 (through PrealertWidget.callService) answered with the real library's warnings.
    await page.waitForFunction(() => document.body.dataset.taskId !== undefined);
    const taskId = await page.evaluate(() => document.body.dataset.taskId!);
    const cards = page.locator('prealert-reminder li.card');
    expect(await cards.locator('.rule').allTextContents()).toEqual(['药品限就医方式', '药品区分性别使用']);
    expect(await cards.locator('.lines').first().textContent()).toBe('医嘱复方氨基酸注射液(18AA)（违规项）');

    // A province may configure a rule to block (wf_impact "block"); the national library ships none.
    const blockedJr = await page.evaluate((id) => {
      const el = document.querySelector('prealert-reminder') as HTMLElement & {
        currentResults: readonly { jr_id: string; rule_name: string; wf_impact: string }[];
        show(r: unknown, o: unknown): void;
        focusFirst(): boolean;
      };
      const results = el.currentResults.map((r) =>
        r.rule_name === '药品限就医方式' ? { ...r, wf_impact: 'block' } : r,
      );
      el.show(results, { infno: '3101', taskId: id });
      el.focusFirst();
      return results.find((r) => r.wf_impact === 'block')!.jr_id;
    }, taskId);
    expect(await page.getAttribute('tr[data-rx-id="EMBED-2"]', 'data-prealert-severity')).toBe('1');
    expect(await page.getAttribute('tr[data-rx-id="EMBED-2"]', 'data-prealert-active')).toBe('true');
    expect(await page.getAttribute('tr[data-rx-id="EMBED-1"]', 'data-prealert-severity')).toBe('2');

    const blocked = page.locator('prealert-reminder li.card').first();
    expect(await blocked.locator('.rule').textContent()).toBe('药品限就医方式');
    expect(await blocked.locator('.impact').textContent()).toBe('不可继续执行，请返回修改');
    expect(await blocked.locator('button.continue').isDisabled()).toBe(true);
    await page.keyboard.press('c');
    expect(await blocked.locator('.error').textContent()).toBe('此提醒不可继续执行，请返回修改');
    await page.keyboard.press('1');
    expect(await blocked.locator('form').isHidden()).toBe(true);

    await page.keyboard.press('m'); // 返回修改: focus goes to the row's field
    expect(await page.evaluate(() => document.activeElement?.closest('tr')?.getAttribute('data-rx-id'))).toBe(
      'EMBED-2',
    );
    await feedbackDrained(page);
    const task = (await (await fetch(`${sidecar.url}/v1/tasks/${taskId}`)).json()) as {
      dispositions: Record<string, { dspo_way: string }>;
    };
    expect(task.dispositions).toEqual({ [blockedJr]: expect.objectContaining({ dspo_way: '2' }) });
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});

describe('on the Chromium the bundle targets (chrome80)', () => {
  // HIS shells still embed Chromium 80–85. Without the two DOM/String methods those lack, both bundles must render
  // and record: the classic script on the host page and the sidecar's own reminder page (the ESM build).
  const chromium80 = () => {
    for (const proto of [Element.prototype, Document.prototype, DocumentFragment.prototype])
      delete (proto as unknown as Record<string, unknown>).replaceChildren; // Chrome 86
    delete (String.prototype as unknown as Record<string, unknown>).replaceAll; // Chrome 85
  };

  it('renders the warnings and records an answer on the host page and on the sidecar page', async () => {
    const page = await context.newPage();
    await page.addInitScript(chromium80);
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${demo.url}/embed.html`);
    await page.waitForFunction(() => document.body.dataset.taskId !== undefined, null, { timeout: 10_000 });
    const taskId = await page.evaluate(() => document.body.dataset.taskId!);
    expect(await page.evaluate(() => typeof ''.replaceAll)).toBe('undefined');
    expect(errors).toEqual([]);
    const cards = page.locator('prealert-reminder li.card');
    expect(await cards.locator('.rule').allTextContents()).toEqual(['药品限就医方式', '药品区分性别使用']);
    expect(await cards.first().locator('.lines').textContent()).toBe('医嘱复方氨基酸注射液(18AA)（违规项）');
    expect(await page.getAttribute('tr[data-rx-id="EMBED-2"]', 'data-prealert-severity')).toBe('1');

    await page.keyboard.press('F8');
    await page.keyboard.press('m');
    await page.waitForFunction(() =>
      document.querySelector('prealert-reminder')?.shadowRoot?.querySelector('li.card .state.recorded'),
    );
    expect(await cards.locator('.state').allTextContents()).toEqual(['已记录', '']);

    const own = await context.newPage();
    await own.addInitScript(chromium80);
    own.on('pageerror', (error) => errors.push(`reminder page: ${error.message}`));
    await own.goto(`${sidecar.url}/ui/reminder/${encodeURIComponent(taskId)}`);
    const ownCards = own.locator('prealert-reminder li.card');
    await ownCards.nth(1).waitFor();
    expect(await ownCards.locator('.rule').allTextContents()).toEqual(['药品限就医方式', '药品区分性别使用']);
    await ownCards.nth(1).focus();
    await own.keyboard.press('c');
    await own.keyboard.press('1');
    await own.keyboard.press('Enter');
    await own.waitForFunction(
      () =>
        document.querySelector('prealert-reminder')?.shadowRoot?.querySelectorAll('li.card .state')[1]?.textContent ===
        '已记录',
    );
    const recorded = (await (await fetch(`${sidecar.url}/v1/tasks/${taskId}`)).json()) as {
      results: { jr_id: string; rule_name: string }[];
      dispositions: Record<string, { dspo_way: string; dspo_way_rea: string }>;
    };
    const sex = recorded.results.find((r) => r.rule_name === '药品区分性别使用')!.jr_id;
    expect(recorded.dispositions[sex]).toMatchObject({ dspo_way: '1', dspo_way_rea: '临床必需' });
    expect(errors).toEqual([]);
    await own.close();
    await page.close();
  }, 60_000);
});

describe('the demo doctor station on Chromium 80–84', () => {
  // HIS vendors copy the station's code (his-request.js is the reference 3101 builder), so it must run where the
  // widget runs. Besides the two methods above, every built-in newer than Chrome 80 that a page might reach for is
  // taken away; crypto.randomUUID (92) goes too, so the station's own fallback for the task id is what runs.
  const olderThan81 = () => {
    const drop = (owner: object | undefined, name: string) => {
      if (owner) delete (owner as Record<string, unknown>)[name];
    };
    for (const proto of [Element.prototype, Document.prototype, DocumentFragment.prototype])
      drop(proto, 'replaceChildren'); // 86
    drop(String.prototype, 'replaceAll'); // 85
    drop(Promise, 'any'); // 85
    drop(window, 'AggregateError'); // 85
    drop(window, 'WeakRef'); // 84
    for (const proto of [Array.prototype, String.prototype, Object.getPrototypeOf(Int8Array.prototype) as object])
      drop(proto, 'at'); // 92
    drop(Array.prototype, 'findLast'); // 97
    drop(Array.prototype, 'findLastIndex'); // 97
    drop(Object, 'hasOwn'); // 93
    drop(window, 'structuredClone'); // 98
    drop(AbortSignal, 'timeout'); // 103
    drop(Object.getPrototypeOf(crypto) as object, 'randomUUID'); // 92
  };

  it('fills the demo prescription, shows its four warnings and records an answer; the figures page loads', async () => {
    const page = await context.newPage();
    await page.addInitScript(olderThan81);
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${demo.url}/`);
    expect(await page.evaluate(() => [typeof ''.replaceAll, typeof document.body.replaceChildren])).toEqual([
      'undefined',
      'undefined',
    ]);
    await page.waitForFunction(() => document.activeElement?.id === 'entry-item', null, { timeout: 10_000 });
    expect(await page.locator('#patient-info').textContent()).toMatch(/就诊号 MZ\d{8}-DEMO-P001$/);
    await page.locator('#demo-fill').click();
    await page.waitForFunction(() => document.querySelector('#check-status')?.textContent?.includes('4 条提醒'), null, {
      timeout: 10_000,
    });
    expect(await page.locator('#order-rows tr[data-rx-id]').count()).toBe(5);
    const cards = page.locator('prealert-reminder li.card');
    expect(await cards.locator('.rule').allTextContents()).toEqual([
      '药品限就医方式',
      '医疗服务项目重复收费',
      '药品区分性别使用',
      '药品儿童专用',
    ]);
    await page.keyboard.press('F8');
    await page.keyboard.press('m');
    await page.waitForFunction(() =>
      document.querySelector('prealert-reminder')?.shadowRoot?.querySelector('li.card .state.recorded'),
    );
    expect(await page.locator('#order-rows tr[data-rx-id] .warn-cell').first().textContent()).not.toBe('');

    const figures = await context.newPage();
    await figures.addInitScript(olderThan81);
    figures.on('pageerror', (error) => errors.push(`figures: ${error.message}`));
    await figures.goto(`${demo.url}/figures.html`);
    await figures.waitForFunction(() => document.querySelectorAll('#stats-rows tr').length > 0, null, {
      timeout: 10_000,
    });
    await figures.locator('#dims span', { hasText: '按规则' }).click();
    await figures.waitForFunction(() => (document.querySelector('#subject') as HTMLSelectElement).options.length > 1);
    // The chosen dimension is marked without :has() (Chrome 105).
    const look = await figures.evaluate(() =>
      [...document.querySelectorAll('#dims span')].map((span) => getComputedStyle(span).backgroundColor),
    );
    expect(look).toEqual(['rgba(0, 0, 0, 0)', 'rgb(21, 101, 192)', 'rgba(0, 0, 0, 0)', 'rgba(0, 0, 0, 0)']);
    expect(errors).toEqual([]);
    await figures.close();
    await page.close();
  }, 60_000);
});

describe("inside an old HIS page's layout", () => {
  it("does not inherit the page's cell alignment, wrapping, indent or letter spacing", async () => {
    const page = await context.newPage();
    await page.goto(`${demo.url}/embed.html`);
    await page.waitForFunction(() => document.body.dataset.taskId !== undefined, null, { timeout: 10_000 });
    // Many HIS pages lay out with tables: the panel ends up in a centred, non-wrapping, indented cell.
    const styles = await page.evaluate(() => {
      const el = document.querySelector('prealert-reminder')!;
      const table = document.createElement('table');
      table.innerHTML =
        '<tr><td align="center" style="white-space:nowrap;text-indent:2em;letter-spacing:3px;font-style:italic;line-height:40px"></td></tr>';
      document.body.append(table);
      table.querySelector('td')!.append(el);
      const content = el.shadowRoot!.querySelector('li.card .content')!;
      const style = getComputedStyle(content);
      return {
        textAlign: style.textAlign,
        whiteSpace: style.whiteSpace,
        textIndent: style.textIndent,
        letterSpacing: style.letterSpacing,
        fontStyle: style.fontStyle,
        lineHeight: style.lineHeight,
      };
    });
    expect(styles).toEqual({
      textAlign: 'start',
      whiteSpace: 'normal',
      textIndent: '0px',
      letterSpacing: 'normal',
      fontStyle: 'normal',
      lineHeight: '21px', // the panel's own 14px/1.5
    });
    await page.close();
  }, 60_000);
});
