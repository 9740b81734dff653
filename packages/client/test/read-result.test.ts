import { describe, expect, it } from 'vitest';
import {
  countBySeverity,
  formatAmount,
  type JudgeResultDto,
  linesOf,
  readAmount,
  sortBySeverity,
  warningsByLine,
} from '../src/index';
import { parseAnswer } from '../src/response';
import { expectReading, READINGS } from './fixtures/result-readings';

/** The one result of an answer carrying `raw`, as analyze() hands it to the HIS. */
function parsedOne(raw: unknown) {
  const answer = parseAnswer(200, { infcode: 0, err_msg: '', output: { result: [raw] } }, true);
  if (answer.kind !== 'ok') throw new Error(`parseAnswer: ${answer.kind}`);
  expect(answer.results).toHaveLength(1);
  return answer.results[0]!;
}

describe('parseAnswer reads each result as the widget does (read-result.ts)', () => {
  for (const { name, raw, expected } of READINGS) {
    it(name, () => expectReading(parsedOne(raw), expected));
  }
});

describe('a result whose lines are not listed', () => {
  const skeleton = READINGS.find((r) => r.expected.linesOmitted === true)!.raw;

  it('comes out of parseAnswer marked, with nothing for the line helpers to mark', () => {
    const result = parsedOne(skeleton);
    expect(result.linesOmitted).toBe(true);
    expect(linesOf(result)).toEqual([]);
    expect(warningsByLine([result]).size).toBe(0);
  });

  it('is marked again by its rows when read a second time (the SDK result given to the widget)', () => {
    const once = parsedOne(skeleton);
    expect(
      parsedOne({ ...once, judge_result_detail_dtos: [{ rx_id: 'RX-1', vola_item_type: '1' }] }),
    ).not.toHaveProperty('linesOmitted');
    expect(parsedOne({ ...READINGS.at(-1)!.raw, linesOmitted: true })).not.toHaveProperty('linesOmitted');
  });

  it('a 涉及项 row alone lists no line to change', () => {
    expect(
      parsedOne({ ...skeleton, judge_result_detail_dtos: [{ rx_id: 'RX-2', vola_item_type: '2' }] }),
    ).toMatchObject({
      linesOmitted: true,
    });
  });
});

describe('sortBySeverity', () => {
  it('sorts a result without an amount as ¥0 within its severity, the order the widget shows', () => {
    const [none, cheap, dear, severe] = [
      { jr_id: 'NONE', sev_deg: '2' },
      { jr_id: 'CHEAP', sev_deg: '2', vola_amt: 5 },
      { jr_id: 'DEAR', sev_deg: '2', vola_amt: 50 },
      { jr_id: 'SEVERE', sev_deg: '1' },
    ].map(parsedOne);
    expect(sortBySeverity([none!, cheap!, dear!, severe!]).map((r) => r.jr_id)).toEqual([
      'SEVERE',
      'DEAR',
      'CHEAP',
      'NONE',
    ]);
    expect(sortBySeverity([cheap!, none!, dear!]).map((r) => r.jr_id)).toEqual(['DEAR', 'CHEAP', 'NONE']);
  });

  it('reads a raw result as readResult does: severities as labels or numbers, amounts as digits', () => {
    // As a HIS's middleware passes a gateway's answer on without analyze(): 高度可疑 sorted as NaN, "50.00" as ¥0.
    const raw = [
      { jr_id: 'MILD', sev_deg: '轻度可疑', vola_amt: '900.00' },
      { jr_id: 'CHEAP', sev_deg: 2, vola_amt: '5.00' },
      { jr_id: 'DEAR', sev_deg: '高度可疑', vola_amt: '50.00' },
      { jr_id: 'SEVERE', sev_deg: '明确违规', vola_amt: '' },
    ] as unknown as JudgeResultDto[];
    expect(sortBySeverity(raw).map((r) => r.jr_id)).toEqual(['SEVERE', 'DEAR', 'CHEAP', 'MILD']);
    expect(countBySeverity(raw)).toEqual({ '1': 1, '2': 2, '3': 1 });
  });
});

describe('formatAmount', () => {
  it('shows an amount at stake as yuan with two decimals', () => {
    expect(formatAmount(380)).toBe('¥380.00');
    expect(formatAmount(58.5)).toBe('¥58.50');
  });

  it("shows nothing, not 「¥0.00」, for a result with no amount at stake (the widget's card: vola_amt 0)", () => {
    expect(formatAmount(0)).toBe('');
    expect(formatAmount(-0)).toBe('');
  });

  it('shows nothing for an amount that prints as 0.00 (a HIS may send 0.004): the same 「¥0.00」 by another road', () => {
    expect(formatAmount(0.004)).toBe('');
    expect(formatAmount(readAmount('0.001'))).toBe('');
    expect(formatAmount(0.01)).toBe('¥0.01');
    expect(formatAmount(0.006)).toBe('¥0.01');
  });

  it('shows nothing, not a minus sign, for a negative amount (the national vola_amt is ≥ 0)', () => {
    expect(formatAmount(-5)).toBe('');
    expect(formatAmount(readAmount('-5.00'))).toBe('');
    expect(formatAmount(-0.004)).toBe('');
  });

  it('shows nothing for an infinite amount', () => {
    expect(formatAmount(Number.POSITIVE_INFINITY)).toBe('');
    expect(formatAmount(Number.NEGATIVE_INFINITY)).toBe('');
  });

  it('shows nothing, not 「¥NaN」, for an amount the answer did not carry or that could not be read', () => {
    expect(formatAmount(undefined)).toBe('');
    expect(formatAmount(readAmount(undefined))).toBe('');
    expect(formatAmount(readAmount('—'))).toBe('');
    expect(formatAmount(readAmount('380.00'))).toBe('¥380.00');
  });
});
