import type { WorkflowImpact } from './types';

export const MAX_REASON_LENGTH = 500;

export interface ReasonInput {
  /** The quick-pick chosen, if any. */
  pick?: string;
  /** Free text typed by the doctor. */
  text: string;
}

export type ReasonCheck = { ok: true; reason: string } | { ok: false; message: string };

/**
 * dspo_way_rea for 继续执行: the quick-pick, a free-text note, or both ("临床必需；…").
 * A `reason` warning needs one; choosing the catch-all ("其他") needs the text that explains it.
 */
export function composeReason(impact: WorkflowImpact, input: ReasonInput, otherReason: string): ReasonCheck {
  const text = input.text.trim();
  const pick = input.pick?.trim() ?? '';
  if (impact === 'block') return { ok: false, message: '此提醒不可继续执行，请返回修改' };
  if (pick !== '' && pick === otherReason && text === '') {
    return { ok: false, message: `选择“${otherReason}”时请填写具体理由` };
  }
  const reason = pick && text ? `${pick}；${text}` : pick || text;
  if (impact === 'reason' && reason === '') return { ok: false, message: '继续执行须选择或填写理由' };
  if (reason.length > MAX_REASON_LENGTH) return { ok: false, message: `理由最多 ${MAX_REASON_LENGTH} 字` };
  return { ok: true, reason };
}
