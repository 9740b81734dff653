import type { Figures, StatsReport } from './compliance-figures';

const KEY_HEADER = { day: '日期', rule: '规则编码', dept: '科室编码', doctor: '医师编码' } as const;
const LABEL_HEADER = { day: '日期', rule: '规则名称', dept: '科室名称', doctor: '医师姓名' } as const;

/**
 * The report as CSV for 医保办 staff, who open it in Excel: Chinese headers, a UTF-8 byte-order mark (without it
 * Excel on Chinese Windows reads the file as GBK) and a 合计 row last.
 */
export function figuresCsv(report: StatsReport): string {
  const header = [
    KEY_HEADER[report.by],
    LABEL_HEADER[report.by],
    '提醒人次',
    '提醒金额',
    '遵从人次',
    '遵从金额',
    '继续执行人次',
    '未反馈人次',
    '遵从率',
  ];
  const lines = [header.map(cell).join(',')];
  const keyCell = report.by === 'dept' || report.by === 'doctor' ? codeCell : cell;
  for (const row of report.rows) {
    lines.push([keyCell(row.key), ...[row.label, ...figureCells(row)].map(cell)].join(','));
  }
  lines.push(['合计', `${report.from}~${report.to}`, ...figureCells(report.totals)].map(cell).join(','));
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
    f.compliance_rate.toFixed(4),
  ];
}

/**
 * A department or doctor code. Excel reads a cell of digits as a number: 科室 0301 became 301 and a 12-digit 工号
 * 1.23457E+11, so the 医保办's sheet named departments and doctors that do not exist. Such a code is written as the
 * text formula ="0301", which Excel shows as 0301; any other code as a plain cell.
 */
function codeCell(code: string): string {
  if (/^\d+$/.test(code) && (code.startsWith('0') || code.length > 11)) return `"=""${code}"""`;
  return cell(code);
}

function cell(value: string | number): string {
  const s = String(value);
  // Leading = + - @ make Excel evaluate a formula (CSV injection through a doctor or department name).
  const safe = /^[=+\-@\t\r]/.test(s) && typeof value === 'string' ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
