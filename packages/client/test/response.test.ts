import { describe, expect, it } from 'vitest';
import { parseAnswer } from '../src/response';
import type { AnalyzeResult } from '../src/types';

const result = {
  jr_id: 'JR1',
  rule_id: 'GZ10000301004000',
  rule_name: '药品区分性别使用',
  vola_cont: '【他达拉非片】限男性使用，患者性别为女。',
  sev_deg: 2,
  vola_amt: '58.00',
  judge_result_detail_dtos: { rx_id: 'L1', vola_item_type: 1, vola_amt: '58' },
};

describe('parseAnswer', () => {
  it('accepts the tolerated national shapes: infcode as string, result as a single object, numbers as strings', () => {
    const answer = parseAnswer(200, { infcode: '0', err_msg: '', output: { result: result } }, true);
    expect(answer.kind).toBe('ok');
    if (answer.kind !== 'ok') return;
    expect(answer.results).toHaveLength(1);
    expect(answer.results[0]).toMatchObject({
      jr_id: 'JR1',
      sev_deg: '2',
      vola_amt: 58,
      // A national engine sends no wf_impact: continuing needs a reason, as 3103 practice has it.
      wf_impact: 'reason',
      judge_result_detail_dtos: [{ rx_id: 'L1', vola_item_type: '1', vola_amt: 58 }],
    });
  });

  it('reads null or missing result as no warnings', () => {
    for (const output of [{ result: null }, {}, undefined]) {
      const answer = parseAnswer(200, { infcode: 0, output }, true);
      expect(answer).toMatchObject({ kind: 'ok', results: [] });
    }
  });

  it('passes on a refusal with its err_msg', () => {
    const answer = parseAnswer(200, { infcode: -1, err_msg: 'input.data.patient_dtos[0].brdy: 日期格式错误' }, true);
    expect(answer).toEqual({
      kind: 'rejected',
      envelope: { infcode: -1, err_msg: 'input.data.patient_dtos[0].brdy: 日期格式错误' },
      message: 'input.data.patient_dtos[0].brdy: 日期格式错误',
    });
  });

  it('refuses anything that is not a national envelope, so an error page never reads as "no warnings"', () => {
    expect(parseAnswer(502, '<html>', true).kind).toBe('bad');
    expect(parseAnswer(200, { ok: true }, true).kind).toBe('bad');
    expect(parseAnswer(200, { infcode: 'x' }, true).kind).toBe('bad');
    expect(parseAnswer(500, { infcode: 0 }, true).kind).toBe('bad');
    expect(parseAnswer(200, { infcode: 0, output: { result: [{ rule_id: 'no jr_id' }] } }, true)).toEqual({
      kind: 'bad',
      detail: 'output.result[0] has no jr_id',
    });
  });

  it('keeps the sidecar trimming flag', () => {
    const answer = parseAnswer(200, { infcode: 0, truncated: true, output: { result: [result] } }, true);
    expect(answer).toMatchObject({ kind: 'ok', truncated: true });
  });
});

describe('AnalyzeResult.results', () => {
  it("carries prealert's extension fields, typed, as the README tells vendors to read them (review-browser F5)", () => {
    const answer = parseAnswer(
      200,
      {
        infcode: 0,
        output: {
          result: [
            { ...result, prior_dspo: true, dspo_way: '1', dspo_way_rea: '临床必需' },
            { ...result, jr_id: 'JR2', prior_visit_rea: '长期服用，控制稳定', prior_visit_date: '2026-11-24' },
          ],
        },
      },
      true,
    );
    if (answer.kind !== 'ok') throw new Error(answer.kind);
    // Typed as analyze() returns them: reading the fields without a cast must compile (`pnpm typecheck`).
    const results: AnalyzeResult['results'] = answer.results;
    const [answered, hinted] = results;
    expect([answered?.prior_dspo, answered?.dspo_way, answered?.dspo_way_rea]).toEqual([true, '1', '临床必需']);
    expect([hinted?.prior_visit_rea, hinted?.prior_visit_date]).toEqual(['长期服用，控制稳定', '2026-11-24']);
  });
});
