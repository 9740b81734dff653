import { SEVERITY_LABELS } from './labels';
import type { JudgeResultDto } from './types';

/** 「明确违规 1 条，轻度可疑 2 条」: these warnings by severity, most severe first. */
export function severityCounts(results: readonly JudgeResultDto[]): string {
  return (['1', '2', '3'] as const)
    .map((sev) => [SEVERITY_LABELS[sev], results.filter((r) => r.sev_deg === sev).length] as const)
    .filter(([, n]) => n > 0)
    .map(([label, n]) => `${label} ${n} 条`)
    .join('，');
}
