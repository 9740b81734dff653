import { readAmount, readSeverity } from './read-result';
import type { JudgeResultDto, WorkflowImpact } from './types';

/** sev_deg labels as the national interface defines them. */
export const SEVERITY_LABELS: Readonly<Record<'1' | '2' | '3', string>> = {
  '1': '明确违规',
  '2': '高度可疑',
  '3': '轻度可疑',
};

/** What continuing a warning needs, by wf_impact. */
export const IMPACT_LABELS: Readonly<Record<WorkflowImpact, string>> = {
  notice: '仅提示',
  confirm: '确认后可继续',
  reason: '继续须填写理由',
  block: '不可继续执行',
};

/**
 * Most severe first, then larger amount first: the order a doctor should read them in. A result without an amount
 * (NaN: the answer carried none) sorts as ¥0 within its severity, as <prealert-reminder> orders its cards. sev_deg and
 * vola_amt are read as readResult reads them (2, "2", 高度可疑; 58 or "58.00"), as the line helpers do, so results a
 * HIS passes without analyze()'s reading are not sorted as NaN (a label put 明确违规 anywhere in the list).
 */
export function sortBySeverity<Result extends JudgeResultDto>(results: readonly Result[]): Result[] {
  return [...results].sort((a, b) => severityOf(a) - severityOf(b) || amountForOrder(b) - amountForOrder(a));
}

const severityOf = (result: JudgeResultDto): number => Number(readSeverity(result.sev_deg));

const amountForOrder = (result: JudgeResultDto): number => {
  const amount = readAmount(result.vola_amt);
  return Number.isNaN(amount) ? 0 : amount;
};

/**
 * Counts per sev_deg, e.g. for a badge "明确违规 1 · 高度可疑 2"; a severity sent as a label or a number counts under its
 * code (a label made a fourth key and was lost from the badge).
 */
export function countBySeverity(results: readonly JudgeResultDto[]): Record<'1' | '2' | '3', number> {
  const counts = { '1': 0, '2': 0, '3': 0 };
  for (const result of results) counts[readSeverity(result.sev_deg)] += 1;
  return counts;
}
