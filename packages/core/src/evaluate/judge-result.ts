import type { JudgeResultDto } from '../envelope/national-types';
import type { Finding } from './finding';
import { cutToChars } from './national-text-length';

/**
 * A finding as the national interface answers it: one `result[]` entry (JudgeResultDto) of a 3101/3102 output, its
 * details one per line. Kept apart from the evaluation: this is the boundary where national field names begin.
 */

const RULE_CLASS_CODE: Record<string, string> = { 政策类: '1', 管理类: '2', 医疗类: '3' };

function detailsOf(f: Finding): JudgeResultDto['judge_result_detail_dtos'] {
  const details: JudgeResultDto['judge_result_detail_dtos'] = new Array(f.lines.length);
  for (let i = 0; i < f.lines.length; i++) {
    const l = f.lines[i]!;
    details[i] = {
      jrd_id: `${f.jrId}-${i + 1}`,
      patn_id: f.patientId,
      mdtrt_id: f.encounterId,
      rx_id: l.rxId,
      vola_item_type: l.itemType === 1 ? '1' : '2',
      vola_amt: l.amount,
    };
  }
  return details;
}

export function toJudgeResult(f: Finding, taskId: string): JudgeResultDto {
  return {
    jr_id: f.jrId,
    rule_id: f.ruleId,
    rule_name: f.ruleName,
    vola_cont: f.message,
    patn_id: f.patientId,
    mdtrt_id: f.encounterId,
    judge_result_detail_dtos: detailsOf(f),
    vola_amt: f.amount,
    vola_amt_stas: f.amountComputed ? '1' : '0',
    sev_deg: String(f.severity) as '1' | '2' | '3',
    vola_evid: cutToChars(f.evidence),
    vola_bhvr_type: RULE_CLASS_CODE[f.ruleClass] ?? '',
    task_id: taskId,
    wf_impact: f.impact,
    kp_id: f.kpId,
  };
}
