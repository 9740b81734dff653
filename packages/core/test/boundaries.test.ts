import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { flaggedRx, involvedRx, resultsOf, run } from './support/requests';

// Boundaries of the encounter, quantity and class checks, on real published codes. The request time of `run` is
// 2026-11-20 14:00 Shanghai.
const lib = nationalLibrary();
const INTERNET = 'PA-DRUG-INTERNET-VISIT';
const VISIT = 'PA-DRUG-VISIT-TYPE';
const LEVEL = 'GZ10000101012000';
const SVC_PAY_DAYS = 'GZ10000102010000';
const N_DAYS = 'PA-SVC-QTY-PER-N-DAYS';
const CLASS_DUP = 'GZ10000301006000';

const FENTANYL_PATCH = 'XN02ABF027V002010101389'; // 芬太尼透皮贴剂, 互联网诊疗不得开具
const OMEGA3_EMULSION = 'XB05BAU012B002010102180'; // ω-3…注射液, 限住院
const FARICIMAB = 'XS01LAF740G003010181735'; // 法瑞西单抗注射液, 限三级
const HAND_ASSESSMENT = '003402000050000'; // 手功能评定: 总时间不超过90天，评定间隔时间不短于14天
const HBA1C = '002503020030000'; // 糖化血红蛋白测定, 1/15天
const ABIRATERONE = 'XL02BBA292A001010206716'; // 醋酸阿比特龙片, ATC L02BB
const APALUTAMIDE = 'XL02BBA326A001010102180'; // 阿帕他胺片, ATC L02BB

const day = (d: number) => `2026-11-${String(d).padStart(2, '0')} 09:00:00`;

describe('internet_visit', () => {
  it('the default internet-hospital med_type 9901 fires for a controlled drug', () => {
    const [r] = resultsOf(run(lib, { med_type: '9901', lines: [{ code: FENTANYL_PATCH, rx_id: 'I1' }] }), INTERNET);
    expect(flaggedRx(r!)).toEqual(['I1']);
    expect(r!.vola_cont).toContain('互联网诊疗');
  });

  it('an ordinary outpatient med_type 11 does not fire under the default configuration', () => {
    expect(resultsOf(run(lib, { med_type: '11', lines: [{ code: FENTANYL_PATCH }] }), INTERNET)).toEqual([]);
  });
});

describe('visit_type (限住院) with med_mdtrt_type 1', () => {
  it('med_type 2x (住院 types) is not an outpatient visit: 限住院 does not fire', () => {
    for (const medType of ['21', '24']) {
      const out = run(lib, { med_mdtrt_type: '1', med_type: medType, lines: [{ code: OMEGA3_EMULSION }] });
      expect(resultsOf(out, VISIT)).toEqual([]);
    }
  });

  it('med_type 11 with the same med_mdtrt_type fires', () => {
    const out = run(lib, { med_mdtrt_type: '1', med_type: '11', lines: [{ code: OMEGA3_EMULSION, rx_id: 'V1' }] });
    expect(flaggedRx(resultsOf(out, VISIT)[0]!)).toEqual(['V1']);
  });
});

describe('min_hospital_level (限三级)', () => {
  it('a 二级 hospital (medins_lv 2) fires, a 三级 one (medins_lv 3) passes', () => {
    const [r] = resultsOf(run(lib, { medins_lv: '2', lines: [{ code: FARICIMAB, rx_id: 'L1' }] }), LEVEL);
    expect(flaggedRx(r!)).toEqual(['L1']);
    expect(r!.vola_cont).toContain('三级');
    expect(r!.vola_cont).toContain('二级');
    expect(resultsOf(run(lib, { medins_lv: '3', lines: [{ code: FARICIMAB }] }), LEVEL)).toEqual([]);
  });

  it('config.hospitalLevel 2 fires and 3 passes, whatever medins_lv says', () => {
    const at = (medins_lv: string, hospitalLevel: 2 | 3) =>
      resultsOf(run(lib, { medins_lv, lines: [{ code: FARICIMAB }] }, { hospitalLevel }), LEVEL);
    expect(at('3', 2)).toHaveLength(1);
    expect(at('2', 3)).toEqual([]);
  });
});

describe('max_pay_days_text (手功能评定, batch 8 prose)', () => {
  it('评定间隔不短于14天: a repeat 13 days after the last one fires, 14 days after passes; one warning, not two', () => {
    // The prose's interval is also a 医疗服务项目周期超频次 point of its own (1/14天): that point decides, and the
    // course rule does not repeat it.
    const first = { code: HAND_ASSESSMENT, date: day(1), current: false };
    const tooSoon = run(lib, { lines: [first, { code: HAND_ASSESSMENT, rx_id: 'H14', date: day(14) }] });
    const [r] = resultsOf(tooSoon, N_DAYS);
    expect(flaggedRx(r!)).toEqual(['H14']);
    expect(r!.vola_cont).toContain('14 天内 1 次');
    expect(resultsOf(tooSoon)).toHaveLength(1);
    expect(resultsOf(run(lib, { lines: [first, { code: HAND_ASSESSMENT, date: day(15) }] }), N_DAYS)).toEqual([]);
  });

  it('总时间不超过90天: the 90th day of use passes, the 91st is flagged', () => {
    // A running order from the given day to 2026-11-19, then the current assessment on 2026-11-20.
    const since = (begin: string) => ({
      lines: [
        { code: HAND_ASSESSMENT, rx_id: 'CTX', current: false, long: true, date: begin, stop: '2026-11-19 09:00:00' },
        { code: HAND_ASSESSMENT, rx_id: 'NOW', date: day(20) },
      ],
    });
    // 2026-08-23 … 2026-11-19 is 89 days: today is the 90th.
    expect(resultsOf(run(lib, since('2026-08-23 09:00:00')), SVC_PAY_DAYS)).toEqual([]);
    // 2026-08-22 … 2026-11-19 is 90 days: today is the 91st.
    const [r] = resultsOf(run(lib, since('2026-08-22 09:00:00')), SVC_PAY_DAYS);
    expect(flaggedRx(r!)).toEqual(['NOW']);
    expect(involvedRx(r!)).toEqual(['CTX']);
    expect(r!.vola_cont).toContain('90 天');
    expect(r!.vola_cont).toContain('91 天');
  });
});

describe('max_qty_per_n_days (1/15天)', () => {
  it('糖化血红蛋白测定 again on day 15 of the window fires; on day 16 the first falls out of it', () => {
    const first = { code: HBA1C, date: day(1), current: false, pric: 40 };
    const [r] = resultsOf(run(lib, { lines: [first, { code: HBA1C, rx_id: 'G15', date: day(15), pric: 40 }] }), N_DAYS);
    expect(flaggedRx(r!)).toEqual(['G15']);
    expect(r!.vola_amt).toBe(40);
    expect(resultsOf(run(lib, { lines: [first, { code: HBA1C, date: day(16) }] }), N_DAYS)).toEqual([]);
  });
});

describe('drug_class_duplicate: context long-term orders', () => {
  const withContext = (stop: string) =>
    run(lib, {
      gend: '1',
      lines: [
        { code: APALUTAMIDE, rx_id: 'NEW' },
        { code: ABIRATERONE, rx_id: 'OLD', current: false, long: true, date: day(1), stop },
      ],
    });

  // The new line begins at 09:00: an order stopped at 08:00 today was switched for it (drug-class-duplicate.test.ts).
  it('an order of the same class that stops today after the new one begins is still active', () => {
    const [r] = resultsOf(withContext('2026-11-20 10:00:00'), CLASS_DUP);
    expect(flaggedRx(r!)).toEqual(['NEW']);
    expect(involvedRx(r!)).toEqual(['OLD']);
  });

  it('one that stopped yesterday is not', () => {
    expect(resultsOf(withContext('2026-11-19 23:59:00'), CLASS_DUP)).toEqual([]);
  });
});
