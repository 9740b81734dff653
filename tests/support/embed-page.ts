import type { Page } from 'playwright-core';
import type { CatalogueItem, DemoPatient } from '../../examples/web-his/public/demo-data.js';
import { buildAnalysisInput } from '../../examples/web-his/public/his-request.js';
import { womanWithCold } from './demo-catalogue';
import { analyse, type Shown } from './host-analysis';

/**
 * The demo's embed page (examples/web-his embed.html) with its two warnings (药品限就医方式, 药品区分性别使用)
 * shown; returns its task_id.
 */
export async function openEmbed(page: Page, demoUrl: string): Promise<string> {
  await page.goto(`${demoUrl}/embed.html`);
  await page.waitForFunction(() => document.body.dataset.taskId !== undefined);
  await page.locator('prealert-reminder li.card').nth(1).waitFor();
  return page.evaluate(() => document.body.dataset.taskId!);
}

/**
 * The embed page showing the sidecar's answer for `items` (one box each, rx_ids `<taskId>-RX1`…) prescribed to a
 * woman with a cold of the test's own (`patientId`), as a HIS page asks for it (host-analysis).
 */
export async function showOrdersOnEmbed(
  page: Page,
  demoUrl: string,
  patientId: string,
  taskId: string,
  items: readonly CatalogueItem[],
): Promise<Shown> {
  await page.goto(`${demoUrl}/embed.html`);
  await page.waitForFunction(() => document.body.dataset.taskId !== undefined);
  return analyse(page, outpatientOrders(womanWithCold(patientId), taskId, items));
}

/**
 * The 3101 input of an outpatient visit of `patient` with `items` ordered (one box each, rx_ids `<taskId>-RX1`…),
 * the visit opened at `opened` (which dates its mdtrt_id; an earlier one is another visit), or now.
 */
export function outpatientOrders(
  patient: DemoPatient,
  taskId: string,
  items: readonly CatalogueItem[],
  opened?: Date,
): ReturnType<typeof buildAnalysisInput> {
  return buildAnalysisInput({
    patient,
    visit: 'outpatient',
    orders: items.map((item, i) => ({ rxId: `${taskId}-RX${i + 1}`, item, cnt: 1 })),
    taskId,
    now: new Date(),
    ...(opened === undefined ? {} : { visitOpened: opened }),
  });
}
