import { compileLibrary } from '@prealert/core';
import { loadNationalLibrary } from '@prealert/rules-cache';
import { describe, expect, it } from 'vitest';
import { localLibrary } from './support/local-library';
import { nationalLibrary } from './support/national';
import { flaggedRx, resultsOf, run } from './support/requests';

const lib = nationalLibrary();
const AGE_RANGE = 'PA-SVC-AGE-RANGE';
const SURGERY = 'GZ10000102002000';
const SEX_DRUG = 'GZ10000301004000';
const TCM_NEVER = 'GZ10000101003000';
const SVC_PAY_DAYS = 'GZ10000102010000';

const VOCATIONAL_TRAINING = '003402000320000'; // 职业功能训练, 法定就业年龄
const APALUTAMIDE = 'XL02BBA326A001010102180'; // 阿帕他胺片, male only
const EJIAO = 'T001700233'; // 阿胶, 单复方均不予支付
const CLOVE = 'T000700200'; // 丁香, 单方不予支付 (paid inside a compound)
const HAND_ASSESSMENT = '003402000050000'; // 手功能评定: 总时间不超过90天，评定间隔时间不短于14天
const OXYTOCIN = 'XH01BBS194B002020102068'; // 缩宫素注射液: female only as published, dropped by the 2026-01 revision

// Two 胃肠手术组 items (same_incision_group), the second charged in full.
const surgeries = [
  { code: '003310010140000', rx_id: 'S1', pric: 3000, date: '2026-11-20 09:00:00' },
  { code: '003310010160000', rx_id: 'S2', pric: 2000, hilist_pric: 2000, date: '2026-11-20 09:30:00' },
];
const inpatient = { med_mdtrt_type: '2', med_type: '21' };

describe('法定就业年龄 is read from the evaluator config when the point is evaluated', () => {
  const at62 = { brdy: '1964-11-01', lines: [{ code: VOCATIONAL_TRAINING }] };
  it('62 years is outside the default 16–60 and inside a configured 16–65', () => {
    const [r] = resultsOf(run(lib, at62), AGE_RANGE);
    expect(r!.vola_cont).toContain('16–60');
    expect(resultsOf(run(lib, at62, { employmentAge: { minYears: 16, maxYears: 65 } }), AGE_RANGE)).toEqual([]);
  });

  it('15 years passes once the minimum is configured down to 14', () => {
    const at15 = { brdy: '2011-01-01', lines: [{ code: VOCATIONAL_TRAINING }] };
    expect(resultsOf(run(lib, at15), AGE_RANGE)).toHaveLength(1);
    expect(resultsOf(run(lib, at15, { employmentAge: { minYears: 14, maxYears: 60 } }), AGE_RANGE)).toEqual([]);
  });
});

describe('trigger scenes', () => {
  it('a comma list "5,9" includes a 事中 scene, so same_incision_group runs', () => {
    const out = run(lib, { ...inpatient, trig_scen: '5,9', lines: surgeries });
    expect(flaggedRx(resultsOf(out, SURGERY)[0]!)).toEqual(['S2']);
    expect(resultsOf(run(lib, { ...inpatient, trig_scen: '5', lines: surgeries }), SURGERY)).toEqual([]);
  });

  it('a missing trig_scen defaults to 事前 for 3101 and 事中 for 3102', () => {
    const spec = { ...inpatient, trig_scen: '', lines: surgeries };
    const pre = run(lib, spec, undefined, '3101');
    expect(pre.ok && pre.scenes).toEqual([1, 2, 3, 4, 5]);
    expect(resultsOf(pre, SURGERY)).toEqual([]);
    const inStage = run(lib, spec, undefined, '3102');
    expect(inStage.ok && inStage.scenes).toEqual([6, 7, 8, 9, 10]);
    expect(resultsOf(inStage, SURGERY)).toHaveLength(1);
  });

  it('三道防线: a rule limited to 事中 scenes by the workstation is silent in 事前 and fires in 事中', () => {
    const config = { ruleOverrides: { [SEX_DRUG]: { scenes: [6, 7, 8, 9, 10] } } };
    const spec = { gend: '2', lines: [{ code: APALUTAMIDE }] };
    expect(resultsOf(run(lib, { ...spec, trig_scen: '2' }), SEX_DRUG)).toHaveLength(1);
    expect(resultsOf(run(lib, { ...spec, trig_scen: '2' }, config), SEX_DRUG)).toEqual([]);
    expect(resultsOf(run(lib, { ...spec, trig_scen: '7' }, config, '3102'), SEX_DRUG)).toHaveLength(1);
  });
});

describe("the workstation's severity and impact", () => {
  const INDICATION = 'GZ10000101008000';
  const APREPITANT_INJ = 'XA04ADA285B002010102180'; // 阿瑞匹坦注射液, 限放化疗 (text only)
  const female = { gend: '2', lines: [{ code: APALUTAMIDE }] };

  it('an impact set for a rule holds, a text-only indication included', () => {
    const text = { lines: [{ code: APREPITANT_INJ }] };
    expect(resultsOf(run(lib, text), INDICATION)[0]).toMatchObject({ sev_deg: '3', wf_impact: 'confirm' });
    const blocked = run(lib, text, { ruleOverrides: { [INDICATION]: { impact: 'block' } } });
    expect(resultsOf(blocked, INDICATION)[0]).toMatchObject({ sev_deg: '3', wf_impact: 'block' });
  });

  it('a severity set without an impact brings the default impact of that severity', () => {
    expect(resultsOf(run(lib, female), SEX_DRUG)[0]).toMatchObject({ sev_deg: '2', wf_impact: 'reason' });
    const milder = run(lib, female, { ruleOverrides: { [SEX_DRUG]: { severity: 3 } } });
    expect(resultsOf(milder, SEX_DRUG)[0]).toMatchObject({ sev_deg: '3', wf_impact: 'confirm' });
    const both = run(lib, female, { ruleOverrides: { [SEX_DRUG]: { severity: 3, impact: 'notice' } } });
    expect(resultsOf(both, SEX_DRUG)[0]).toMatchObject({ sev_deg: '3', wf_impact: 'notice' });
  });
});

describe('a rule its library ships switched off', () => {
  it('runs once the workstation switches it on, for rule-level checks too', () => {
    const data = loadNationalLibrary();
    const DATA_QUALITY = 'GZ10000201002000';
    const off = compileLibrary({
      ...data,
      rules: data.rules.map((r) => (r.id === DATA_QUALITY ? { ...r, enabled: false } : r)),
    });
    // A line whose hilist_code does not fit its hilist_type: a data-quality reminder when the rule runs.
    const spec = { lines: [{ code: '003310010140000', type: '101', rx_id: 'BAD' }] };
    expect(resultsOf(run(off, spec), DATA_QUALITY)).toEqual([]);
    const on = run(off, spec, { ruleOverrides: { [DATA_QUALITY]: { enabled: true } } });
    expect(resultsOf(on, DATA_QUALITY).map(flaggedRx)).toEqual([['BAD']]);
  });
});

describe('tcm_not_paid does not fire', () => {
  it('for a piece that is paid inside a compound, nor for a never-paid piece already charged (context)', () => {
    const out = run(lib, {
      lines: [
        { code: CLOVE, rxno: 'CF9', type: '102', cnt: 6, pric: 1 },
        { code: EJIAO, rxno: 'CF8', type: '102', cnt: 10, pric: 3, current: false },
      ],
    });
    expect(resultsOf(out, TCM_NEVER)).toEqual([]);
  });
});

describe('severity per knowledge point where one rule mixes kinds', () => {
  it('医疗服务项目限支付疗程: the 14-day interval point runs at sev 2, the 90-day course at the rule’s 1', () => {
    // The prose record alone, as a library without the national 周期超频次 point that restates its interval (which
    // the national import drops the interval for).
    const local = localLibrary(`rule_name,gz_code,item_type,item_name,limit_type,limit_value,basis,code
医疗服务项目限支付疗程,GZ10000102010000,service,手功能评定,max_pay_days_text,总时间不超过90天，评定间隔时间不短于14天。,,${HAND_ASSESSMENT}
`);
    const points = local.lookup(HAND_ASSESSMENT);
    const entries = Array.isArray(points) ? points : points ? [points] : [];
    const interval = entries.find((e) => e.kp.limit.kind === 'max_qty_per_n_days')!;
    const course = entries.find((e) => e.kp.limit.kind === 'max_pay_days')!;
    expect(interval.rule.id).toBe(SVC_PAY_DAYS);
    expect(course.rule.id).toBe(SVC_PAY_DAYS);
    expect(interval.kp.severity).toBe(2);
    expect(course.kp.severity).toBeUndefined();
    expect(course.rule.severity).toBe(1);
    const twice = run(local, {
      lines: [
        { code: HAND_ASSESSMENT, date: '2026-11-10 09:00:00', current: false },
        { code: HAND_ASSESSMENT, rx_id: 'HA', date: '2026-11-20 09:00:00' },
      ],
    });
    const [r] = resultsOf(twice, SVC_PAY_DAYS);
    expect(flaggedRx(r!)).toEqual(['HA']);
    expect(r!.sev_deg).toBe('2');
    expect(r!.wf_impact).toBe('reason');
    // A workstation override of the rule still wins over the point's default.
    const overridden = run(
      local,
      {
        lines: [
          { code: HAND_ASSESSMENT, date: '2026-11-10 09:00:00', current: false },
          { code: HAND_ASSESSMENT, date: '2026-11-20 09:00:00' },
        ],
      },
      { ruleOverrides: { [SVC_PAY_DAYS]: { severity: 3 } } },
    );
    expect(resultsOf(overridden, SVC_PAY_DAYS)[0]!.sev_deg).toBe('3');
  });
});

describe('the 2026-01 revision changes the answer for a code whose point it changed', () => {
  it('缩宫素注射液 for a male patient: flagged as published, not after the revision', () => {
    const published = compileLibrary(loadNationalLibrary({ withRevision: false }));
    const spec = { gend: '1', lines: [{ code: OXYTOCIN, rx_id: 'OX' }] };
    const before = resultsOf(run(published, spec), SEX_DRUG);
    expect(before.map(flaggedRx)).toEqual([['OX']]);
    expect(resultsOf(run(lib, spec), SEX_DRUG)).toEqual([]);
  });
});
