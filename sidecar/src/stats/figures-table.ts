import Table from 'cli-table3';
import { tableStyle } from '../commands/terminal-colour';
import type { Figures, StatsReport, StatsRow } from './compliance-figures';
import { FIGURE_HEADERS, keyHeaders, periodCells, rangeCells, totalsLabel } from './figure-names';
import { isPeriod } from './periods';

/**
 * The report as `prealert stats` prints it: the range, then a table with a totals row. `totals` replaces the totals
 * row's label (`fleet stats` marks a total that misses workstations).
 */
export function figuresTable(report: StatsReport, totals: string = totalsLabel(report.filter)): string {
  const table = new Table({
    head: [...keyHeaders(report.by), ...FIGURE_HEADERS],
    // cli-table3 colours the borders and headers by default: escape codes in a file, a mailed table or a scheduled
    // task's log, and ←[90m in a cmd.exe without VT. Only a terminal gets them, and not with NO_COLOR set.
    ...tableStyle(),
  });
  const cells = (f: Figures) => [
    f.reminders,
    f.reminder_amount.toFixed(2),
    f.complied,
    f.complied_amount.toFixed(2),
    f.continued,
    f.pending,
    f.compliance_rate === null ? '—' : `${(f.compliance_rate * 100).toFixed(1)}%`,
  ];
  const period = isPeriod(report.by);
  const naming = (row: StatsRow) =>
    report.by === 'day' ? [row.key] : period ? [row.key, ...periodCells(row)] : [row.key, row.label];
  for (const row of report.rows) table.push([...naming(row), ...cells(row)]);
  const range = report.by === 'day' ? [] : period ? rangeCells(report.from, report.to) : [''];
  table.push([totals, ...range, ...cells(report.totals)]);
  return `${report.from} ~ ${report.to}\n${table.toString()}`;
}
