import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { evening, flaggedRx, inpatient, involvedRx, type LineSpec, resultsOf, run } from './support/requests';

// A readmission on the day of a discharge: the ward's first 3101 of the new stay sends the finished stay as history
// (its 床位费 and 住院诊查费 long-term orders open, ended by its discharge at 10:00) and the new stay's orders from
// 15:00 as current. Real national codes, 医疗服务项目限定频次 1/日.
const lib = nationalLibrary();
const FREQ = 'GZ10000102014000';
const WARD_BED = '001109000010000'; // 普通病房床位费, 1/日
const INPATIENT_VISIT_FEE = '001102000050000'; // 住院诊查费, 1/日

const finished = (mdtrt_id: string, dscg_date: string) => ({
  mdtrt_id,
  adm_date: '2026-11-10 09:00:00',
  dscg_date,
  lines: [WARD_BED, INPATIENT_VISIT_FEE].map(
    (code, i): LineSpec => ({
      code,
      rx_id: `OLD-${i}`,
      pric: 50,
      long: true,
      date: '2026-11-10 09:10:00',
      current: false,
    }),
  ),
});
const newStay: LineSpec[] = [WARD_BED, INPATIENT_VISIT_FEE].map((code, i) => ({
  code,
  rx_id: `NEW-${i}`,
  pric: 50,
  long: true,
  date: '2026-11-15 15:00:00',
}));

const freq = (mdtrt_id: string, history: ReturnType<typeof finished>) =>
  resultsOf(
    run(
      lib,
      { ...inpatient('2026-11-15 14:30:00'), mdtrt_id, history: [history], lines: newStay },
      undefined,
      '3101',
      evening(15),
    ),
    FREQ,
  );

describe('the open orders of a stay end at its discharge, not at the end of that day (1/日)', () => {
  it('a readmission at 15:00 after a 10:00 discharge is one bed and one 诊查费 that day, under a new or the same mdtrt_id', () => {
    expect(freq('ZY0002', finished('ZY0001', '2026-11-15 10:00:00'))).toEqual([]);
    // A HIS that reuses its 住院号: the copies show two admissions, the earlier history (normalize/admissions.ts).
    expect(freq('ZY0001', finished('ZY0001', '2026-11-15 10:00:00'))).toEqual([]);
  });

  it('orders of the new stay begun before the old stay’s recorded discharge still add up', () => {
    const results = freq('ZY0002', finished('ZY0001', '2026-11-15 16:00:00'));
    expect(results).toHaveLength(2);
    for (const r of results) {
      expect(r.vola_cont).toContain('2026-11-15 累计 2 次，超出 1 次');
      expect(r.vola_amt).toBe(50);
      expect(flaggedRx(r)).toHaveLength(1);
      expect(flaggedRx(r)[0]).toMatch(/^NEW-/);
      expect(involvedRx(r)[0]).toMatch(/^OLD-/);
    }
  });

  it('a discharge sent as a date alone does not say when: the old orders count the whole day, as before', () => {
    expect(freq('ZY0002', finished('ZY0001', '2026-11-15'))).toHaveLength(2);
  });
});
