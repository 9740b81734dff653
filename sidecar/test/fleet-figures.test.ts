/** The summing behind `fleet stats` (stats/fleet-figures.ts), on reports as /v1/stats gives them. */
import { describe, expect, it } from 'vitest';
import type { Figures, StatsReport } from '../src/stats/compliance-figures';
import { sumReports } from '../src/stats/fleet-figures';

const QUERY = { from: '2026-11-01', to: '2026-11-30', by: 'doctor' as const, filter: {} };

function figures(reminders: number, complied: number): Figures {
  return {
    reminders,
    reminder_amount: reminders * 10,
    complied,
    complied_amount: complied * 10,
    continued: 0,
    pending: reminders - complied,
    compliance_rate: reminders === 0 ? null : Math.round((complied / reminders) * 10_000) / 10_000,
  };
}

/** One host's report holding one doctor row. */
function host(name: string, label: string, reminders: number, complied: number) {
  const f = figures(reminders, complied);
  const report = { ...QUERY, totals: f, rows: [{ key: 'D001', label, ...f }] } as StatsReport;
  return { host: name, report };
}

describe('sumReports', () => {
  it('names a code as the most reminders name it, summed per name over the hosts', () => {
    // 张医生 on one host with 3; 张医师 on two hosts with 2 each: 4 reminders came with 张医师.
    const sum = sumReports(QUERY, [host('a', '张医生', 3, 1), host('b', '张医师', 2, 1), host('c', '张医师', 2, 0)]);
    expect(sum.rows).toHaveLength(1);
    expect(sum.rows[0]).toMatchObject({ key: 'D001', label: '张医师', reminders: 7, complied: 2 });
  });

  it('keeps the name of the host listed first on a tie', () => {
    const sum = sumReports(QUERY, [host('a', '张医生', 2, 1), host('b', '张医师', 2, 1)]);
    expect(sum.rows[0]!.label).toBe('张医生');
  });

  it('works 遵从率 out from the sums, never averaging the hosts', () => {
    const sum = sumReports(QUERY, [host('a', '张医生', 1, 1), host('b', '张医生', 9, 0)]);
    // 1/10, where the hosts' rates averaged would be 50 %.
    expect(sum.totals.compliance_rate).toBe(0.1);
    expect(sum.rows[0]!.compliance_rate).toBe(0.1);
  });
});
