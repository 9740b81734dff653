import type { JudgeResultDto } from '@prealert/core';
import { describe, expect, it } from 'vitest';
import { mergeResults, upstreamReminderId } from '../src/upstream/provincial-gateway';

/**
 * A HIS that numbers visits and order lines per patient sends patient A's and patient B's visit "1", line "1" in one
 * 3102 batch (3101-3103.md §2.4: mdtrt_id may be the HIS 就诊号). The gateway's results are told apart by patient as
 * prealert's own jr_ids are (jr-id.ts EncounterOfId).
 */
function result(jrId: string, patientId: string, ruleId = 'R01'): JudgeResultDto {
  return {
    jr_id: jrId,
    rule_id: ruleId,
    rule_name: '配伍禁忌',
    vola_cont: '患者处方中存在配伍禁忌的药品【A药】、【B药】。',
    patn_id: patientId,
    mdtrt_id: '1',
    judge_result_detail_dtos: [
      { jrd_id: `${jrId}-1`, patn_id: patientId, mdtrt_id: '1', rx_id: '1', vola_item_type: '1', vola_amt: 12 },
    ],
    vola_amt: 12,
    vola_amt_stas: '1',
    sev_deg: '2',
    vola_evid: '',
    vola_bhvr_type: '1',
    task_id: 'T-BATCH',
  } as JudgeResultDto;
}

describe('gateway results of two patients with the same mdtrt_id and rx_id', () => {
  it("keeps patient B's gateway result beside patient A's local one of the same rule and line", () => {
    const merged = mergeResults([result('JR-A', 'PA-0001')], [result('GW-B', 'PB-0002')]);
    expect(merged.results.map((r) => r.jr_id)).toEqual(['JR-A', 'GW-B']);
    expect(merged.links).toEqual([['GW-B', upstreamReminderId(result('GW-B', 'PB-0002'))]]);
  });

  it('still drops the gateway result that repeats the same patient’s local one', () => {
    const merged = mergeResults([result('JR-A', 'PA-0001')], [result('GW-A', 'PA-0001')]);
    expect(merged.results.map((r) => r.jr_id)).toEqual(['JR-A']);
    expect(merged.links).toEqual([['GW-A', 'JR-A']]);
  });

  it('counts the two patients under different reminders, each stable across calls', () => {
    const a = upstreamReminderId(result('GW-1', 'PA-0001'));
    expect(upstreamReminderId(result('GW-2', 'PA-0001'))).toBe(a);
    expect(upstreamReminderId(result('GW-3', 'PB-0002'))).not.toBe(a);
    // The patient's length goes first: patient "1" with visit "23" is not patient "12" with visit "3".
    const shifted = (patientId: string, mdtrtId: string) =>
      upstreamReminderId({ ...result('GW', patientId), mdtrt_id: mdtrtId });
    expect(shifted('1', '23')).not.toBe(shifted('12', '3'));
  });
});
