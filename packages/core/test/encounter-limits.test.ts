import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { analysisInput, flaggedRx, resultsOf, run } from './support/requests';

const lib = nationalLibrary();
const WORK_INJURY = 'GZ10000101001000';
const MATERNITY = 'GZ10000101002000';
const VISIT = 'PA-DRUG-VISIT-TYPE';
const LEVEL = 'GZ10000101012000';
const INTERNET = 'PA-DRUG-INTERNET-VISIT';

const SCAR_CREAM = 'ZH01AAB0066010100716'; // 疤痕止痒软化膏, 限工伤保险
const DINOPROSTONE = 'XG02ADD082D003010179504'; // 地诺前列酮栓, 限生育保险
const ANGONG = 'ZA07AAA0061010100166'; // 安宫牛黄丸, 限急诊或住院
const OMEGA3_EMULSION = 'XB05BAU012B002010102180'; // ω-3…注射液, 限住院
const AIDI = 'ZC01AAA0042010105549'; // 艾迪注射液, 限二级及以上
const FENTANYL_PATCH = 'XN02ABF027V002010101389'; // 芬太尼透皮贴剂, 互联网诊疗不得开具

describe('insurance_type', () => {
  it('工伤: no basic-medical insutype meets it by default; a configured one does', () => {
    const spec = { insutype: '310', lines: [{ code: SCAR_CREAM, rx_id: 'W1' }] };
    const [r] = resultsOf(run(lib, spec), WORK_INJURY);
    expect(flaggedRx(r!)).toEqual(['W1']);
    expect(r!.sev_deg).toBe('1');
    expect(r!.vola_cont).toContain('工伤保险');
    expect(
      resultsOf(
        run(lib, spec, { insurance: { maternityInsutypes: ['510'], workInjuryInsutypes: ['310'] } }),
        WORK_INJURY,
      ),
    ).toEqual([]);
  });

  it('生育: met by insutype 510 or a med_type starting with 5', () => {
    expect(resultsOf(run(lib, { insutype: '390', lines: [{ code: DINOPROSTONE }] }), MATERNITY)).toHaveLength(1);
    expect(resultsOf(run(lib, { insutype: '510', lines: [{ code: DINOPROSTONE }] }), MATERNITY)).toEqual([]);
    expect(
      resultsOf(run(lib, { insutype: '310', med_type: '51', lines: [{ code: DINOPROSTONE }] }), MATERNITY),
    ).toEqual([]);
  });
});

describe('visit_type (限住院)', () => {
  it('fires for an outpatient visit, not for an inpatient one', () => {
    const out = run(lib, {
      med_mdtrt_type: '1',
      med_type: '11',
      lines: [{ code: OMEGA3_EMULSION, rx_id: 'V1', sumamt: 88.8 }],
    });
    const [r] = resultsOf(out, VISIT);
    expect(flaggedRx(r!)).toEqual(['V1']);
    expect(r!.vola_amt).toBe(88.8);
    expect(
      resultsOf(run(lib, { med_mdtrt_type: '2', med_type: '21', lines: [{ code: OMEGA3_EMULSION }] }), VISIT),
    ).toEqual([]);
  });

  it('reads med_mdtrt_type/med_type as clients send them: "01", words of the dictionary, spaces', () => {
    const forms = [
      { med_mdtrt_type: '01', med_type: '11' },
      { med_mdtrt_type: '门诊', med_type: '普通门诊' },
      { med_mdtrt_type: ' 1 ', med_type: '' },
      { med_mdtrt_type: '', med_type: '11' },
      { med_mdtrt_type: '110', med_type: '11' },
    ];
    for (const form of forms) {
      const out = run(lib, { ...form, lines: [{ code: OMEGA3_EMULSION, rx_id: 'V1' }] });
      expect(resultsOf(out, VISIT).map(flaggedRx), JSON.stringify(form)).toEqual([['V1']]);
    }
    for (const form of [
      { med_mdtrt_type: '02', med_type: '21' },
      { med_mdtrt_type: '住院', med_type: '普通住院' },
    ]) {
      expect(resultsOf(run(lib, { ...form, lines: [{ code: OMEGA3_EMULSION }] }), VISIT), JSON.stringify(form)).toEqual(
        [],
      );
    }
  });

  it('a visit that neither field tells as 门诊 or 住院 is said (data_quality, naming both fields)', () => {
    const quality = (out: ReturnType<typeof run>) =>
      resultsOf(out, 'GZ10000201002000')
        .map((r) => r.vola_cont)
        .join();
    for (const form of [
      { med_mdtrt_type: '', med_type: '' },
      { med_mdtrt_type: 'X', med_type: '门诊？' },
    ]) {
      const out = run(lib, { ...form, lines: [{ code: OMEGA3_EMULSION }] });
      expect(resultsOf(out, VISIT), JSON.stringify(form)).toEqual([]);
      expect(quality(out)).toContain(
        `就诊类型 med_mdtrt_type ${JSON.stringify(form.med_mdtrt_type)}、医疗类别 med_type ${JSON.stringify(form.med_type)} 无法识别门诊或住院`,
      );
    }
    // Absent fields are named as not sent.
    const input = analysisInput({ lines: [{ code: OMEGA3_EMULSION }] });
    const encounter = input.data.patient_dtos[0]!.fsi_encounter_dtos[0] as unknown as Record<string, unknown>;
    delete encounter.med_mdtrt_type;
    delete encounter.med_type;
    const absent = run(lib, input);
    expect(quality(absent)).toContain('就诊类型 med_mdtrt_type 未传、医疗类别 med_type 未传 无法识别门诊或住院');
    // A readable visit says nothing of it.
    expect(
      quality(run(lib, { med_mdtrt_type: '1', med_type: '11', lines: [{ code: OMEGA3_EMULSION }] })),
    ).not.toContain('med_mdtrt_type');
  });

  it('an emergency visit (med_type 13) passes where the basis allows 急诊, and only there', () => {
    expect(resultsOf(run(lib, { med_type: '13', lines: [{ code: ANGONG }] }), VISIT)).toEqual([]);
    expect(resultsOf(run(lib, { med_type: '11', lines: [{ code: ANGONG }] }), VISIT)).toHaveLength(1);
    expect(resultsOf(run(lib, { med_type: '13', lines: [{ code: OMEGA3_EMULSION }] }), VISIT)).toHaveLength(1);
  });
});

describe('visit_type (限住院) outside the outpatient department (reviewer: req/visit_fish_3_41.json)', () => {
  const FISH_OIL = 'XB05BAU005B002010101415'; // ω-3鱼油脂肪乳注射液, 限住院
  const visit = (med_mdtrt_type: string, med_type: string, code = FISH_OIL) =>
    resultsOf(
      run(lib, { med_mdtrt_type, med_type, trig_scen: '10', lines: [{ code, rx_id: 'P1', sumamt: 120 }] }),
      VISIT,
    );

  it('a pharmacy purchase (就诊类型 3, 医疗类别 41) is reminded, in the words of a pharmacy, not 门诊', () => {
    const [r] = visit('3', '41');
    expect(flaggedRx(r!)).toEqual(['P1']);
    expect(r!.vola_amt).toBe(120);
    expect(r!.sev_deg).toBe('1');
    expect(r!.vola_cont).toBe('【ω-3鱼油脂肪乳注射液】限住院患者使用，本次为药店购药（就诊类型 3，医疗类别 41）。');
  });

  it('医疗类别 41 is a pharmacy purchase whatever the 就诊类型; 就诊类型 4 其他 is not an admission either', () => {
    expect(visit('1', '41')[0]!.vola_cont).toContain('本次为药店购药');
    expect(visit('4', '41')[0]!.vola_cont).toContain('本次为药店购药');
    expect(visit('4', '99')[0]!.vola_cont).toBe(
      '【ω-3鱼油脂肪乳注射液】限住院患者使用，本次不是住院（就诊类型 4，医疗类别 99）。',
    );
    expect(visit('4', '11')[0]!.vola_cont).toContain('本次为门诊就诊（普通门诊，医疗类别 11）');
  });

  it('an admission is not reminded, by either numbering of 就诊类型 (S-02: 3 住院), nor an unknown visit type', () => {
    expect(visit('2', '21')).toEqual([]);
    expect(visit('3', '21')).toEqual([]);
    expect(visit('4', '22')).toEqual([]);
    expect(visit('', '')).toEqual([]);
    expect(visit('210', '')).toEqual([]);
  });

  it('急诊 still passes where the basis allows it, at a 就诊类型 4 visit too', () => {
    expect(visit('4', '13', ANGONG)).toEqual([]);
    expect(visit('3', '41', ANGONG)).toHaveLength(1);
  });
});

describe('min_hospital_level', () => {
  it('fires below the level from medins_lv, not at it, not when unknown', () => {
    expect(resultsOf(run(lib, { medins_lv: '1', lines: [{ code: AIDI }] }), LEVEL)).toHaveLength(1);
    expect(resultsOf(run(lib, { medins_lv: '2', lines: [{ code: AIDI }] }), LEVEL)).toEqual([]);
    expect(resultsOf(run(lib, { medins_lv: 'X9', lines: [{ code: AIDI }] }), LEVEL)).toEqual([]);
  });

  it('the message names the medins_lv code it read and the level it took, so IT can spot a wrong mapping', () => {
    // 法瑞西单抗注射液, 三级: under the ten-grade hospital list 02 would be 三级甲等; the default map reads 二级.
    const [r] = resultsOf(run(lib, { medins_lv: '02', lines: [{ code: 'XS01LAF740G003010181735' }] }), LEVEL);
    expect(r!.vola_cont).toContain('本机构等级代码 02，按二级医疗机构判断，');
    expect(r!.vola_cont).not.toContain('本机构为');
    const [configured] = resultsOf(run(lib, { medins_lv: '3', lines: [{ code: AIDI }] }, { hospitalLevel: 1 }), LEVEL);
    expect(configured!.vola_cont).toBe(
      '【艾迪注射液】限二级及以上医疗机构使用，本机构按本机配置（hospitalLevel）为一级医疗机构。',
    );
  });

  it('the workstation configuration wins over medins_lv', () => {
    expect(resultsOf(run(lib, { medins_lv: '3', lines: [{ code: AIDI }] }, { hospitalLevel: 1 }), LEVEL)).toHaveLength(
      1,
    );
  });
});

describe('internet_visit', () => {
  it('fires only for a configured internet-hospital visit', () => {
    expect(resultsOf(run(lib, { med_type: '11', lines: [{ code: FENTANYL_PATCH }] }), INTERNET)).toEqual([]);
    const config = { internetVisit: { medTypes: [], deptCodes: ['A03'], medinsCodes: [] } };
    const [r] = resultsOf(run(lib, { med_type: '11', lines: [{ code: FENTANYL_PATCH }] }, config), INTERNET);
    expect(r!.vola_cont).toContain('互联网诊疗');
  });
});

describe('住院方可支付 in a pay-days basis', () => {
  // 银杏内酯注射液 (2026-01): "限二级及以上医疗机构脑梗死恢复期患者，住院方可支付，单次最多支付14天。"
  const GINKGOLIDE = 'ZA12HAY0759010106725';
  const PAY_COURSE = 'GZ10000101010000';
  const visitResults = (spec: Parameters<typeof run>[1]) =>
    resultsOf(run(lib, spec)).filter((r) => r.vola_cont.includes('限住院患者使用'));

  it('an outpatient or emergency use is 明确违规; an inpatient one is not', () => {
    const [r] = visitResults({ lines: [{ code: GINKGOLIDE, rx_id: 'G1' }] });
    expect(flaggedRx(r!)).toEqual(['G1']);
    expect(r!.sev_deg).toBe('1');
    expect(r!.vola_cont).toContain('本次为门诊就诊');
    expect(visitResults({ med_type: '13', lines: [{ code: GINKGOLIDE }] })).toHaveLength(1);
    expect(visitResults({ med_mdtrt_type: '2', med_type: '21', lines: [{ code: GINKGOLIDE }] })).toEqual([]);
  });

  it('is filed under 药品限就医方式, as batch 4 files the same sentence, not under 药品限支付疗程', () => {
    // Review F6: the doctor was asked for a reason against 「药品限支付疗程」 on the first day of use, and the
    // 医保办's figures by rule counted a 就医方式 violation under 支付疗程.
    const results = resultsOf(run(lib, { lines: [{ code: GINKGOLIDE, rx_id: 'G1' }] }));
    expect(results.map((r) => [r.rule_id, r.rule_name, r.sev_deg])).toEqual([[VISIT, '药品限就医方式', '1']]);
    expect(results[0]!.vola_cont).toBe('【银杏内酯注射液】限住院患者使用，本次为门诊就诊（普通门诊，医疗类别 11）。');
    expect(resultsOf(run(lib, { lines: [{ code: GINKGOLIDE }] }), PAY_COURSE)).toEqual([]);
  });

  it('is read from the basis only where it says so: 天麻素注射液 (支付不超过14天) has no visit limit', () => {
    const GASTRODIN = 'XN07XXT050B002010100239';
    expect(visitResults({ lines: [{ code: GASTRODIN }] })).toEqual([]);
    // Its pay-days limit still applies to the outpatient.
    const days = Array.from({ length: 15 }, (_, i) => ({
      code: GASTRODIN,
      current: i === 14,
      date: `2026-11-${String(i + 6).padStart(2, '0')} 09:00:00`,
    }));
    expect(resultsOf(run(lib, { lines: days }), PAY_COURSE)).toHaveLength(1);
  });
});

describe('住院患者方予支付 in an indication text', () => {
  // Batch 13: 复方氨基酸注射液(15AA-SF) 「限有明确的肝硬化、重症肝炎和肝昏迷诊断证据的患者。需经营养风险筛查,…补充足够营养的
  // 住院患者方予支付。」, the sentence its sibling 15AA carries in batch 4 as a 药品限就医方式 point (review F5).
  const AA15_SF = 'XB05BAF145B002010101949';
  const AA15 = 'XB05BAF145B002010100269';
  const INDICATION = 'GZ10000101008000';
  const cirrhosis = { diagnoses: ['K74.600'] };

  it('an outpatient line gets the visit-type reminder its sibling gets, and not the text-only question as well', () => {
    for (const code of [AA15_SF, AA15]) {
      const results = resultsOf(run(lib, { ...cirrhosis, lines: [{ code, rx_id: 'AA', pric: 40 }] }));
      expect(
        results.map((r) => [r.rule_id, r.sev_deg, r.wf_impact, r.vola_amt]),
        code,
      ).toEqual([[VISIT, '1', 'reason', 40]]);
      expect(results[0]!.vola_cont).toContain('限住院患者使用，本次为门诊就诊');
    }
  });

  it('an inpatient line is asked to confirm the restriction only, as before', () => {
    const results = resultsOf(
      run(lib, { ...cirrhosis, med_mdtrt_type: '2', med_type: '21', lines: [{ code: AA15_SF }] }),
    );
    expect(results.map((r) => [r.rule_id, r.sev_deg, r.wf_impact])).toEqual([[INDICATION, '3', 'confirm']]);
  });
});
