/**
 * EarlierVisitReasons, the index both threads answer prior_visit_rea from: which of a patient's earlier 继续执行
 * reasons a result is offered. Over HTTP (one decision, both threads, restarts): earlier-visit-reasons.test.ts.
 */
import type { JudgeResultDto } from '@prealert/core';
import { describe, expect, it } from 'vitest';
import { shanghaiDay } from '../src/stats/days';
import { type EarlierVisitDecision, EarlierVisitReasons } from '../src/store/earlier-visit-reasons';

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 11, 22, 2);
const RULE = 'GZ10000101008000';
const KP = 'kp-77683a6ff40b9eac';
/** Stands for the keyed pseudonym: the index never sees a patn_id, only what patientKeyOf makes of it. */
const keyOf = (patientId: string) => `key:${patientId}`;

function result(mdtrtId: string, patientId = 'P1', kpId = KP): JudgeResultDto {
  return {
    jr_id: `JR-${mdtrtId}`,
    rule_id: RULE,
    kp_id: kpId,
    patn_id: patientId,
    mdtrt_id: mdtrtId,
  } as JudgeResultDto;
}

function decision(jrId: string, mdtrtId: string, reason: string, daysAgo: number): EarlierVisitDecision {
  return [jrId, keyOf('P1'), mdtrtId, RULE, KP, reason, NOW - daysAgo * DAY];
}

describe('EarlierVisitReasons', () => {
  it('offers the latest reason of another encounter, whatever order the decisions arrived in', () => {
    const index = new EarlierVisitReasons([decision('JR-2', 'V2', '二月', 30), decision('JR-1', 'V1', '一月', 60)]);
    expect(index.hint(result('V3'), NOW, keyOf)).toEqual({ reason: '二月', date: shanghaiDay(NOW - 30 * DAY) });
    // In V2 itself the latest of another encounter is V1's.
    expect(index.hint(result('V2'), NOW, keyOf)?.reason).toBe('一月');
  });

  it('falls back to the earlier reason when the latest is taken back, and offers none past 180 days', () => {
    const index = new EarlierVisitReasons([decision('JR-1', 'V1', '一月', 179), decision('JR-2', 'V2', '二月', 30)]);
    index.drop('JR-2');
    expect(index.hint(result('V3'), NOW, keyOf)?.reason).toBe('一月');
    expect(index.hint(result('V3'), NOW + 2 * DAY, keyOf)).toBeUndefined();
    expect(index.size).toBe(1);
  });

  it('offers nothing for another patient, another point, or a decision without a reason or point', () => {
    const index = new EarlierVisitReasons([decision('JR-1', 'V1', '一月', 30)]);
    expect(index.hint(result('V3', 'P2'), NOW, keyOf)).toBeUndefined();
    expect(index.hint(result('V3', 'P1', 'kp-other'), NOW, keyOf)).toBeUndefined();
    index.continue(['JR-1', keyOf('P1'), 'V1', RULE, KP, '', NOW - DAY]);
    expect(index.hint(result('V3'), NOW, keyOf)).toBeUndefined();
    index.continue(['JR-9', keyOf('P1'), 'V1', RULE, '', '理由', NOW - DAY]);
    expect(index.size).toBe(0);
  });
});
