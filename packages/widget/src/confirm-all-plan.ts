import type { WarningCard } from './warning-card';

/**
 * What 全部确认 does with the open warnings that ask only for a confirmation. A warning that carries last visit's
 * reason (its card offers 沿用上次理由) is not confirmed with the fixed confirm reason: that would put a blander
 * reason on the record than the one the doctor gave last time, and sending last visit's reason unseen would speak
 * for her. So such warnings only get their form opened with that reason filled in, one at a time, for her to read
 * and submit; the others are confirmed at once.
 */
export interface ConfirmAllPlan {
  /** Answered 继续执行 with the confirm reason, one 3103 each. */
  confirm: WarningCard[];
  /** Their reason forms opened with last visit's reason, in order, each sent only when the doctor submits it. */
  prefill: WarningCard[];
}

export function planConfirmAll(open: readonly WarningCard[]): ConfirmAllPlan {
  const plan: ConfirmAllPlan = { confirm: [], prefill: [] };
  // The card's own 沿用上次理由 button decides, so 全部确认 offers last visit's reason exactly where the card does. A
  // last-visit reason that is the widget's own confirm wording never reaches a card (result-intake): it is no reason.
  for (const card of open) (card.reuseButton.hidden ? plan.confirm : plan.prefill).push(card);
  return plan;
}

/**
 * The button's count: 「2 条仅需确认」, and apart from it 「1 条填入上次理由待核对」, so the doctor knows before pressing
 * it that those will not be settled by the button but wait for her Enter.
 */
export function confirmAllCount(plan: ConfirmAllPlan): string {
  const parts: string[] = [];
  if (plan.confirm.length > 0) parts.push(`${plan.confirm.length} 条仅需确认`);
  if (plan.prefill.length > 0) parts.push(`${plan.prefill.length} 条填入上次理由待核对`);
  return parts.join('，');
}

/** What is announced after 全部确认: what was sent, and what now waits for the doctor. */
export function confirmAllAnnouncement(plan: ConfirmAllPlan): string {
  const parts: string[] = [];
  if (plan.confirm.length > 0) parts.push(`已确认继续执行 ${plan.confirm.length} 条仅需确认的提醒`);
  if (plan.prefill.length > 0) parts.push(`${plan.prefill.length} 条已填入上次就诊的理由，请核对后按 Enter 逐条确认`);
  return parts.join('。');
}
