import { editDistance } from './edit-distance';
import type { ImportIssue } from './published-record';

/** Columns of the local-additions CSV: one row per national code; rows of one point share every other column. */
export const CSV_COLUMNS = [
  'rule_name',
  'gz_code',
  'item_type',
  'item_name',
  'limit_type',
  'limit_value',
  'basis',
  'code',
  'effective_from',
  'effective_to',
] as const;
export const REQUIRED_COLUMNS = ['rule_name', 'item_name', 'limit_type', 'code'] as const;

/**
 * Names Excel users give a column of their own remarks, never taken for a slip of a form column. `note` is two edits
 * from `code`, one past the one edit `code` is allowed; were that allowance raised to the long names' two, a notes
 * column would be taken for a misspelt code column and refuse the file.
 */
const REMARK_COLUMNS = new Set([
  '备注',
  '说明',
  '注释',
  'note',
  'notes',
  'remark',
  'remarks',
  'comment',
  'comments',
  'memo',
]);

/** Header cells as Excel users type them: ` rule_name `, `Code`, full-width letters. */
export function columnName(cell: string): string {
  return cell.normalize('NFKC').trim().toLowerCase();
}

/**
 * The known column a header name is a slip of, or undefined: only a column the header lacks (what the slip cost). Two edits for the long names; one for `code` and
 * `basis`, whose two-edit neighbours are ordinary words (`cost`, `role`) more often than slips.
 */
export function nearColumn(name: string, header: readonly string[]): string | undefined {
  if (REMARK_COLUMNS.has(name)) return undefined;
  let best: { column: string; distance: number } | undefined;
  for (const column of CSV_COLUMNS) {
    // A column the header has is no slip: `yb_code` beside gz_code is the hospital's own (医保编码), noted and left.
    if (header.includes(column)) continue;
    const distance = editDistance(name, column, 'one edit');
    const allowed = column.length <= 5 ? 1 : 2;
    if (distance <= allowed && (best === undefined || distance < best.distance)) best = { column, distance };
  }
  return best?.column;
}

/**
 * A column the form needs and the header lacks, or names twice (the later column's cells silently won), or a
 * misspelt known column (`efective_to`: the hospital's end date was dropped and the point ran for ever), is a
 * problem of the header (row 1), named by the column, before any row is read.
 */
export function headerIssues(header: readonly string[], file: string): ImportIssue[] {
  const issues: ImportIssue[] = [];
  for (const col of REQUIRED_COLUMNS)
    if (!header.includes(col)) issues.push({ file, row: 1, field: col, message: `表头缺少 ${col} 列` });
  for (const col of CSV_COLUMNS)
    if (header.filter((h) => h === col).length > 1)
      issues.push({ file, row: 1, field: col, message: `表头有两个 ${col} 列` });
  for (const name of unknownColumns(header)) {
    const near = nearColumn(name, header);
    if (near !== undefined)
      issues.push({ file, row: 1, field: name, message: `表头 ${name} 列不是已知列，是否为 ${near}？` });
  }
  return issues;
}

/**
 * The key a row's cell under an empty header cell is read by: one per column, since csv-parse gives every empty name
 * the one key '', where a later empty column's cell (Excel's unfilled trailing column) overwrote a filled one's.
 */
export function unnamedColumnKey(index: number): string {
  return `\u0000${index + 1}`;
}

/** Header names that are none of the form's columns, once each, empty cells left out. */
function unknownColumns(header: readonly string[]): string[] {
  const known = new Set<string>(CSV_COLUMNS);
  return [...new Set(header.filter((h) => h !== '' && !known.has(h)))];
}

/**
 * Columns that are none of the form's and no slip of one (a 备注 column): imported without them, and said so, since
 * whatever the hospital typed there reaches no workstation. A column without a name is noted where a row fills it.
 */
export function ignoredColumnNotes(
  header: readonly string[],
  rows: readonly Record<string, string>[],
  file: string,
): ImportIssue[] {
  const notes: ImportIssue[] = unknownColumns(header).map((name) => ({
    file,
    row: 1,
    field: name,
    message: `表头 ${name} 列不是导入格式的列，其内容未导入（已知列：${CSV_COLUMNS.join('、')}）`,
  }));
  header.forEach((name, i) => {
    // Named by its place: an empty name quoted (表头  列) would tell the hospital nothing to look for.
    if (name === '' && rows.some((r) => (r[unnamedColumnKey(i)] ?? '') !== ''))
      notes.push({ file, row: 1, message: `表头第 ${i + 1} 列没有列名，其内容未导入` });
  });
  return notes;
}
