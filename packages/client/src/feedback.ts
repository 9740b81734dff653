import { isRecord } from './is-record';
import type { FeedbackData, FeedbackInputLike, FeedbackWarnDto, JudgeResultDto } from './types';

/** The doctor's answer to one warning: 继续执行 (dspo_way 1) or 返回修改 (dspo_way 2). */
export type Disposition = 'continue' | 'modify';

export interface Decision {
  /** jr_id of the warning (becomes warn_rslt_id). */
  jrId: string;
  disposition: Disposition;
  /** Required to continue a warning whose wf_impact is `reason`; at most 500 characters. */
  reason?: string;
}

/** The 3103 front-end limit on dspo_way_rea, in characters as the sidecar counts them (code points). */
export const MAX_REASON_LENGTH = 500;

// Code points, not UTF-16 units: the sidecar's schema counts so, and a reason in 生僻字 (two units each) that the
// sidecar takes must not be refused here.
function charCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export const canContinue = (result: Pick<JudgeResultDto, 'wf_impact'>): boolean => result.wf_impact !== 'block';
export const reasonRequired = (result: Pick<JudgeResultDto, 'wf_impact'>): boolean => result.wf_impact === 'reason';

/** 3103 `input.data` for a set of decisions; warn_type 1 answers a 3101, 2 a 3102. */
export function toFeedbackData(warnType: '1' | '2', decisions: readonly Decision[]): FeedbackData {
  return {
    warn_type: warnType,
    warns: decisions.map(
      (decision): FeedbackWarnDto => ({
        warn_rslt_id: decision.jrId,
        dspo_way: decision.disposition === 'continue' ? '1' : '2',
        dspo_way_rea: (decision.reason ?? '').trim(),
      }),
    ),
  };
}

export type FeedbackCheck = { ok: true; value: FeedbackData } | { ok: false; message: string };

/**
 * Checks a 3103 before it leaves the workstation, naming the field like the sidecar does, so a HIS
 * developer sees "input.data.warns[1].dspo_way" instead of a silent drop.
 */
export function checkFeedback(input: FeedbackInputLike): FeedbackCheck {
  const data: unknown = isRecord(input) && isRecord(input.data) ? input.data : input;
  if (!isRecord(data)) return { ok: false, message: 'input.data: must be an object' };
  const warnType = String(data.warn_type ?? '');
  if (warnType !== '1' && warnType !== '2') return { ok: false, message: 'input.data.warn_type: must be "1" or "2"' };
  const rawWarns = Array.isArray(data.warns) ? data.warns : isRecord(data.warns) ? [data.warns] : undefined;
  if (!rawWarns || rawWarns.length === 0)
    return { ok: false, message: 'input.data.warns: must list at least one warn' };
  const warns: FeedbackWarnDto[] = [];
  for (const [index, warn] of rawWarns.entries()) {
    const path = `input.data.warns[${index}]`;
    if (!isRecord(warn)) return { ok: false, message: `${path}: must be an object` };
    if (typeof warn.warn_rslt_id !== 'string' || warn.warn_rslt_id === '') {
      return { ok: false, message: `${path}.warn_rslt_id: must be the jr_id of a warning` };
    }
    const way = String(warn.dspo_way ?? '');
    if (way !== '1' && way !== '2') return { ok: false, message: `${path}.dspo_way: must be "1" or "2"` };
    const reason = warn.dspo_way_rea === undefined || warn.dspo_way_rea === null ? '' : String(warn.dspo_way_rea);
    if (charCount(reason) > MAX_REASON_LENGTH) {
      // The sidecar's own words for the same refusal: the HIS shows the doctor one message whichever refused it.
      return { ok: false, message: `${path}.dspo_way_rea: 长度超过 ${MAX_REASON_LENGTH}` };
    }
    warns.push({ warn_rslt_id: warn.warn_rslt_id, dspo_way: way, dspo_way_rea: reason });
  }
  return { ok: true, value: { ...data, warn_type: warnType, warns } };
}
