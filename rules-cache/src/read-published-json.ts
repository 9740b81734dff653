import { isPairKind, recordIssues } from './check-record';
import type { ImportIssue, ImportResult, PublishedRecord, RecordSource } from './published-record';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads the published JSON shape: `{ meta, knowledge_points: [...] }` or a bare array. Every bad row is reported;
 * the result holds either all records or none.
 */
export function readPublishedJson(text: string, file: string): ImportResult<RecordSource> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { ok: false, issues: [{ file, row: 0, message: `不是合法的 JSON：${(e as Error).message}` }] };
  }
  const list = Array.isArray(parsed) ? parsed : isObject(parsed) ? parsed.knowledge_points : undefined;
  if (!Array.isArray(list)) {
    return { ok: false, issues: [{ file, row: 0, message: '缺少 knowledge_points 数组' }] };
  }
  const issues: ImportIssue[] = [];
  const records: RecordSource['records'] = [];
  list.forEach((raw: unknown, i: number) => {
    const row = i + 1;
    if (!isObject(raw)) {
      issues.push({ file, row, message: '记录应为对象' });
      return;
    }
    const need = (field: string) => {
      const v = raw[field];
      if (typeof v !== 'string' || v.trim() === '') {
        issues.push({ file, row, field, message: '缺少必填字段' });
        return false;
      }
      return true;
    };
    const good = [need('rule_name'), need('item_name'), need('limit_type')].every(Boolean);
    const codes = raw.codes;
    if (!Array.isArray(codes) || codes.length === 0 || !codes.every((c) => typeof c === 'string' && c.trim() !== '')) {
      issues.push({ file, row, field: 'codes', message: 'codes 应为非空的国家编码数组' });
      return;
    }
    if (!good) return;
    const record = raw as unknown as PublishedRecord;
    const bad = recordIssues(record, file, row);
    if (isPairKind(record.limit_type) && codes.length !== 2)
      bad.push({ file, row, field: 'codes', message: '重复收费项目对应为 [A, B] 两个编码' });
    if (bad.length > 0) issues.push(...bad);
    else records.push({ row, record });
  });
  if (issues.length > 0) return { ok: false, issues };
  const leftOut = isObject(parsed) && isObject(parsed.meta) ? parsed.meta.left_out : undefined;
  if (typeof leftOut === 'number' && Number.isInteger(leftOut) && leftOut > 0)
    return { ok: true, value: { file, records, leftOut } };
  return { ok: true, value: { file, records } };
}
