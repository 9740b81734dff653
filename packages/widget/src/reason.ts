import { DEFAULT_CONFIRM_REASON } from '@prealert/core';
import type { WorkflowImpact } from './types';

/** dspo_way_rea as a whole (quick reason, separator and text): the 3103 front-end limit (spec 3101-3103 §4.1). */
export const MAX_REASON_LENGTH = 500;

/** Joins the quick reason and the doctor's text in dspo_way_rea: 「临床必需；家属已签字」. */
export const REASON_SEPARATOR = '；';

/** The confirm-only 继续执行's fixed reason: in core, as the sidecar reads it too. */
export { DEFAULT_CONFIRM_REASON } from '@prealert/core';

export interface ReasonInput {
  /** The quick-pick chosen, if any. */
  pick?: string;
  /** Free text typed by the doctor. */
  text: string;
}

/** The control an error is about: the text field, the quick reasons, or the warning itself (a `block`). */
export type ReasonField = 'text' | 'pick' | 'warning';

export type ReasonCheck = { ok: true; reason: string } | { ok: false; message: string; field: ReasonField };

/** The quick reason and the separator before the text, as they count against the limit ('' without a pick). */
export function pickPrefix(pick: string | undefined): string {
  const trimmed = pick?.trim() ?? '';
  return trimmed === '' ? '' : `${trimmed}${REASON_SEPARATOR}`;
}

/** How long the text may be next to this quick reason: the whole dspo_way_rea is what the limit is for. */
export function textBudget(pick: string | undefined): number {
  return Math.max(0, MAX_REASON_LENGTH - pickPrefix(pick).length);
}

/**
 * dspo_way_rea for 继续执行: the quick-pick, a free-text note, or both ("临床必需；…").
 * A `reason` warning needs one; choosing the catch-all ("其他") needs the text that explains it; a confirm-only
 * warning answered without either gets `confirmReason`.
 */
export function composeReason(
  impact: WorkflowImpact,
  input: ReasonInput,
  otherReason: string,
  confirmReason: string = DEFAULT_CONFIRM_REASON,
): ReasonCheck {
  const text = input.text.trim();
  const pick = input.pick?.trim() ?? '';
  if (impact === 'block') return { ok: false, field: 'warning', message: '此提醒不可继续执行，请返回修改' };
  if (pick !== '' && pick === otherReason && text === '') {
    return { ok: false, field: 'text', message: `选择“${otherReason}”时请填写具体理由` };
  }
  if (pick.length > MAX_REASON_LENGTH) return { ok: false, field: 'pick', message: `理由最多 ${MAX_REASON_LENGTH} 字` };
  const budget = textBudget(pick);
  if (text.length > budget) {
    const over = text.length - budget;
    const message = pick
      ? `理由连同“${pickPrefix(pick)}”最多 ${MAX_REASON_LENGTH} 字，请将说明删减 ${over} 字`
      : `理由最多 ${MAX_REASON_LENGTH} 字，请删减 ${over} 字`;
    return { ok: false, field: 'text', message };
  }
  const reason = pick && text ? `${pick}${REASON_SEPARATOR}${text}` : pick || text;
  if (reason !== '') return { ok: true, reason };
  if (impact === 'reason') return { ok: false, field: 'pick', message: '继续执行须选择或填写理由' };
  return { ok: true, reason: confirmReason };
}
