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
 * (NaN: the answer carried none) sorts as ¥0 within its severity, as <prealert-reminder> orders its cards.
 */
export function sortBySeverity<Result extends JudgeResultDto>(results: readonly Result[]): Result[] {
  return [...results].sort((a, b) => Number(a.sev_deg) - Number(b.sev_deg) || amountForOrder(b) - amountForOrder(a));
}

const amountForOrder = (result: JudgeResultDto): number => (Number.isFinite(result.vola_amt) ? result.vola_amt : 0);

/** Counts per sev_deg, e.g. for a badge "明确违规 1 · 高度可疑 2". */
export function countBySeverity(results: readonly JudgeResultDto[]): Record<'1' | '2' | '3', number> {
  const counts = { '1': 0, '2': 0, '3': 0 };
  for (const result of results) counts[result.sev_deg] += 1;
  return counts;
}
