import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { maskIdNumbers } from '../src/id-numbers';
import { maskPhoneNumbers } from '../src/phone-numbers';
import { ID_NUMBER } from './fixtures/his-requests';

const NHSA_DIR = path.join(__dirname, '..', '..', '..', 'shared', 'data', 'nhsa');

describe('maskPhoneNumbers', () => {
  it.each([
    ['已电话联系家属13812345678确认', '已电话联系家属[redacted]确认'],
    ['患者电话 138-1234-5678', '患者电话 [redacted]'],
    ['家属 139 8765 4321 同意', '家属 [redacted] 同意'],
    ['手机+86 138 1234 5678', '手机[redacted]'],
    ['手机8613812345678', '手机[redacted]'],
    ['电话：１３８１２３４５６７８', '电话：[redacted]'],
    ['科室电话0571-87654321已核实', '科室电话[redacted]已核实'],
    ['座机(010)12345678', '座机[redacted]'],
    ['座机（020）87654321转', '座机[redacted]转'],
    ['总机0571-87654321-802', '总机[redacted]'],
    ['家属13812345678、0571-87654321均同意', '家属[redacted]、[redacted]均同意'],
  ])('masks %s', (text, masked) => {
    expect(maskPhoneNumbers(text)).toBe(masked);
  });

  it.each([
    '每次0.5g，每日3次，共7天',
    '2026-11-29 复查，13:30 已会诊',
    '医保目录编码XJ07BGR030B014010101119',
    '前序医嘱编号9913812345678001',
    '12位数字138123456789',
    '编号138-1234-5678-9',
    '日期20261129',
    '本地号87654321',
    'CODE13812345678',
    '血压 135/85 mmHg，血糖 13.8 mmol/L',
  ])('keeps %s', (text) => {
    expect(maskPhoneNumbers(text)).toBe(text);
  });

  it('leaves an ID number masked before it as masked, and a phone number beside it still masked', () => {
    expect(maskPhoneNumbers(maskIdNumbers(`${ID_NUMBER} 13812345678`))).toBe('[redacted] [redacted]');
    // No 11 digits of an ID number taken for a phone number when it is searched first (the ID is not masked here).
    expect(maskPhoneNumbers(ID_NUMBER)).toBe(ID_NUMBER);
  });

  it('keeps every text of the national knowledge points (codes, doses, ages, dates) as it is', () => {
    const changed: string[] = [];
    let texts = 0;
    for (const file of fs.readdirSync(NHSA_DIR).filter((name) => name.endsWith('.json'))) {
      JSON.parse(fs.readFileSync(path.join(NHSA_DIR, file), 'utf8'), (_key, value: unknown) => {
        if (typeof value === 'string') {
          texts++;
          if (maskPhoneNumbers(value) !== value) changed.push(value);
        }
        return value;
      });
    }
    expect(texts).toBeGreaterThan(50_000);
    expect(changed).toEqual([]);
  });
});
