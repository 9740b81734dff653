import type { JudgeResultDetailDto, JudgeResultDto } from './types';

/**
 * What show() is given, made safe to render. A 3101/3102 answer the sidecar cut to fit (`output.truncated`; sidecar
 * capacity-fit.ts) may carry a result shortened to a skeleton (jr_id, rule_id, rule_name, vola_cont, sev_deg,
 * wf_impact) or less (jr_id, vola_cont, sev_deg, wf_impact): no vola_amt, no detail rows, no patn_id / mdtrt_id. One
 * such result must not stop the panel: every missing text becomes '', missing detail rows become none, and a missing
 * amount becomes NaN, which the card shows as no amount (formatAmount) rather than a made-up ¥0.00.
 *
 * The widget's own confirm wording is dropped from prior_visit_rea: it is what a confirm-only 继续执行 is sent with when
 * the doctor gave no reason, not a reason she gave last visit, so there is nothing to 沿用 and 全部确认 treats the
 * warning as a plain confirmation.
 */
export function takeResults(results: readonly unknown[], fixedConfirmReasons: readonly string[]): JudgeResultDto[] {
  const taken: JudgeResultDto[] = [];
  for (const [index, raw] of results.entries()) {
    const result = takeResult(raw, fixedConfirmReasons);
    // Without a jr_id the warning can be neither told apart nor answered (3103 warn_rslt_id): it is left out alone.
    if (result) taken.push(result);
    else console.warn(`prealert: result[${index}] has no jr_id and cannot be answered; it is not shown`);
  }
  return taken;
}

type Loose = Record<string, unknown>;

const isRecord = (value: unknown): value is Loose => typeof value === 'object' && value !== null;
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

function takeResult(raw: unknown, fixedConfirmReasons: readonly string[]): JudgeResultDto | undefined {
  if (!isRecord(raw) || typeof raw.jr_id !== 'string' || raw.jr_id === '') return undefined;
  const result: JudgeResultDto = {
    ...(raw as Partial<JudgeResultDto>),
    jr_id: raw.jr_id,
    rule_id: text(raw.rule_id),
    rule_name: text(raw.rule_name),
    vola_cont: text(raw.vola_cont),
    patn_id: text(raw.patn_id),
    mdtrt_id: text(raw.mdtrt_id),
    task_id: text(raw.task_id),
    vola_evid: text(raw.vola_evid),
    vola_bhvr_type: text(raw.vola_bhvr_type),
    kp_id: text(raw.kp_id),
    judge_result_detail_dtos: Array.isArray(raw.judge_result_detail_dtos)
      ? raw.judge_result_detail_dtos.filter((detail): detail is JudgeResultDetailDto => isRecord(detail))
      : [],
    vola_amt: typeof raw.vola_amt === 'number' ? raw.vola_amt : Number.NaN,
    vola_amt_stas: raw.vola_amt_stas as JudgeResultDto['vola_amt_stas'],
    sev_deg: raw.sev_deg as JudgeResultDto['sev_deg'],
    wf_impact: raw.wf_impact as JudgeResultDto['wf_impact'],
  };
  const prior = raw.prior_visit_rea;
  if (typeof prior !== 'string' || !fixedConfirmReasons.includes(prior.trim())) return result;
  const { prior_visit_rea: _reason, prior_visit_date: _date, ...plain } = result as JudgeResultDto & Loose;
  return plain;
}
