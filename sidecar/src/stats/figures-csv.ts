import type { Figures, StatsReport } from './compliance-figures';
import { FIGURE_HEADERS, keyHeaders, periodCells, rangeCells, totalsLabel } from './figure-names';
import { isPeriod } from './periods';

/**
 * The report as CSV for 医保办 staff, who open it in Excel: Chinese headers, a UTF-8 byte-order mark (without it
 * Excel on Chinese Windows reads the file as GBK) and a 合计 row last, labelled with the filter when there is one;
 * `totals` replaces that label (`fleet stats` marks a total that misses workstations there, in the sheet's layout).
 */
export function figuresCsv(report: StatsReport, totals: string = totalsLabel(report.filter)): string {
  const lines = [[...keyHeaders(report.by), ...FIGURE_HEADERS].map(cell).join(',')];
  for (const row of report.rows) {
    // A day is left for Excel to read as the date it is; codes and names are kept as written.
    const naming =
      report.by === 'day'
        ? [cell(row.key)]
        : isPeriod(report.by)
          ? // 2026-11 would become a date Nov-26; its days are left as dates.
            [textCell(row.key), ...periodCells(row).map(cell)]
          : [textCell(row.key), textCell(row.label)];
    lines.push([...naming, ...figureCells(row).map(cell)].join(','));
  }
  const range = isPeriod(report.by) ? rangeCells(report.from, report.to) : [`${report.from}~${report.to}`];
  // By day the 日期 column alone names a row, so the range joins the label in the 合计 cell: a column of its own
  // would move every figure off its header. Days without reminders have no row, so without it a by-day sheet did
  // not say which days its total covers.
  const naming = report.by === 'day' ? [`${totals} ${range[0]}`] : [totals, ...range];
  lines.push([...naming, ...figureCells(report.totals)].map(cell).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

function figureCells(f: Figures): (string | number)[] {
  return [
    f.reminders,
    f.reminder_amount.toFixed(2),
    f.complied,
    f.complied_amount.toFixed(2),
    f.continued,
    f.pending,
    // Excel reads "33.33%" as the number 0.3333 shown as a percentage; a bare 0.3333 stays a fraction to reformat.
    // Empty without reminders: there was nothing to comply with.
    f.compliance_rate === null ? '' : `${(f.compliance_rate * 100).toFixed(2)}%`,
  ];
}

/*
 * What Excel turns into a number, date or time when it opens a CSV: digits with date, time, decimal or exponent
 * marks (03-01 and 3/1 become 3月1日, 2E10 becomes 2.00E+10, 10:30 a time, 1,234 a number), month names with a day
 * (Mar-1, 1-Mar), and digits alone (0301 loses its zero, a 12-digit 工号 becomes 1.23457E+11).
 */
const NUMBER_LIKE = /^[+\-(]?[$¥￥]?[\d\s.,:/\-%eE年月日时分秒()]*\d[\d\s.,:/\-%eE年月日时分秒()]*(\s*[ap]m?)?$/i;
const MONTH = '(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*';
const MONTH_DAY = new RegExp(
  `^(${MONTH}[\\s\\-/.]*\\d+([\\s\\-/.,]+\\d+)?|\\d+[\\s\\-/.]*${MONTH}([\\s\\-/.,]+\\d+)?)$`,
  'i',
);
/** Digits Excel shows as written: no leading zero, too short for scientific notation. */
const PLAIN_NUMBER = /^[1-9]\d{0,10}$/;

/**
 * A department or doctor code, or a name. Excel converting it names departments and doctors that do not exist in
 * the 医保办's sheet, so anything it would convert is written as the text formula ="03-01", which Excel shows as
 * 03-01; anything else as a plain cell.
 */
function textCell(value: string): string {
  if (!PLAIN_NUMBER.test(value) && (NUMBER_LIKE.test(value) || MONTH_DAY.test(value))) {
    return `"=""${value}"""`;
  }
  return cell(value);
}

function cell(value: string | number): string {
  const s = String(value);
  // Leading = + - @ make Excel evaluate a formula (CSV injection through a doctor or department name).
  const safe = /^[=+\-@\t\r]/.test(s) && typeof value === 'string' ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
