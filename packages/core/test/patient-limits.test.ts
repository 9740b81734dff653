import { describe, expect, it } from 'vitest';
import type { AnalysisInput } from '../src/envelope/national-types';
import { nationalLibrary } from './support/national';
import { analysisInput, flaggedRx, resultsOf, run } from './support/requests';

const lib = nationalLibrary();
const SEX_DRUG = 'GZ10000301004000';
const CHILD_DRUG = 'GZ10000301002000';
const CHILD_ONLY_POLICY = 'GZ10000101007000';
const CHILD_SERVICE = 'GZ10000302003000';
const AGE_RANGE = 'PA-SVC-AGE-RANGE';

// 阿帕他胺片 (male only), 艾附暖宫丸 (female only) — batch 1.
const APALUTAMIDE = 'XL02BBA326A001010102180';
const AIFU_PILL = 'ZD03AAA0043010100166';
// 儿童清肺口服液 (儿童专用), 咪达唑仑口服溶液 (药品限儿童使用), 新生儿测颅压, 婴幼儿健康体检, 职业功能训练.
const CHILD_SYRUP = 'ZA04CAE0023010100166';
const MIDAZOLAM_ORAL = 'XN05CDM084X001010102000';
const NEONATE_ICP = '003112020020000';
const INFANT_CHECKUP = '001301000010000';
const VOCATIONAL_TRAINING = '003402000320000';

describe('sex', () => {
  it('flags a male-only drug for a female patient with the line amount', () => {
    const out = run(lib, {
      gend: '2',
      lines: [{ code: APALUTAMIDE, rx_id: 'L1', cnt: 2, pric: 120.5, name: '阿帕他胺片' }],
    });
    const [r] = resultsOf(out, SEX_DRUG);
    expect(r).toBeDefined();
    expect(flaggedRx(r!)).toEqual(['L1']);
    expect(r!.vola_amt).toBe(241);
    expect(r!.sev_deg).toBe('2');
    expect(r!.vola_cont).toContain('阿帕他胺片');
    expect(r!.vola_cont).toContain('男');
    expect(r!.vola_cont).toContain('女');
    expect(r!.vola_evid).toContain('前列腺癌');
  });

  it('does not flag the matching sex, and never when the sex is unknown (0, 9, missing)', () => {
    expect(resultsOf(run(lib, { gend: '1', lines: [{ code: APALUTAMIDE }] }), SEX_DRUG)).toEqual([]);
    expect(resultsOf(run(lib, { gend: '2', lines: [{ code: AIFU_PILL }] }), SEX_DRUG)).toEqual([]);
    for (const gend of ['0', '9', '']) {
      expect(resultsOf(run(lib, { gend, lines: [{ code: APALUTAMIDE }, { code: AIFU_PILL }] }), SEX_DRUG)).toEqual([]);
    }
  });

  it('reads gend as real clients send it: padded, the word, the letter, any case', () => {
    for (const gend of ['2', '02', ' 2', '2 ', '女', 'F', 'f', '2.0']) {
      const out = run(lib, { gend, lines: [{ code: APALUTAMIDE, rx_id: 'L1' }] });
      expect(resultsOf(out, SEX_DRUG).map(flaggedRx), JSON.stringify(gend)).toEqual([['L1']]);
    }
    for (const gend of ['1', '01', ' 1', '男', 'M', 'm']) {
      const out = run(lib, { gend, lines: [{ code: AIFU_PILL }] });
      expect(resultsOf(out, SEX_DRUG), JSON.stringify(gend)).toHaveLength(1);
      expect(resultsOf(run(lib, { gend, lines: [{ code: APALUTAMIDE }] }), SEX_DRUG)).toEqual([]);
    }
  });

  it('a gend that names no sex is said (data_quality, naming the field and value), not skipped in silence', () => {
    for (const gend of ['X', '3', '女性?']) {
      const out = run(lib, { gend, lines: [{ code: APALUTAMIDE }] });
      expect(resultsOf(out, SEX_DRUG), gend).toEqual([]);
      const quality = resultsOf(out, 'GZ10000201002000').map((r) => r.vola_cont);
      expect(quality, gend).toContain(
        `数据质量：性别 gend 值 ${JSON.stringify(gend)} 无法识别（应为 1 男、2 女、0/9 未知），性别限定无法判断。`,
      );
    }
    // 0, 9 and missing say "unknown" (rules.md): nothing to report.
    for (const gend of ['0', '9', '', ' 9']) {
      const out = run(lib, { gend, lines: [{ code: APALUTAMIDE }] });
      const quality = resultsOf(out, 'GZ10000201002000').map((r) => r.vola_cont);
      expect(quality.join(), JSON.stringify(gend)).not.toContain('gend');
    }
  });

  it('flags a female-only drug for a male patient', () => {
    expect(resultsOf(run(lib, { gend: '1', lines: [{ code: AIFU_PILL }] }), SEX_DRUG)).toHaveLength(1);
  });

  it('never flags context lines (curr_drord_flag 0)', () => {
    const out = run(lib, { gend: '2', lines: [{ code: APALUTAMIDE, current: false }, { code: AIFU_PILL }] });
    expect(resultsOf(out, SEX_DRUG)).toEqual([]);
  });
});

describe('age_group', () => {
  it('儿童 ceiling is 14 full years: 14 years 364 days passes, 15 years fires', () => {
    const at = '2026-11-20 09:00:00';
    expect(resultsOf(run(lib, { brdy: '2011-11-21', lines: [{ code: CHILD_SYRUP, date: at }] }), CHILD_DRUG)).toEqual(
      [],
    );
    const out = run(lib, { brdy: '2011-11-20', lines: [{ code: CHILD_SYRUP, date: at, rx_id: 'C1' }] });
    const [r] = resultsOf(out, CHILD_DRUG);
    expect(flaggedRx(r!)).toEqual(['C1']);
    expect(r!.vola_cont).toContain('15 周岁');
  });

  it('a 小儿 drug whose basis says the label gives adult dosing still has the 14-year ceiling (rules.md)', () => {
    // 小儿乳酸菌素片, 小儿硫酸庆大霉素颗粒, 小儿复方磺胺嘧啶颗粒: "（药品说明书包含成人用法用量）", 检测逻辑 「就诊人年龄超出儿童
    // 年龄限制」. They used to have no ceiling and so could never fire.
    const at = '2026-11-20 09:00:00';
    for (const code of ['XA07FAX121A001010102966', 'XJ01GBX119N001010105699', 'XJ01EEX110N001010102851']) {
      expect(resultsOf(run(lib, { brdy: '2011-11-21', lines: [{ code, date: at }] }), CHILD_DRUG), code).toEqual([]);
      const fired = resultsOf(run(lib, { brdy: '2011-11-20', lines: [{ code, date: at, rx_id: 'A1' }] }), CHILD_DRUG);
      expect(fired, code).toHaveLength(1);
      expect(flaggedRx(fired[0]!)).toEqual(['A1']);
      expect(fired[0]!.sev_deg).toBe('2');
      expect(fired[0]!.vola_cont).toContain('限儿童（14 周岁及以下）使用，患者年龄 15 周岁（说明书虽含成人用法用量');
    }
    const [adult] = resultsOf(
      run(lib, { brdy: '1991-05-01', lines: [{ code: 'XA07FAX121A001010102966' }] }),
      CHILD_DRUG,
    );
    expect(adult!.vola_evid).toContain('药品说明书包含成人用法用量');
    // A 小儿 drug without the note says nothing of adult dosing.
    const [plain] = resultsOf(run(lib, { brdy: '1991-05-01', lines: [{ code: CHILD_SYRUP }] }), CHILD_DRUG);
    expect(plain!.vola_cont).not.toContain('成人用法用量');
  });

  it('药品限儿童使用 is a 政策类 rule: 明确违规 (sev 1)', () => {
    const [r] = resultsOf(run(lib, { brdy: '1990-01-01', lines: [{ code: MIDAZOLAM_ORAL }] }), CHILD_ONLY_POLICY);
    expect(r!.sev_deg).toBe('1');
    expect(r!.vola_bhvr_type).toBe('1');
  });

  it('新生儿 is 28 days: day 28 passes, day 29 fires', () => {
    const at = '2026-11-29 10:00:00';
    expect(
      resultsOf(run(lib, { brdy: '2026-11-01', lines: [{ code: NEONATE_ICP, date: at }] }), CHILD_SERVICE),
    ).toEqual([]);
    const fired = resultsOf(run(lib, { brdy: '2026-10-31', lines: [{ code: NEONATE_ICP, date: at }] }), CHILD_SERVICE);
    expect(fired).toHaveLength(1);
    expect(fired[0]!.vola_cont).toContain('第 29 天');
  });

  it('婴幼儿 is under 3 years: the day before the 3rd birthday passes, the birthday fires', () => {
    const at = '2026-11-20 10:00:00';
    expect(
      resultsOf(run(lib, { brdy: '2023-11-21', lines: [{ code: INFANT_CHECKUP, date: at }] }), CHILD_SERVICE),
    ).toEqual([]);
    expect(
      resultsOf(run(lib, { brdy: '2023-11-20', lines: [{ code: INFANT_CHECKUP, date: at }] }), CHILD_SERVICE),
    ).toHaveLength(1);
  });

  it('uses the line date, not today, for the age', () => {
    // 15th birthday on 2026-11-20; an order dated the day before is still a child's.
    const out = run(lib, { brdy: '2011-11-20', lines: [{ code: CHILD_SYRUP, date: '2026-11-19 23:59:59' }] });
    expect(resultsOf(out, CHILD_DRUG)).toEqual([]);
  });

  it('a missing birth date decides no age limit and says so (data_quality), without refusing the request', () => {
    for (const brdy of ['', null, undefined]) {
      const input = analysisInput({ lines: [{ code: CHILD_SYRUP }] });
      const patient = input.data.patient_dtos[0] as unknown as Record<string, unknown>;
      if (brdy === undefined) delete patient.brdy;
      else patient.brdy = brdy;
      const out = run(lib, input);
      expect(resultsOf(out, CHILD_DRUG), String(brdy)).toEqual([]);
      const quality = resultsOf(out, 'GZ10000201002000').map((r) => r.vola_cont);
      expect(quality, String(brdy)).toContain('数据质量：未传出生日期，年龄限定无法判断。');
    }
    // With a birth date there is no such reminder.
    const dated = run(lib, { brdy: '2010-01-01', lines: [{ code: CHILD_SYRUP }] });
    expect(
      resultsOf(dated, 'GZ10000201002000')
        .map((r) => r.vola_cont)
        .join(),
    ).not.toContain('出生日期');
  });

  it('takes configured ceilings', () => {
    const spec = { brdy: '2010-01-01', lines: [{ code: CHILD_SYRUP }] };
    expect(resultsOf(run(lib, spec), CHILD_DRUG)).toHaveLength(1);
    const config = { ageCeilings: { neonateMaxDays: 28, infantBelowYears: 3, childMaxYears: 17 } };
    expect(resultsOf(run(lib, spec, config), CHILD_DRUG)).toEqual([]);
  });
});

describe('age_group with the range its basis states', () => {
  // All 药品限儿童使用 (GZ10000101007000, 政策类, sev 1) points of batch 1 whose basis states the ages.
  const at = '2026-11-20 10:00:00';
  /** Born on 2026-11-20 minus `years` years (and `days` more days): exactly that many full years on `at`. */
  const born = (years: number, days = 0) => {
    const d = new Date(Date.UTC(2026 - years, 10, 20 - days));
    return d.toISOString().slice(0, 10);
  };
  const fires = (code: string, brdy: string, rule = CHILD_ONLY_POLICY) =>
    resultsOf(run(lib, { brdy, lines: [{ code, date: at }] }), rule);
  // 盐酸可乐定缓释片 限6-17岁, 波生坦分散片 限3-12岁, 复方聚乙二醇(3350)电解质散 限2岁至11岁,
  // 玛巴洛沙韦干混悬剂 限5至12岁以下, 硫酸氢司美替尼胶囊 限3岁及3岁以上; 药品儿童专用 (CHILD_DRUG):
  // 小儿多种维生素注射液(13) 11周岁以下, 消旋卡多曲颗粒 1月以上.
  const CLONIDINE_ER = 'XN06BAK062A010010180923';
  const BOSENTAN_DISP = 'XC02KXB144A006010103973';
  const PEG_3350 = 'XA06ADF336P001010100233';
  const BALOXAVIR_SUSP = 'XJ05AXM176X006010181735';
  const SELUMETINIB = 'XL01EEQ180E001010178241';
  const PAED_VITAMINS = 'XB05BAX241B002010103889';
  const RACECADOTRIL = 'XA07XAX061N001010101521';

  it('clonidine ER (限6-17岁): 16 does not fire, 4 does, 6 and 17 pass, a day short of 6 and 18 fire', () => {
    expect(fires(CLONIDINE_ER, born(16))).toEqual([]);
    const [r] = fires(CLONIDINE_ER, born(4));
    expect(r!.sev_deg).toBe('1');
    expect(r!.vola_cont).toBe('【盐酸可乐定缓释片】限儿童（6–17 周岁）使用，患者年龄 4 周岁。');
    expect(r!.vola_evid).toContain('限6-17岁');
    expect(fires(CLONIDINE_ER, born(6))).toEqual([]);
    expect(fires(CLONIDINE_ER, born(6, -1))).toHaveLength(1); // 5 years 364 days
    expect(fires(CLONIDINE_ER, born(17, 364))).toEqual([]); // 17, the day before turning 18
    expect(fires(CLONIDINE_ER, born(18))[0]!.vola_cont).toContain('患者年龄 18 周岁');
  });

  it('bosentan dispersible (限3-12岁): 14 fires, 12 passes, 2 fires', () => {
    const [r] = fires(BOSENTAN_DISP, born(14));
    expect(r!.vola_cont).toBe('【波生坦分散片】限儿童（3–12 周岁）使用，患者年龄 14 周岁。');
    expect(fires(BOSENTAN_DISP, born(12, 364))).toEqual([]);
    expect(fires(BOSENTAN_DISP, born(3))).toEqual([]);
    expect(fires(BOSENTAN_DISP, born(3, -1))).toHaveLength(1);
  });

  it('"2岁至11岁" includes both ends; "5至12岁以下" stops before 12', () => {
    expect(fires(PEG_3350, born(2))).toEqual([]);
    expect(fires(PEG_3350, born(11, 364))).toEqual([]);
    expect(fires(PEG_3350, born(12))[0]!.vola_cont).toContain('限儿童（2–11 周岁）');
    expect(fires(PEG_3350, born(2, -1))).toHaveLength(1);
    expect(fires(BALOXAVIR_SUSP, born(5))).toEqual([]);
    expect(fires(BALOXAVIR_SUSP, born(11, 364))).toEqual([]);
    const [r] = fires(BALOXAVIR_SUSP, born(12));
    expect(r!.vola_cont).toBe('【玛巴洛沙韦干混悬剂】限儿童（5 周岁及以上、不满 12 周岁）使用，患者年龄 12 周岁。');
    expect(fires(BALOXAVIR_SUSP, born(5, -1))).toHaveLength(1);
  });

  it('a stated minimum keeps the 14-year ceiling, a stated "以下" maximum replaces it, no stated age keeps it', () => {
    expect(fires(SELUMETINIB, born(3))).toEqual([]);
    expect(fires(SELUMETINIB, born(14, 364))).toEqual([]);
    expect(fires(SELUMETINIB, born(2, 364))[0]!.vola_cont).toContain('限儿童（3–14 周岁）');
    expect(fires(SELUMETINIB, born(15))).toHaveLength(1);
    expect(fires(PAED_VITAMINS, born(10, 364), CHILD_DRUG)).toEqual([]);
    expect(fires(PAED_VITAMINS, born(11), CHILD_DRUG)[0]!.vola_cont).toContain('限儿童（不满 11 周岁）');
    // 消旋卡多曲颗粒 "用于1月以上婴儿和儿童": full months.
    expect(fires(RACECADOTRIL, '2026-10-20', CHILD_DRUG)).toEqual([]);
    expect(fires(RACECADOTRIL, '2026-10-21', CHILD_DRUG)[0]!.vola_cont).toBe(
      '【消旋卡多曲颗粒】限儿童（1 个月及以上、14 周岁及以下）使用，患者出生第 30 天。',
    );
    // Without a stated age the ceiling stays. 咪达唑仑口服溶液: 限：1.儿童诊断或治疗性操作前…；2.儿童术前镇静….
    expect(fires(MIDAZOLAM_ORAL, born(14, 364))).toEqual([]);
    expect(fires(MIDAZOLAM_ORAL, born(1))).toEqual([]);
    expect(fires(MIDAZOLAM_ORAL, born(15))[0]!.vola_cont).toContain('限儿童（14 周岁及以下）');
  });
});

describe('age_range (法定就业年龄 16–60)', () => {
  it('fires below 16 and above 60 full years, not at 16 or 60', () => {
    const at = '2026-11-20 10:00:00';
    const age = (brdy: string) =>
      resultsOf(run(lib, { brdy, lines: [{ code: VOCATIONAL_TRAINING, date: at }] }), AGE_RANGE);
    expect(age('2010-11-21')).toHaveLength(1); // 15
    expect(age('2010-11-20')).toEqual([]); // 16
    expect(age('1966-11-20')).toEqual([]); // 60
    expect(age('1965-11-21')).toEqual([]); // 60, a day before turning 61
    const [r] = age('1965-11-20'); // 61
    expect(r!.sev_deg).toBe('1');
    expect(r!.vola_cont).toContain('61 周岁');
  });
});

describe('several patients in one request', () => {
  it('matches each patient’s lines to the same points separately, the sex of each deciding for its own lines', () => {
    const one = analysisInput({ gend: '2', mdtrt_id: 'M-A', lines: [{ code: APALUTAMIDE, rx_id: 'A1' }] });
    const two = analysisInput({
      gend: '1',
      mdtrt_id: 'M-B',
      lines: [
        { code: APALUTAMIDE, rx_id: 'B1' },
        { code: AIFU_PILL, rx_id: 'B2' },
      ],
    });
    const three = analysisInput({
      gend: '2',
      mdtrt_id: 'M-C',
      lines: [
        { code: AIFU_PILL, rx_id: 'C1' },
        { code: APALUTAMIDE, rx_id: 'C2' },
        { code: APALUTAMIDE, rx_id: 'C3', date: '2026-11-20 10:00:00' },
      ],
    });
    const patients = [one, two, three].map((input, i) => ({
      ...input.data.patient_dtos[0]!,
      patn_id: `PSN-${i}`,
    }));
    const input = { data: { ...one.data, patient_dtos: patients } } as AnalysisInput;
    const results = resultsOf(run(lib, input), SEX_DRUG);
    expect(results.map((r) => [r.mdtrt_id, flaggedRx(r)]).sort()).toEqual([
      ['M-A', ['A1']],
      ['M-B', ['B2']],
      ['M-C', ['C2', 'C3']],
    ]);
    // The same request again: nothing carried over from the first evaluation.
    expect(resultsOf(run(lib, structuredClone(input)), SEX_DRUG)).toHaveLength(3);
  });
});
