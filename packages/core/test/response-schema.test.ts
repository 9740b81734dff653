import {
  compactTimestamp,
  errorEnvelope,
  successEnvelope,
  validateAnalysisOutput,
  validateAnalysisResponse,
  validateResponseEnvelope,
} from '@prealert/core';
import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { resultsOf, run } from './support/requests';

const lib = nationalLibrary();
const APALUTAMIDE = 'XL02BBA326A001010102180';
const at = { receivedAt: new Date('2026-11-20T06:00:00Z'), respondedAt: new Date('2026-11-20T06:00:00.004Z') };

function ownAnswer() {
  const result = resultsOf(run(lib, { gend: '2', lines: [{ code: APALUTAMIDE }] }));
  expect(result.length).toBeGreaterThan(0);
  return JSON.parse(JSON.stringify(successEnvelope({ result }, at))) as Record<string, unknown>;
}

describe('response envelope and 3101/3102 output schemas', () => {
  it('prealert’s own success and error answers pass', () => {
    expect(validateAnalysisResponse(ownAnswer()).ok).toBe(true);
    expect(validateAnalysisResponse(errorEnvelope('规则库未加载', at)).ok).toBe(true);
    expect(validateResponseEnvelope(errorEnvelope('x', at)).ok).toBe(true);
  });

  it('tolerates infcode as a string, result as one object or null, amounts as numeric strings', () => {
    const answer = ownAnswer();
    const output = answer.output as { result: Record<string, unknown>[] };
    const first = output.result[0]!;
    expect(validateAnalysisResponse({ ...answer, infcode: '0' }).ok).toBe(true);
    expect(validateAnalysisResponse({ ...answer, infcode: '-1', output: {} }).ok).toBe(true);
    expect(validateAnalysisOutput({ result: first }).ok).toBe(true);
    expect(validateAnalysisOutput({ result: null }).ok).toBe(true);
    expect(validateAnalysisOutput({ result: [] }).ok).toBe(true);
    expect(validateAnalysisOutput({ result: [{ ...first, vola_amt: '241.00' }] }).ok).toBe(true);
  });

  it('names every bad field: infcode, a missing jr_id, a bad vola_item_type', () => {
    const answer = ownAnswer();
    const output = answer.output as { result: Record<string, unknown>[] };
    const first = output.result[0]!;
    const details = first.judge_result_detail_dtos as Record<string, unknown>[];
    const { jr_id: _dropped, ...noId } = first;
    const bad = {
      ...answer,
      infcode: 'ok',
      output: { result: [noId, { ...first, judge_result_detail_dtos: [{ ...details[0], vola_item_type: '7' }] }] },
    };
    const v = validateAnalysisResponse(bad);
    expect(v.ok).toBe(false);
    if (v.ok) return;
    const paths = v.errors.map((e) => e.path);
    expect(paths).toContain('infcode');
    expect(paths).toContain('output.result[0].jr_id');
    expect(paths).toContain('output.result[1].judge_result_detail_dtos[0].vola_item_type');
    expect(validateResponseEnvelope({ err_msg: '' }).ok).toBe(false);
  });

  it('does not rewrite what it reads', () => {
    const answer = { ...ownAnswer(), infcode: '0' };
    validateAnalysisResponse(answer);
    expect(answer.infcode).toBe('0');
  });
});

describe('compactTimestamp (refmsg_time, respond_time, inf_refmsgid)', () => {
  it('writes Shanghai wall-clock time, across a day and a year in Shanghai, with milliseconds padded', () => {
    expect(compactTimestamp(new Date('2026-12-31T15:59:59.007Z'))).toBe('20261231235959007');
    expect(compactTimestamp(new Date('2026-12-31T16:00:00.040Z'))).toBe('20270101000000040');
    expect(compactTimestamp(new Date('2026-12-31T16:00:00.999Z'))).toBe('20270101000000999');
    expect(compactTimestamp(new Date('2026-12-31T16:00:00.999Z'), false)).toBe('20270101000000');
    // Back to an earlier second after a later one: nothing of the later one is reused.
    expect(compactTimestamp(new Date('2026-03-15T01:30:00.000Z'))).toBe('20260315093000000');
  });

  it('agrees with a formatter built on Intl for random instants', () => {
    const intl = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Asia/Shanghai',
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    let seed = 20261129;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (let i = 0; i < 500; i++) {
      const at = new Date(Date.UTC(2000, 0, 1) + Math.floor(next() * 40 * 365 * 86_400_000));
      const p = Object.fromEntries(intl.formatToParts(at).map((x) => [x.type, x.value]));
      const expected = `${p.year}${p.month}${p.day}${p.hour}${p.minute}${p.second}${String(at.getUTCMilliseconds()).padStart(3, '0')}`;
      expect(compactTimestamp(at)).toBe(expected);
    }
  });
});
