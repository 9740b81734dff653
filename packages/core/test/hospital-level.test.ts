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

describe('min_hospital_level with a specialty-hospital alternative (需三级医院眼科或二级及以上眼科专科医院医师处方)', () => {
  // Review F1, its request: 雷珠单抗注射液 at medins_lv 21 (二级), diabetic macular oedema.
  const RANIBIZUMAB = 'XS01LAL328B002010104021';
  const INJECTIONS = {
    雷珠单抗注射液: RANIBIZUMAB,
    康柏西普眼用注射液: 'XS01LAK119B023010109681',
    阿柏西普眼内注射溶液: 'XS01LAA308G003010104021',
    法瑞西单抗注射液: FARICIMAB,
    地塞米松玻璃体内植入剂: 'XS01LXD085J005010178976',
  };
  const inject = (code: string, medins_lv: string, config?: Parameters<typeof run>[2]) =>
    resultsOf(
      run(
        lib,
        { diagnoses: ['E11.300x001', 'H35.800x'], medins_lv, lines: [{ code, rx_id: 'INJ', pric: 1500 }] },
        config,
      ),
      LEVEL,
    );

  it('at a 二级 hospital asks to confirm (sev 3, confirm, no amount), naming the eye hospital the basis admits', () => {
    const [r, ...rest] = inject(RANIBIZUMAB, '21');
    expect(rest).toEqual([]);
    expect([r!.sev_deg, r!.wf_impact, r!.vola_amt]).toEqual(['3', 'confirm', 0]);
    expect(flaggedRx(r!)).toEqual(['INJ']);
    expect(r!.vola_cont).toBe(
      '【雷珠单抗注射液】限三级及以上医疗机构或二级及以上眼科专科医院使用，本机构等级代码 21，按二级医疗机构判断，请确认本院是否为眼科专科医院。',
    );
    // Its 依据 says the same.
    expect(r!.vola_evid).toContain('需三级医院眼科或二级及以上眼科专科医院医师处方');
  });

  it('below 二级 it is 明确违规 as before (sev 1, the line’s amount), the message naming the alternative too', () => {
    const [r] = inject(RANIBIZUMAB, '11');
    expect([r!.sev_deg, r!.wf_impact, r!.vola_amt]).toEqual(['1', 'reason', 1500]);
    expect(r!.vola_cont).toBe(
      '【雷珠单抗注射液】限三级及以上医疗机构或二级及以上眼科专科医院使用，本机构等级代码 11，按一级医疗机构判断。',
    );
    expect(inject(RANIBIZUMAB, '31')).toEqual([]);
  });

  it('every one of the five injections reads so', () => {
    for (const [name, code] of Object.entries(INJECTIONS)) {
      expect(
        inject(code, '2').map((r) => [r.sev_deg, r.vola_cont.includes('二级及以上眼科专科医院')]),
        name,
      ).toEqual([['3', true]]);
      expect(
        inject(code, '1').map((r) => r.sev_deg),
        name,
      ).toEqual(['1']);
    }
  });

  it('a workstation that says it is an eye hospital (specialtyHospital) is not asked at 二级, and still told below it', () => {
    const eyeHospital = { specialtyHospital: ['眼科'] };
    expect(inject(RANIBIZUMAB, '21', eyeHospital)).toEqual([]);
    expect(inject(RANIBIZUMAB, '21', { hospitalLevel: 2, specialtyHospital: ['眼科'] })).toEqual([]);
    expect(inject(RANIBIZUMAB, '11', eyeHospital).map((r) => r.sev_deg)).toEqual(['1']);
    // Another specialty does not meet it.
    expect(inject(RANIBIZUMAB, '21', { specialtyHospital: ['口腔科'] }).map((r) => r.sev_deg)).toEqual(['3']);
  });

  it('a workstation severity override still wins', () => {
    const override = { ruleOverrides: { [LEVEL]: { severity: 1 as const } } };
    expect(inject(RANIBIZUMAB, '21', override).map((r) => [r.sev_deg, r.wf_impact])).toEqual([['1', 'reason']]);
  });
});
