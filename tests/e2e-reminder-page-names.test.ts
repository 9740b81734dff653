/**
 * The sidecar's own reminder page (GET /ui/reminder/<task_id>) names each line by the item the request gave it, the
 * rx_id small beside it: a national result names its lines only by rx_id, and on a 重复收费 card the doctor had to
 * work out which id was which item. Real built sidecar on loopback, real national codes, real headless Chromium; an
 * answer recorded before names were kept (a database of the schema before, migrated by the sidecar) shows rx_ids.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AnalysisInput } from '@prealert/core';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSidecar, startSidecar } from '../examples/web-his/sidecar-process.mjs';
import { MIGRATIONS, openDatabase } from '../sidecar/src/store/database';
import { launchChromium } from './support/chromium';
import { demoRequest } from './support/demo-request';

const repoRoot = path.resolve(import.meta.dirname, '..');
const sidecarCli = path.join(repoRoot, 'sidecar', 'dist', 'cli.js');
const CALL_SERVICE = '/fsi/api/rsfComIfsService/callService';

let dataDir = '';
let sidecar: RunningSidecar;
let context: BrowserContext;
let profileDir = '';

const start = () => startSidecar({ cli: sidecarCli, port: '0', dataDir, corsOrigins: [] });

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-names-'));
  sidecar = await start();
  ({ context, profileDir } = await launchChromium());
}, 120_000);

afterAll(async () => {
  await context?.close();
  await sidecar?.stop();
  for (const dir of [profileDir, dataDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * 李秀梅 (门诊): the OGTT and the glucose test it includes (重复收费), an inpatient-only infusion (限住院), and a stool
 * test nothing flags. The glucose line's hospital name differs from its national one.
 */
function request(taskId: string): AnalysisInput {
  const input = demoRequest('NAMES-P1', taskId, [
    { rxId: 'RX-OGTT', code: '003102050010100' },
    { rxId: 'RX-GLUCOSE', code: '002503020010000' },
    { rxId: 'RX-AMINO', code: 'XB05BAF150B002010100269' },
    { rxId: 'RX-STOOL', code: '002501030010000' },
  ]);
  const glucose = input.data.patient_dtos[0]!.fsi_encounter_dtos[0]!.fsi_order_dtos.find(
    (o) => o.rx_id === 'RX-GLUCOSE',
  )!;
  glucose.hosplist_name = '血糖（急）';
  return input;
}

async function analyse(taskId: string): Promise<void> {
  const response = await fetch(`${sidecar.url}${CALL_SERVICE}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ infno: '3101', msgid: `M-${taskId}`, input: request(taskId) }),
  });
  const body = (await response.json()) as { infcode: number; output: { result: { rule_name: string }[] } };
  expect(body.infcode).toBe(0);
  expect(body.output.result.map((r) => r.rule_name).sort()).toEqual(['医疗服务项目重复收费', '药品限就医方式']);
}

async function taskView(taskId: string): Promise<{ line_names: Record<string, string> }> {
  const response = await fetch(`${sidecar.url}/v1/tasks/${encodeURIComponent(taskId)}`);
  expect(response.status).toBe(200);
  return (await response.json()) as { line_names: Record<string, string> };
}

/** Each card's rule and its 医嘱 line as shown, with the rx_ids shown small beside the names. */
async function openPage(
  taskId: string,
): Promise<{ page: Page; cards: { rule: string; lines: string; ids: string[] }[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${sidecar.url}/ui/reminder/${encodeURIComponent(taskId)}`);
  await page.locator('prealert-reminder li.card').nth(1).waitFor();
  const cards = await page.evaluate(() =>
    [...(document.querySelector('prealert-reminder')?.shadowRoot?.querySelectorAll('li.card') ?? [])].map((card) => ({
      rule: card.querySelector('.rule')?.textContent ?? '',
      lines: card.querySelector('.lines')?.textContent ?? '',
      ids: [...card.querySelectorAll('.lines .line-rx-id')].map((id) => id.textContent ?? ''),
    })),
  );
  expect(errors).toEqual([]);
  return { page, cards };
}

describe('the reminder page names the lines', () => {
  it('records the item name of each flagged or involved line and shows it, the rx_id small beside it', async () => {
    await analyse('NAMES-T1');
    // Only the lines the results flag or involve, by their national name (what the cards' 【…】 say); nothing else.
    expect((await taskView('NAMES-T1')).line_names).toEqual({
      'RX-OGTT': '葡萄糖耐量试验(口服)',
      'RX-GLUCOSE': '葡萄糖测定',
      'RX-AMINO': '复方氨基酸注射液(18AA)',
    });

    const { page, cards } = await openPage('NAMES-T1');
    expect(cards).toEqual([
      { rule: '药品限就医方式', lines: '医嘱复方氨基酸注射液(18AA) RX-AMINO（违规项）', ids: ['RX-AMINO'] },
      {
        rule: '医疗服务项目重复收费',
        lines: '医嘱葡萄糖测定 RX-GLUCOSE（违规项）、葡萄糖耐量试验(口服) RX-OGTT（涉及项）',
        ids: ['RX-GLUCOSE', 'RX-OGTT'],
      },
    ]);
    // Small beside the name: a smaller type than the name it follows.
    const sizes = await page.evaluate(() => {
      const lines = document.querySelector('prealert-reminder')!.shadowRoot!.querySelectorAll('li.card .lines')[1]!;
      const size = (selector: string) => Number.parseFloat(getComputedStyle(lines.querySelector(selector)!).fontSize);
      return { name: size('.line-violation'), id: size('.line-rx-id') };
    });
    expect(sizes.id).toBeLessThan(sizes.name);
    fs.mkdirSync(path.join(repoRoot, 'artifacts'), { recursive: true });
    await page.screenshot({ path: path.join(repoRoot, 'artifacts', 'reminder-page-line-names.png') });
    await page.close();
  }, 60_000);

  it('shows rx_ids for an answer recorded before names were kept', async () => {
    await analyse('NAMES-OLD');
    // The database as the version before names were kept left it: no line_names column, nor any column a later
    // migration adds (each session's new column broke this test until it was dropped here by hand), and the schema of
    // the migration before. The sidecar migrates it at its next start.
    await sidecar.stop();
    const db = openDatabase(dataDir);
    const before = MIGRATIONS.findIndex((m) => m.includes('ADD COLUMN line_names'));
    for (const migration of MIGRATIONS.slice(before))
      for (const [, table, column] of migration.matchAll(/ALTER TABLE (\w+) ADD COLUMN (\w+)/g))
        db.exec(`ALTER TABLE ${table} DROP COLUMN ${column}`);
    db.pragma(`user_version = ${before}`);
    db.close();
    sidecar = await start();

    expect((await taskView('NAMES-OLD')).line_names).toEqual({});
    const { page, cards } = await openPage('NAMES-OLD');
    expect(cards).toEqual([
      { rule: '药品限就医方式', lines: '医嘱RX-AMINO（违规项）', ids: [] },
      { rule: '医疗服务项目重复收费', lines: '医嘱RX-GLUCOSE（违规项）、RX-OGTT（涉及项）', ids: [] },
    ]);
    await page.close();

    // Answers after the migration are named again.
    await analyse('NAMES-NEW');
    expect(Object.keys((await taskView('NAMES-NEW')).line_names).sort()).toEqual(['RX-AMINO', 'RX-GLUCOSE', 'RX-OGTT']);
  }, 90_000);
});
