import type { JudgeResultDto } from '@prealert/core';

/**
 * The rx_ids of the lines the results flag or involve (their detail rows): the lines the reminder page names and dates.
 * Empty for an answer without results (most of them), at no cost.
 */
export function flaggedRxIds(results: readonly JudgeResultDto[]): Set<string> {
  const rxIds = new Set<string>();
  for (const result of results) {
    for (const detail of result.judge_result_detail_dtos ?? []) if (detail.rx_id) rxIds.add(detail.rx_id);
  }
  return rxIds;
}
