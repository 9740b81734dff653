/**
 * Local CSV rows that can never apply as meant, or contradict themselves, imported silently: effective_from after
 * effective_to (no day applies), a count or a period of 0 (`0/日` flags every prescription, `1/0天` and `0小时` hold
 * no line), an inverted age range (`[60,16]`: no patient is in it). Each is now refused at its row and column,
 * quoting the value, and nothing of the file is imported. A date ISO 8601 reads but the evaluator does not
 * (0001-01-01) says the supported range instead of "not a real date". Real national codes and rules, through
 * libraryFromFiles as `bundle build` calls it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
  SEX,
} from './support/local-rows';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-local-csv-void-rows-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const HEADER = 'rule_name,gz_code,item_type,item_name,limit_type,limit_value,basis,code,effective_from,effective_to';
const { build, refusal } = localCsvBuilder(tmp, HEADER);

function imports(rows: string[]): number {
  const { result } = build(rows);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.value.knowledgePoints.length;
}

describe('effective_from after effective_to', () => {
  it('is refused at effective_to, naming both dates; the good row beside it is not imported either', () => {
    const { file, issues } = refusal([`${SEX},2026-01-01,2026-12-31`, `${SEX},2026-06-30,2026-01-01`]);
    expect(issues).toEqual([
      {
        file,
        row: 3,
        field: 'effective_to',
        message: '日期 "2026-01-01" 早于 effective_from "2026-06-30"：该行没有一天适用',
      },
    ]);
  });

  it('one day (from = to) and open ends import', () => {
    expect(imports([`${SEX},2026-06-30,2026-06-30`])).toBe(1);
    expect(imports([`${SEX},2026-06-30,`])).toBe(1);
    expect(imports([`${SEX},,2026-06-30`])).toBe(1);
  });
});

describe('a count or period of 0, an inverted age range', () => {
  it.each([
    ['a quantity of 0 a day', `${QTY_PER_DAY},0/日,,${CODES.qtyPerDay},,`, '数量为 0：限量应大于 0'],
    ['a quantity of 0 an hour', `${QTY_PER_DAY},0/小时,,${CODES.qtyPerDay},,`, '数量为 0'],
    ['a quantity of 0.0 a day', `${QTY_PER_DAY},0.0/日,,${CODES.qtyPerDay},,`, '数量为 0'],
    ['a quantity of 0 in 7 days', `${QTY_PER_N_DAYS},0/7天,,${CODES.qtyPerNDays},,`, '数量为 0'],
    ['a period of 0 days', `${QTY_PER_N_DAYS},1/0天,,${CODES.qtyPerNDays},,`, '天数为 0：应至少 1 天'],
    ['0 pay days', `${PAY_DAYS},0天,,${CODES.payDays},,`, '天数为 0'],
    [
      'an interval of 0 days in a pay-days text',
      `${PAY_DAYS_TEXT},总时间不超过90天，评定间隔时间不短于0天。,,${CODES.payDaysText},,`,
      '天数为 0',
    ],
    [
      'an inverted age range',
      `${AGE_RANGE},"[60,16]",,${CODES.ageRange},,`,
      '年龄下限 60 高于上限 16：范围内没有任何年龄',
    ],
    ['an inverted child range', `${CHILD},儿童（14-1岁）,,${CODES.child},,`, '年龄下限 14岁 高于上限 1岁'],
    [
      'a child range whose bounds cross',
      `${CHILD},儿童（14岁以上、3岁以下）,,${CODES.child},,`,
      '年龄下限 14岁 高于上限 3岁（不含）',
    ],
    [
      'a child range whose bounds meet but exclude each other',
      `${CHILD},儿童（6岁以上、6岁以下）,,${CODES.child},,`,
      '年龄下限 6岁 与上限 6岁（不含） 之间没有任何年龄',
    ],
    [
      'a child range under 0 years',
      `${CHILD},儿童（未满0岁）,,${CODES.child},,`,
      '年龄上限 0岁（不含） 以下没有任何年龄',
    ],
  ])('%s', (_name, row, message) => {
    const { file, issues } = refusal([row]);
    expect(issues).toEqual([{ file, row: 2, field: 'limit_value', message: expect.stringContaining(message) }]);
    expect(issues[0]!.message).toMatch(/^limit_value "[^"]+": /);
  });

  it('a time window of 0 hours (a pair: both rows)', () => {
    const { file, issues } = refusal(CODES.pair.map((code) => `${PAIR},0小时,,${code},,`));
    expect(issues).toContainEqual({
      file,
      row: 2,
      field: 'limit_value',
      message: 'limit_value "0小时": 小时数为 0：时间窗应至少 1 小时',
    });
  });

  it('0 pay days or an inverted age range read from the basis names the basis', () => {
    const payDays = refusal([`${PAY_DAYS},14天,支付不超过0天。,${CODES.payDays},,`]);
    expect(payDays.issues).toEqual([
      { file: payDays.file, row: 2, field: 'basis', message: 'basis "支付不超过0天。": 天数为 0：应至少 1 天' },
    ]);
    const ages = refusal([`${AGE_RANGE},,限60-16岁,${CODES.ageRange},,`]);
    expect(ages.issues).toEqual([
      { file: ages.file, row: 2, field: 'basis', message: expect.stringContaining('年龄下限 60 高于上限 16') },
    ]);
  });

  it('a minimum age of 0, a single age, the visit window (hours 0 by design) and small quantities import', () => {
    expect(
      imports([
        `${AGE_RANGE},"[0,14]",,${CODES.ageRange},,`,
        `${CHILD},儿童（6-6岁）,,${CODES.child},,`,
        `${QTY_PER_DAY},0.5/日,,${CODES.qtyPerDay},,`,
        `${QTY_PER_N_DAYS},1/1天,,${CODES.qtyPerNDays},,`,
        ...CODES.pair.map((code) => `${PAIR},单次就诊,,${code},,`),
      ]),
    ).toBe(5);
  });
});

describe('a date ISO 8601 reads but the evaluator cannot place', () => {
  it.each([
    ['0001-01-01', 'effective_from', `${SEX},0001-01-01,`],
    ['1799-12-31', 'effective_to', `${SEX},,1799-12-31`],
    ['0000-01-01', 'effective_from', `${SEX},0000-01-01,`],
  ])('%s names the supported range, not "not a real date"', (date, field, row) => {
    const { file, issues } = refusal([row]);
    expect(issues).toEqual([
      { file, row: 2, field, message: `日期 "${date}" 超出支持的范围（1800-01-01 至 9999-12-31）` },
    ]);
  });

  it('the range it names is the one read: 1800-01-01 and 9999-12-31 import', () => {
    expect(imports([`${SEX},1800-01-01,9999-12-31`])).toBe(1);
  });

  it.each(['2026-02-30', '2026-13-01', '0000-00-00', '2026/01/01'])('%s is still no real date', (date) => {
    const { file, issues } = refusal([`${SEX},${date},`]);
    expect(issues).toEqual([
      { file, row: 2, field: 'effective_from', message: `日期 "${date}" 应为 yyyy-MM-dd 的真实日期` },
    ]);
  });
});
