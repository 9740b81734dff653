/**
 * `prealert bundle build` as IT runs it (the built CLI, real keys, the real national sources) on a local CSV whose
 * quantity limit has 400 digits: it read as Infinity and the build stopped in canonicalJson ("$.kp.limit.qty:
 * Infinity has no JSON form"), naming no file or row. Now the row is refused like any bad value, nothing written.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { assertBuilt, CLI } from './helpers/spawn-sidecar';
import { tempDir } from './sync-support';

const NHSA = '/work/shared/data/nhsa';
const work = tempDir('bundle-build-bad-figure');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
const key = path.join(work, 'keys', 'prealert-bundle.key');
const localCsv = path.join(work, 'local.csv');
const out = path.join(work, 'bundle');

function prealert(args: string[]) {
  assertBuilt();
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stderr: result.stderr };
}

beforeAll(() => {
  const keygen = prealert(['keygen', '--out', path.join(work, 'keys')]);
  if (keygen.code !== 0) throw new Error(keygen.stderr);
  // 门急诊留观诊查费 (batch 8, 限定频次 1/日), its quantity typed with 400 digits.
  fs.writeFileSync(
    localCsv,
    [
      'rule_name,gz_code,item_type,item_name,limit_type,limit_value,basis,code',
      `医疗服务项目限定频次,GZ10000102014000,service,门急诊留观诊查费,max_qty_per_period,${'1'.repeat(400)}/日,,001102000040000`,
    ].join('\r\n'),
  );
});

it('refuses the row by file, row and column, quoting the value shortened; writes nothing', () => {
  const sources = [
    'first_batch_knowledge_points.json',
    'batches_2_8_knowledge_points.json',
    'batches_9_17_knowledge_points.json',
  ].map((f) => path.join(NHSA, f));
  const built = prealert([
    'bundle',
    'build',
    '--source',
    ...sources,
    localCsv,
    '--version',
    'hosp-2026.11.9',
    '--key',
    key,
    '--out',
    out,
  ]);
  expect(built.code).toBe(1);
  expect(built.stderr).toContain(
    `${localCsv}:2 limit_value: limit_value "${'1'.repeat(32)}…"（共 402 字）: 数量不是有限的数字`,
  );
  expect(built.stderr).toContain('prealert: 1 problem(s) in the sources; no bundle was written');
  expect(built.stderr).not.toContain('JSON form');
  expect(built.stderr).not.toMatch(/\n\s+at /);
  expect(fs.existsSync(out)).toBe(false);
});
