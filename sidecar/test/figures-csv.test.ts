import { describe, expect, it } from 'vitest';
import type { Figures, StatsReport } from '../src/stats/compliance-figures';
import { figuresCsv } from '../src/stats/figures-csv';

const figures: Figures = {
  reminders: 2,
  reminder_amount: 25,
  complied: 1,
  complied_amount: 12.5,
  continued: 1,
  pending: 0,
  compliance_rate: 0.5,
};

function report(by: StatsReport['by'], keys: string[]): StatsReport {
  return {
    by,
    from: '2026-11-01',
    to: '2026-11-30',
    filter: {},
    rows: keys.map((key) => ({ key, label: `名${key}`, ...figures })),
    totals: figures,
  } as StatsReport;
}

function lines(csv: string): string[] {
  return csv
    .replace(/^\uFEFF/, '')
    .trim()
    .split('\r\n');
}

/** The first cell of each row between the header and 合计. */
function keyCells(csv: string): string[] {
  return lines(csv)
    .slice(1, -1)
    .map((line) => (line.includes(',名') ? line.slice(0, line.indexOf(',名')) : line.slice(0, line.indexOf(','))));
}

const asText = (code: string) => `"=""${code}"""`;

describe('figures CSV for Excel', () => {
  it('writes department and doctor codes Excel would turn into numbers as text formulas', () => {
    for (const by of ['dept', 'doctor'] as const) {
      expect(keyCells(figuresCsv(report(by, ['0301', '000123', '123456789012', '301', 'D01', '=cmd'])))).toEqual([
        asText('0301'),
        asText('000123'),
        asText('123456789012'),
        '301',
        'D01',
        "'=cmd",
      ]);
    }
  });

  it('writes codes Excel would read as a date, a time or in scientific notation as text formulas', () => {
    const converted = ['03-01', '3/1', '3-1', '2026-03-01', '3月1日', '10:30', '2E10', '1e5', '1.50'];
    const months = ['Mar-1', '1-mar'];
    for (const by of ['dept', 'doctor'] as const) {
      expect(keyCells(figuresCsv(report(by, [...converted, ...months])))).toEqual(
        [...converted, ...months].map(asText),
      );
      expect(lines(figuresCsv(report(by, ['1,234'])))[1]).toMatch(/^"=""1,234""","名1,234",2,/);
      // A name Excel would convert is kept as written too.
      const named = figuresCsv({ ...report(by, []), rows: [{ key: 'D01', label: '3-1', ...figures }] });
      expect(lines(named)[1]).toMatch(/^D01,"=""3-1""",2,/);
    }
    expect(keyCells(figuresCsv(report('dept', ['B07', 'GZ2E10', 'ICU-1', 'March'])))).toEqual([
      'B07',
      'GZ2E10',
      'ICU-1',
      'March',
    ]);
  });

  it('writes 遵从率 as a percentage, and no rate where there were no reminders', () => {
    const none: Figures = {
      reminders: 0,
      reminder_amount: 0,
      complied: 0,
      complied_amount: 0,
      continued: 0,
      pending: 0,
      compliance_rate: null,
    };
    const third: Figures = { ...figures, reminders: 3, complied: 1, compliance_rate: 0.3333 };
    const csv = figuresCsv({ ...report('dept', []), rows: [{ key: 'D1', label: '甲', ...third }], totals: none });
    expect(lines(csv)[1]).toMatch(/,33\.33%$/);
    expect(lines(csv)[2]).toBe('合计,2026-11-01~2026-11-30,0,0.00,0,0.00,0,0,');
  });

  it('heads each figure with its one name, and a day once', () => {
    const head = (by: StatsReport['by']) => lines(figuresCsv(report(by, [])))[0];
    const figureNames = '提醒人次,提醒金额,遵从人次,遵从金额,继续执行人次,未反馈人次,遵从率';
    expect(head('day')).toBe(`日期,${figureNames}`);
    expect(head('doctor')).toBe(`医生编码,医生姓名,${figureNames}`);
    expect(head('dept')).toBe(`科室编码,科室名称,${figureNames}`);
    expect(head('rule')).toBe(`规则编码,规则名称,${figureNames}`);
  });

  it('labels the 合计 of a filtered sheet with whose figures they are', () => {
    const csv = figuresCsv({ ...report('day', ['2026-11-20']), filter: { dept: '0301', doctor: 'D0101' } });
    expect(lines(csv)[1]).toBe('2026-11-20,2,25.00,1,12.50,1,0,50.00%');
    expect(lines(csv).at(-1)).toBe('合计（科室 0301，医生 D0101） 2026-11-01~2026-11-30,2,25.00,1,12.50,1,0,50.00%');
  });

  it('names the range on the 合计 row by day too, as by rule: the rows alone miss the days without reminders', () => {
    const byDay = lines(figuresCsv(report('day', ['2026-11-20'])));
    expect(byDay.at(-1)).toBe('合计 2026-11-01~2026-11-30,2,25.00,1,12.50,1,0,50.00%');
    // Still one cell under 日期: every figure stays under its header.
    expect(byDay.at(-1)!.split(',')).toHaveLength(byDay[0]!.split(',').length);
    expect(lines(figuresCsv(report('rule', ['R1']))).at(-1)).toBe(
      '合计,2026-11-01~2026-11-30,2,25.00,1,12.50,1,0,50.00%',
    );
  });

  it('leaves rule codes and days as they are', () => {
    expect(keyCells(figuresCsv(report('rule', ['GZ10000301004000'])))).toEqual(['GZ10000301004000']);
    expect(keyCells(figuresCsv(report('day', ['2026-11-20'])))).toEqual(['2026-11-20']);
  });
});
