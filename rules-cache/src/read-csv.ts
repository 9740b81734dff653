import { parse } from 'csv-parse/sync';
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

/**
 * Reads the CSV form (UTF-8, optional BOM, header row). Rows with the same point columns become one knowledge point
 * whose codes keep row order (so a duplicate-charge pair is A then B).
 */
export function readCsv(text: string, file: string): ImportResult<RecordSource> {
  let rows: Record<string, string>[];
  try {
    rows = parse(text, {
      columns: (header: string[]) => header.map((h) => h.trim()),
      bom: true,
      skip_empty_lines: true,
      trim: true,
    });
  } catch (e) {
    return { ok: false, issues: [{ file, row: 0, message: `CSV 无法解析：${(e as Error).message}` }] };
  }
  const issues: ImportIssue[] = [];
  const header = rows.length > 0 ? Object.keys(rows[0]!) : [];
  for (const col of REQUIRED) {
    if (rows.length > 0 && !header.includes(col)) issues.push({ file, row: 1, field: col, message: '表头缺少该列' });
  }
  if (issues.length > 0) return { ok: false, issues };
  const groups = new Map<string, { row: number; record: PublishedRecord }>();
  rows.forEach((r, i) => {
    const row = i + 2; // line 1 is the header
    const missing = REQUIRED.filter((c) => !r[c]);
    for (const field of missing) issues.push({ file, row, field, message: '缺少必填字段' });
    if (missing.length > 0) return;
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
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: { file, records: [...groups.values()] } };
}
