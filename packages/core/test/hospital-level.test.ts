import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { flaggedRx, type LineSpec, resultsOf, run } from './support/requests';

// 药品限医疗机构级别 on real national codes. The GLP-1 points say 「首次处方时需由二级及以上医疗机构专科医师开具处方」:
// only the first prescription needs the level.
const lib = nationalLibrary();
const LEVEL = 'GZ10000101012000';

const DULAGLUTIDE = 'XA10BJD332B002010178403'; // 度拉糖肽注射液, 二级 (首次处方)
const DULAGLUTIDE_OTHER_PACK = 'XA10BJD332B002010183013'; // 度拉糖肽注射液, another maker's code of the same point
const LIXISENATIDE = 'XA10BJL366B002010181708'; // 利司那肽注射液, 二级 (首次处方)
const FARICIMAB = 'XS01LAF740G003010181735'; // 法瑞西单抗注射液, 三级 on every prescription

const diabetic = { diagnoses: ['E11.900'], medins_lv: '1' };

function levelResults(lines: LineSpec[], history: LineSpec[] = [], medins_lv = '1') {
  const spec = { ...diabetic, medins_lv, lines };
  const before = { mdtrt_id: 'MDTRT-0', adm_date: '2026-10-20 08:30:00', lines: history };
  const withHistory = history.length > 0 ? { ...spec, history: [before] } : spec;
  return resultsOf(run(lib, withHistory), LEVEL);
}

const earlier = { current: false, date: '2026-10-20 09:00:00' };

describe('min_hospital_level on a 首次处方 point', () => {
  it('a first prescription of 度拉糖肽 at a level-1 hospital fires (sev 1)', () => {
    const [r] = levelResults([{ code: DULAGLUTIDE, rx_id: 'NEW', pric: 300 }]);
    expect(flaggedRx(r!)).toEqual(['NEW']);
    expect(r!.sev_deg).toBe('1');
    expect(r!.vola_amt).toBe(300);
  });

  it('a refill at a level-1 hospital after an earlier encounter with 度拉糖肽 (another maker’s code) does not', () => {
    expect(levelResults([{ code: DULAGLUTIDE }], [{ code: DULAGLUTIDE_OTHER_PACK, ...earlier }])).toEqual([]);
  });

  it('nor after an earlier order of it in this encounter', () => {
    const lines = [{ code: DULAGLUTIDE, ...earlier }, { code: DULAGLUTIDE }];
    expect(levelResults(lines)).toEqual([]);
  });

  it('an earlier encounter with another GLP-1 (利司那肽) is not this drug’s first prescription: it fires', () => {
    const [r] = levelResults([{ code: DULAGLUTIDE, rx_id: 'NEW' }], [{ code: LIXISENATIDE, ...earlier }]);
    expect(flaggedRx(r!)).toEqual(['NEW']);
  });

  it('two lines of it on today’s prescription at the same time are both the first prescription', () => {
    const [r] = levelResults([
      { code: DULAGLUTIDE, rx_id: 'A' },
      { code: DULAGLUTIDE, rx_id: 'B' },
    ]);
    expect(flaggedRx(r!).sort()).toEqual(['A', 'B']);
    // One begun earlier today is the first; the later one is a repeat.
    const [later] = levelResults([
      { code: DULAGLUTIDE, rx_id: 'AM', date: '2026-11-20 08:00:00' },
      { code: DULAGLUTIDE, rx_id: 'PM', date: '2026-11-20 10:00:00' },
    ]);
    expect(flaggedRx(later!)).toEqual(['AM']);
  });
});

describe('min_hospital_level on a point that binds every prescription', () => {
  it('法瑞西单抗 at a level-2 hospital fires even after an earlier injection (its 首次处方 clause is about eyesight)', () => {
    const [r] = levelResults([{ code: FARICIMAB, rx_id: 'NEW' }], [{ code: FARICIMAB, ...earlier }], '2');
    expect(flaggedRx(r!)).toEqual(['NEW']);
  });
});
