/**
 * Figures in a hospital's CSV rows that no limit can hold: a 400-digit quantity read as Infinity, and finite ones
 * far past any real limit. `bundle build` threw in canonicalJson with a stack trace; the row is now refused by file,
 * row and column, quoting the value shortened. Real national codes and rules, through libraryFromFiles and
 * writeBundle as `bundle build` calls them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateSigningKeys, readPrivateKey, writeBundle } from '@prealert/rules-cache';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AGE_RANGE,
  CHILD,
  CODES,
  localCsvBuilder,
  PAIR,
  PAY_DAYS,
  PAY_DAYS_TEXT,
  QTY_PER_DAY,
  QTY_PER_N_DAYS,
} from './support/local-rows';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-local-csv-figures-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const privateKey = readPrivateKey(generateSigningKeys(path.join(tmp, 'keys')).privateKeyFile);

const HEADER = 'rule_name,gz_code,item_type,item_name,limit_type,limit_value,basis,code';
const HUGE = '1'.repeat(400);
const { build, refusal } = localCsvBuilder(tmp, HEADER);

describe('a figure no limit can hold refuses its row', () => {
  it('a 400-digit quantity (Infinity) is refused at its row and column, quoted shortened', () => {
    const { file, issues } = refusal([`${QTY_PER_DAY},${HUGE}/日,,${CODES.qtyPerDay}`]);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file, row: 2, field: 'limit_value' });
    expect(issues[0]!.message).toContain('数量不是有限的数字');
    expect(issues[0]!.message).toContain('（共 402 字）');
    expect(issues[0]!.message.length).toBeLessThan(120);
  });

  it.each([
    ['a quantity a day', `${QTY_PER_DAY},200000/日,,${CODES.qtyPerDay}`, '数量 200000 超出合理范围'],
    ['a quantity of Infinity in N days', `${QTY_PER_N_DAYS},${HUGE}/7天,,${CODES.qtyPerNDays}`, '数量不是有限'],
    ['the days of N days', `${QTY_PER_N_DAYS},1/${HUGE}天,,${CODES.qtyPerNDays}`, '天数不是有限'],
    ['pay days', `${PAY_DAYS},${HUGE}天,,${CODES.payDays}`, '天数不是有限'],
    ['pay days past a century', `${PAY_DAYS},99999天,,${CODES.payDays}`, '天数 99999 超出合理范围'],
    ['a pay-days text', `${PAY_DAYS_TEXT},总时间不超过${HUGE}天,,${CODES.payDaysText}`, '天数不是有限'],
    ['an age range', `${AGE_RANGE},"[16,${HUGE}]",,${CODES.ageRange}`, '年龄不是有限'],
    ['an age range past 150 years', `${AGE_RANGE},"[16,200]",,${CODES.ageRange}`, '年龄 200 超出合理范围'],
    ['a child age range', `${CHILD},儿童（1-${HUGE}岁）,,${CODES.child}`, '年龄不是有限'],
  ])('%s', (_name, row, message) => {
    const { file, issues } = refusal([row]);
    expect(issues).toEqual([{ file, row: 2, field: 'limit_value', message: expect.stringContaining(message) }]);
  });

  it('a time window of Infinity hours (a pair: both rows)', () => {
    const { file, issues } = refusal(CODES.pair.map((code) => `${PAIR},${HUGE}小时,,${code}`));
    expect(issues).toContainEqual({ file, row: 2, field: 'limit_value', message: expect.stringContaining('小时数') });
  });

  it('a figure read from the basis names the basis column', () => {
    const { file, issues } = refusal([`${PAY_DAYS},14天,支付不超过${HUGE}天,${CODES.payDays}`]);
    expect(issues).toEqual([{ file, row: 2, field: 'basis', message: expect.stringContaining('天数不是有限') }]);
  });

  it('the same rows with real figures build and write a bundle', () => {
    const { result } = build([
      `${QTY_PER_DAY},24/日,,${CODES.qtyPerDay}`,
      `${QTY_PER_N_DAYS},1/7天,,${CODES.qtyPerNDays}`,
      `${PAY_DAYS},14天,支付不超过14天,${CODES.payDays}`,
      `${AGE_RANGE},"[16,60]",,${CODES.ageRange}`,
      `${CHILD},儿童（1-14岁）,,${CODES.child}`,
      ...CODES.pair.map((code) => `${PAIR},6小时,,${code}`),
    ]);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const written = writeBundle({ library: result.value, privateKey, outDir: path.join(tmp, 'bundle') });
    expect(written.manifest.signed.library.knowledge_points).toBe(6);
  });
});
