import { parse } from 'csv-parse/sync';
import { isPairKind, recordIssues } from './check-record';
import { codeProblem, normaliseCode } from './csv-code';
import { columnName, headerIssues, ignoredColumnNotes, REQUIRED_COLUMNS, unnamedColumnKey } from './csv-header';
import { csvParseProblem } from './csv-parse-error';
import type { ImportIssue, ImportResult, PublishedRecord, RecordSource } from './published-record';

export { CSV_COLUMNS } from './csv-header';

interface ParsedRow {
  record: Record<string, string>;
  info: { lines: number };
  raw: string;
}

/**
 * The line a record starts on. csv-parse reports the line a record ends on; a quoted field may hold line breaks,
 * and the raw text also carries the blank lines skipped before the record.
 */
function startLine(row: ParsedRow): number {
  const own = row.raw.replace(/^\n+/, '').replace(/\n$/, '');
  let breaks = 0;
  for (let i = 0; i < own.length; i++) if (own.charCodeAt(i) === 10) breaks++;
  return row.info.lines - breaks;
}

/**
 * Reads the CSV form (already decoded text, optional BOM, header row). Rows with the same point columns become one
 * knowledge point whose codes keep row order (so a duplicate-charge pair is A then B). Rows whose cells are all empty
 * (Excel's `,,,,,,,`) are skipped. Codes are normalised as requests carry them (full-width to ASCII, no spaces, upper
 * case). Every row is checked in this one pass (required columns, code shape for its item type, limit, dates, pair
 * size) and reported by its line in the file; a file with any bad row imports nothing.
 */
export function readCsv(text: string, file: string): ImportResult<RecordSource> {
  let parsed: ParsedRow[];
  let header: string[] = [];
  // csv-parse miscounts lines on CRLF input; with LF only, its line numbers are the file's.
  const lf = text.replace(/\r\n?/g, '\n');
  try {
    parsed = parse(lf, {
      columns: (names: string[]) => {
        header = names.map(columnName);
        return header.map((name, i) => (name === '' ? unnamedColumnKey(i) : name));
      },
      bom: true,
      skip_empty_lines: true,
      // Excel saves rows it once touched as commas only; they are no rows of the form (line numbers stay the file's).
      skip_records_with_empty_values: true,
      trim: true,
      info: true,
      raw: true,
    });
  } catch (e) {
    const { row, message } = csvParseProblem(e, lf, header.length);
    return { ok: false, issues: [{ file, row, message }] };
  }
  const rows = parsed.map((p) => p.record);
  const issues = rows.length > 0 ? headerIssues(header, file) : [];
  if (issues.length > 0) return { ok: false, issues };
  const hasLimitValue = header.includes('limit_value');
  /** Rows whose limit_type needs a limit_value, in a file without that column: a header problem, not theirs. */
  const needValue: { row: number; limitType: string }[] = [];
  const groups = new Map<string, { row: number; record: PublishedRecord; codeRows: number[] }>();
  rows.forEach((r, i) => {
    const row = startLine(parsed[i]!);
    if (r.code !== undefined) r.code = normaliseCode(r.code);
    // The rule's national code, typed by hand ("gz10000301004000 "): cleaned like the codes, or the rule would not
    // be found in the framework and the hospital's per-rule overrides would not apply to its points.
    if (r.gz_code !== undefined) r.gz_code = normaliseCode(r.gz_code);
    const missing = REQUIRED_COLUMNS.filter((c) => !r[c]);
    for (const field of missing) issues.push({ file, row, field, message: '缺少必填字段' });
    if (missing.length > 0) return;
    const bad: ImportIssue[] = [];
    const codeIssue = codeProblem(r.code!, r.item_type ?? '');
    if (codeIssue !== undefined) bad.push({ file, row, field: 'code', message: codeIssue });
    for (const issue of recordIssues(r as PublishedRecord & Record<string, string>, file, row)) {
      if (!hasLimitValue && issue.field === 'limit_value') needValue.push({ row, limitType: r.limit_type! });
      else bad.push(issue);
    }
    if (bad.length > 0) {
      issues.push(...bad);
      return;
    }
    const key = [
      r.rule_name,
      r.gz_code,
      r.item_name,
      r.limit_type,
      r.limit_value,
      r.basis,
      r.effective_from,
      r.effective_to,
    ].join('\u0001');
    const existing = groups.get(key);
    if (existing) {
      if (!existing.record.codes.includes(r.code!)) {
        existing.record.codes.push(r.code!);
        existing.codeRows.push(row);
      }
      return;
    }
    const record: PublishedRecord = {
      rule_name: r.rule_name!,
      gz_code: r.gz_code || null,
      item_type: r.item_type || 'local',
      item_name: r.item_name!,
      limit_type: r.limit_type!,
      limit_value: r.limit_value ?? '',
      basis: r.basis ?? '',
      codes: [r.code!],
    };
    if (r.effective_from) record.effective_from = r.effective_from;
    if (r.effective_to) record.effective_to = r.effective_to;
    groups.set(key, { row, record, codeRows: [row] });
  });
  if (needValue.length > 0) {
    const [first] = needValue;
    const more = needValue.length > 1 ? ` 等 ${needValue.length} 行` : '';
    issues.unshift({
      file,
      row: 1,
      field: 'limit_value',
      message: `表头缺少 limit_value 列：第 ${first!.row} 行${more}的 limit_type ${first!.limitType} 需要限定值`,
    });
  }
  for (const { row, record } of groups.values()) {
    if (isPairKind(record.limit_type) && record.codes.length !== 2)
      issues.push({ file, row, field: 'code', message: '重复收费项目对应为 A、B 两行（两个编码）' });
  }
  if (issues.length > 0) return { ok: false, issues };
  const notes = ignoredColumnNotes(header, rows, file);
  return { ok: true, value: { file, records: [...groups.values()], local: true, ...(notes.length > 0 && { notes }) } };
}
