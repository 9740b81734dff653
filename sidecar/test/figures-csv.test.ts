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

function keyCells(csv: string): string[] {
  return csv
    .replace(/^\uFEFF/, '')
    .trim()
    .split('\r\n')
    .slice(1, -1)
    .map((line) => line.slice(0, line.indexOf(',名')));
}

describe('figures CSV for Excel', () => {
  it('writes department and doctor codes Excel would turn into numbers as text formulas', () => {
    for (const by of ['dept', 'doctor'] as const) {
      expect(keyCells(figuresCsv(report(by, ['0301', '000123', '123456789012', '301', 'D01', '=cmd'])))).toEqual([
        '"=""0301"""',
        '"=""000123"""',
        '"=""123456789012"""',
        '301',
        'D01',
        "'=cmd",
      ]);
    }
  });

  it('leaves rule codes and days as they are', () => {
    expect(keyCells(figuresCsv(report('rule', ['GZ10000301004000'])))).toEqual(['GZ10000301004000']);
    expect(keyCells(figuresCsv(report('day', ['2026-11-20'])))).toEqual(['2026-11-20']);
  });
});
