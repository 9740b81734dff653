import { parse } from 'csv-parse/sync';
import { isPairKind, recordIssues } from './check-record';
import { codeProblem, normaliseCode } from './csv-code';
import type { ImportIssue, ImportResult, PublishedRecord, RecordSource } from './published-record';

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
const REQUIRED = ['rule_name', 'item_name', 'limit_type', 'code'] as const;

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
  try {
    // csv-parse miscounts lines on CRLF input; with LF only, its line numbers are the file's.
    parsed = parse(text.replace(/\r\n?/g, '\n'), {
      columns: (header: string[]) => header.map((h) => h.trim()),
      bom: true,
      skip_empty_lines: true,
      // Excel saves rows it once touched as commas only; they are no rows of the form (line numbers stay the file's).
      skip_records_with_empty_values: true,
      trim: true,
      info: true,
      raw: true,
    });
  } catch (e) {
    return { ok: false, issues: [{ file, row: 0, message: `CSV 无法解析：${(e as Error).message}` }] };
  }
  const rows = parsed.map((p) => p.record);
  const issues: ImportIssue[] = [];
  const header = rows.length > 0 ? Object.keys(rows[0]!) : [];
  for (const col of REQUIRED) {
    if (rows.length > 0 && !header.includes(col)) issues.push({ file, row: 1, field: col, message: '表头缺少该列' });
  }
  if (issues.length > 0) return { ok: false, issues };
  const groups = new Map<string, { row: number; record: PublishedRecord }>();
  rows.forEach((r, i) => {
    const row = startLine(parsed[i]!);
    if (r.code !== undefined) r.code = normaliseCode(r.code);
    // The rule's national code, typed by hand ("gz10000301004000 "): cleaned like the codes, or the rule would not
    // be found in the framework and the hospital's per-rule overrides would not apply to its points.
    if (r.gz_code !== undefined) r.gz_code = normaliseCode(r.gz_code);
    const missing = REQUIRED.filter((c) => !r[c]);
    for (const field of missing) issues.push({ file, row, field, message: '缺少必填字段' });
    if (missing.length > 0) return;
    const bad: ImportIssue[] = [];
    const codeIssue = codeProblem(r.code!, r.item_type ?? '');
    if (codeIssue !== undefined) bad.push({ file, row, field: 'code', message: codeIssue });
    bad.push(...recordIssues(r as PublishedRecord & Record<string, string>, file, row));
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
      if (!existing.record.codes.includes(r.code!)) existing.record.codes.push(r.code!);
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
    groups.set(key, { row, record });
  });
  for (const { row, record } of groups.values()) {
    if (isPairKind(record.limit_type) && record.codes.length !== 2)
      issues.push({ file, row, field: 'code', message: '重复收费项目对应为 A、B 两行（两个编码）' });
  }
  return issues.length > 0
    ? { ok: false, issues }
    : { ok: true, value: { file, records: [...groups.values()], local: true } };
}
