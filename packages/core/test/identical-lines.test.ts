import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { inpatient, resultsOf, run } from './support/requests';

/**
 * 结算明细信息异常 「同一项目同日同金额重复录入」: a line entered twice is a double entry, but a ward doctor's 临时 and
 * 长期 order of one drug on one day (long_drord_flag 0 and 1) are two orders and not flagged.
 */
const lib = nationalLibrary();
const DYDROGESTERONE = 'XG03DBD084A001010102180'; // 地屈孕酮片

function doubleEntries(longFlags: [boolean, boolean]) {
  const outcome = run(lib, {
    ...inpatient('2026-11-18 08:00:00'),
    gend: '2',
    lines: longFlags.map((long, i) => ({
      code: DYDROGESTERONE,
      name: '地屈孕酮片',
      rx_id: `R${i + 1}`,
      pric: 80,
      long,
      date: '2026-11-20 09:00:00',
    })),
  });
  return resultsOf(outcome).filter((r) => r.vola_cont.includes('同一项目同日同金额重复录入'));
}

describe('identical lines', () => {
  it('a 临时 and a 长期 order of one drug on one day are not a double entry', () => {
    expect(doubleEntries([false, true])).toEqual([]);
    expect(doubleEntries([true, false])).toEqual([]);
  });

  it('the same line twice still is, 临时 or 长期', () => {
    for (const flags of [
      [false, false],
      [true, true],
    ] as [boolean, boolean][]) {
      const [r, ...more] = doubleEntries(flags);
      expect(more).toEqual([]);
      expect(r!.rule_name).toBe('结算明细信息异常');
      expect(r!.vola_cont).toBe('数据质量：同一项目同日同金额重复录入：地屈孕酮片。');
    }
  });
});
