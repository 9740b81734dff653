import { parseLocalMinutes } from '@prealert/core';
import { parseLimit } from './limit-parser';
import type { ImportIssue, PublishedRecord } from './published-record';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** yyyy-MM-dd and a real calendar day (2026-02-30 is not). */
export function isImportDate(value: string): boolean {
  return DATE.test(value) && !Number.isNaN(parseLocalMinutes(value));
}

/**
 * What buildLibrary would refuse in one record (its limit and its effective dates), found while the source is read,
 * so a single report lists every bad row of the file. `codes` are checked by the caller, which knows their shape.
 */
export function recordIssues(
  record: Pick<PublishedRecord, 'limit_type' | 'limit_value' | 'basis' | 'effective_from' | 'effective_to'>,
  file: string,
  row: number,
): ImportIssue[] {
  const issues: ImportIssue[] = [];
  const parsed = parseLimit(record.limit_type, record.limit_value, record.basis ?? '');
  if (!parsed.ok) issues.push({ file, row, field: parsed.field ?? 'limit_value', message: parsed.error });
  for (const field of ['effective_from', 'effective_to'] as const) {
    const v = record[field];
    if (v !== undefined && v !== null && v !== '' && !isImportDate(String(v)))
      issues.push({ file, row, field, message: `日期 ${JSON.stringify(v)} 应为 yyyy-MM-dd 的真实日期` });
  }
  return issues;
}

/** A duplicate-charge pair names exactly [A, B]. */
export function isPairKind(limitType: string): boolean {
  return limitType === 'time_window';
}
