import { readResult } from '@prealert/client/read-result';
import type { JudgeResultDto } from './types';

/**
 * What show() is given, made safe to render, read by the SDK's readResult (`@prealert/client/read-result`, the rule
 * parseAnswer reads an answer by): a 3101/3102 answer the sidecar cut to fit (`output.truncated`; sidecar
 * capacity-fit.ts, output-length-fit.ts) may carry a result shortened down to a skeleton or less (jr_id, vola_cont,
 * sev_deg, wf_impact, vola_amt and the decision fields): no detail rows, no patn_id / mdtrt_id. One such result must
 * not stop the panel: a missing text becomes '', missing detail rows become none, a missing or unreadable amount
 * becomes NaN, which the card shows as no amount (formatAmount) rather than a made-up ¥0.00, and a missing wf_impact
 * is `reason`.
 *
 * The widget's own confirm wording is dropped from prior_visit_rea: it is what a confirm-only 继续执行 is sent with when
 * the doctor gave no reason, not a reason she gave last visit, so there is nothing to 沿用 and 全部确认 treats the
 * warning as a plain confirmation.
 */
export function takeResults(results: readonly unknown[], fixedConfirmReasons: readonly string[]): JudgeResultDto[] {
  const taken: JudgeResultDto[] = [];
  for (const [index, raw] of results.entries()) {
    const result = readResult(raw);
    // Without a jr_id the warning can be neither told apart nor answered (3103 warn_rslt_id): it is left out alone,
    // the others still shown (the SDK refuses the whole answer instead, and the HIS fails open).
    if (result) taken.push(withoutOwnConfirmWording(result, fixedConfirmReasons));
    else console.warn(`prealert: result[${index}] has no jr_id and cannot be answered; it is not shown`);
  }
  return taken;
}

function withoutOwnConfirmWording<Result extends JudgeResultDto & { prior_visit_rea?: unknown }>(
  result: Result,
  fixedConfirmReasons: readonly string[],
): JudgeResultDto {
  const prior = result.prior_visit_rea;
  if (typeof prior !== 'string' || !fixedConfirmReasons.includes(prior.trim())) return result;
  const {
    prior_visit_rea: _reason,
    prior_visit_date: _date,
    ...plain
  } = result as Result & {
    prior_visit_date?: unknown;
  };
  return plain;
}
