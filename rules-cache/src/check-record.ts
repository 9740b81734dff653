import { civilFromDays, daysFromCivil, parseLocalMinutes } from '@prealert/core';
import { parseLimit } from './limit-parser';
import type { ImportIssue, PublishedRecord } from './published-record';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The days parseLocalMinutes reads (it refuses years before 1800, and the form has four-digit years): a date outside
 * them is a real one the evaluator cannot place, not a typing error, and is told so.
 */
const SUPPORTED_DATES = '1800-01-01 至 9999-12-31';

/** yyyy-MM-dd and a real calendar day (2026-02-30 is not). */
export function isImportDate(value: string): boolean {
  return DATE.test(value) && !Number.isNaN(parseLocalMinutes(value));
}

/** yyyy-MM-dd naming a day of the proleptic Gregorian calendar, as ISO 8601 reads it (0001-01-01 is one). */
function isCalendarDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const [year, month, day] = value.split('-').map(Number) as [number, number, number];
  const back = civilFromDays(daysFromCivil(year, month, day));
  return back.year === year && back.month === month && back.dayOfMonth === day;
}

/** Why an effective date is refused, or undefined when the import reads it. */
function dateProblem(value: string): string | undefined {
  if (isImportDate(value)) return undefined;
  if (isCalendarDate(value)) return `日期 ${JSON.stringify(value)} 超出支持的范围（${SUPPORTED_DATES}）`;
  return `日期 ${JSON.stringify(value)} 应为 yyyy-MM-dd 的真实日期`;
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
  const dates: Partial<Record<'effective_from' | 'effective_to', string>> = {};
  for (const field of ['effective_from', 'effective_to'] as const) {
    const v = record[field];
    if (v === undefined || v === null || v === '') continue;
    const problem = dateProblem(String(v));
    if (problem === undefined) dates[field] = String(v);
    else issues.push({ file, row, field, message: problem });
  }
  // The evaluator applies a point on the days from effective_from to effective_to, both included: reversed, there is
  // none, and the row imported as a point that never reminds. yyyy-MM-dd dates order as their text does.
  const { effective_from: from, effective_to: to } = dates;
  if (from !== undefined && to !== undefined && from > to)
    issues.push({
      file,
      row,
      field: 'effective_to',
      message: `日期 ${JSON.stringify(to)} 早于 effective_from ${JSON.stringify(from)}：该行没有一天适用`,
    });
  return issues;
}

/** A duplicate-charge pair names exactly [A, B]. */
export function isPairKind(limitType: string): boolean {
  return limitType === 'time_window';
}
