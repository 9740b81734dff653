import { describe, expect, it } from 'vitest';
import { linesOf, warningsByLine } from '../src/order-lines';
import type { JudgeResultDto } from '../src/types';

/** A result as a raw answer may hold it: only the fields linesOf reads, in the shapes the sidecar lets through. */
const result = (details: unknown): JudgeResultDto =>
  ({ judge_result_detail_dtos: details }) as unknown as JudgeResultDto;

describe('linesOf', () => {
  it('lists each rx_id once, in the order given, by role when asked', () => {
    const r = result([
      { rx_id: 'A', vola_item_type: '1' },
      { rx_id: 'B', vola_item_type: '2' },
      { rx_id: 'A', vola_item_type: '2' },
    ]);
    expect(linesOf(r)).toEqual(['A', 'B']);
    expect(linesOf(r, 'violation')).toEqual(['A']);
    expect(linesOf(r, 'involved')).toEqual(['B', 'A']);
  });

  it('reads a numeric rx_id as its digits and skips an empty one or a result without details', () => {
    expect(linesOf(result([{ rx_id: 7 }, { rx_id: '' }, { rx_id: '7' }]))).toEqual(['7']);
    expect(linesOf(result(undefined))).toEqual([]);
  });

  it('keeps an rx_id as sent, the key warningsByLine gives the line', () => {
    const r = result([{ rx_id: ' A ', vola_item_type: '1', vola_amt: 0 }]);
    expect(linesOf(r)).toEqual([...warningsByLine([r]).keys()]);
  });
});
