import type { JudgeResultDto } from './types';

/**
 * The bar's progress: 「已处理 2/5 · 1 条待送达」. `isAnswered`: the doctor answered the warning and the sidecar did not
 * refuse the answer; `queued`: the jr_ids of the 3103s waiting to be delivered (FeedbackSender.pendingJrIds).
 */
export function progressText(
  results: readonly JudgeResultDto[],
  isAnswered: (jrId: string) => boolean,
  queued: ReadonlySet<string>,
): string {
  const parts: string[] = [];
  if (results.length > 0) {
    const answered = results.filter((r) => isAnswered(r.jr_id)).length;
    parts.push(`已处理 ${answered}/${results.length}`);
  }
  // Warnings, not 3103s: one answered twice while the sidecar was away is one warning waiting. Answers to warnings
  // not shown (the patient before, a line deleted, an earlier page) are said apart, not as this patient's.
  const shown = results.filter((r) => queued.has(r.jr_id)).length;
  const others = queued.size - shown;
  if (shown > 0) parts.push(`${shown} 条待送达`);
  if (others > 0) parts.push(`${shown > 0 ? '另有' : ''}此前 ${others} 条答复待送达`);
  return parts.join(' · ');
}
