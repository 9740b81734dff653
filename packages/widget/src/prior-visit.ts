import type { JudgeResultDto } from './types';

/**
 * prealert's extension fields on a result whose patient got a 继续执行 with a reason on the same rule and point in an
 * earlier visit (sidecar README, "Extension fields on 3101/3102 results"): the reason and its day.
 */
export interface PriorVisit {
  reason: string;
  date: string;
}

export function priorVisitOf(result: JudgeResultDto): PriorVisit | undefined {
  const { prior_visit_rea: reason, prior_visit_date: date } = result as JudgeResultDto & {
    prior_visit_rea?: unknown;
    prior_visit_date?: unknown;
  };
  return typeof reason === 'string' && reason.trim() !== '' && typeof date === 'string'
    ? { reason: reason.trim(), date }
    : undefined;
}
