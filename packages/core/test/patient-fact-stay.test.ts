import type { EvaluatorConfig } from '@prealert/core';
import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { flaggedRx, type LineSpec, type RequestSpec, resultsOf, run } from './support/requests';

/**
 * A warning about the patient and the item (sex, age, 门诊/住院, hospital level, 险种, internet visit) asks the same
 * question on every day's line of the item, whichever of its packs: its jr_id is made of the point and the encounter, so the
 * ward doctor's 继续执行 covers the nurse station's daily charges and the settlement (audit findings #3/#4: a
 * 72-year-old's 儿童清肺口服液 was asked on 3101, on each day's 3102 and at settlement, five ids for one fact).
 */
const lib = nationalLibrary();

interface Kind {
  name: string;
  rule: string;
  code: string;
  /** Another code of the same point (another pack size of the item), where the point has one. */
  other?: string;
  patient: Partial<RequestSpec>;
  config?: Partial<EvaluatorConfig>;
}

const KINDS: Kind[] = [
  // 阿帕他胺片 (male only) for a woman.
  {
    name: 'sex',
    rule: 'GZ10000301004000',
    code: 'XL02BBA326A001010102180',
    other: 'XL02BBA326A001010178537',
    patient: { gend: '2' },
  },
  // 儿童清肺口服液 (儿童专用) for a 72-year-old man.
  {
    name: 'age_group',
    rule: 'GZ10000301002000',
    code: 'ZA04CAE0023010100166',
    other: 'ZA04CAE0023010200166',
    patient: { brdy: '1954-05-01' },
  },
  // 职业功能训练 (16–60 岁) for a 15-year-old.
  { name: 'age_range', rule: 'PA-SVC-AGE-RANGE', code: '003402000320000', patient: { brdy: '2010-11-21' } },
  // ω-3 鱼油脂肪乳注射液 (限住院) in an outpatient encounter.
  {
    name: 'visit_type',
    rule: 'PA-DRUG-VISIT-TYPE',
    code: 'XB05BAU012B002010102180',
    other: 'XB05BAU012B002010202180',
    patient: { med_mdtrt_type: '1', med_type: '11' },
  },
  // 法瑞西单抗注射液 (三级 on every prescription) at a level-2 hospital.
  {
    name: 'min_hospital_level',
    rule: 'GZ10000101012000',
    code: 'XS01LAF740G003010181735',
    patient: { medins_lv: '2' },
  },
  // 疤痕止痒软化膏 (限工伤保险) under 职工基本医疗保险.
  {
    name: 'insurance_type',
    rule: 'GZ10000101001000',
    code: 'ZH01AAB0066010100716',
    other: 'ZH01AAB0066010102577',
    patient: { insutype: '310' },
  },
  // 芬太尼透皮贴剂 in a department configured as the internet hospital.
  {
    name: 'internet_visit',
    rule: 'PA-DRUG-INTERNET-VISIT',
    code: 'XN02ABF027V002010101389',
    other: 'XN02ABF027V002010102529',
    patient: {},
    config: { internetVisit: { medTypes: [], deptCodes: ['A03'], medinsCodes: [] } },
  },
];

const day = (d: number) => `2026-11-${d} 09:00:00`;

/** The stay as the sidecar sees it: the doctor's 3101, the next day's 3102 charge, then the settlement 3102. */
function stay(kind: Kind, mdtrtId = 'ZY-1') {
  const ask = (lines: LineSpec[], infno: '3101' | '3102', trig_scen: string) =>
    resultsOf(
      run(
        lib,
        { med_mdtrt_type: '2', med_type: '21', ...kind.patient, mdtrt_id: mdtrtId, trig_scen, lines },
        kind.config,
        infno,
      ),
      kind.rule,
    );
  const [order] = ask([{ code: kind.code, rx_id: 'ORDER-1', date: day(18) }], '3101', '5');
  const [charge] = ask(
    [
      { code: kind.code, rx_id: 'FEE-18', date: day(18), current: false },
      { code: kind.code, rx_id: 'FEE-19', date: day(19) },
    ],
    '3102',
    '4',
  );
  const [settlement] = ask(
    [
      { code: kind.code, rx_id: 'FEE-18', date: day(18) },
      { code: kind.code, rx_id: 'FEE-19', date: day(19) },
      { code: kind.code, rx_id: 'FEE-20', date: day(20) },
    ],
    '3102',
    '8',
  );
  return { order: order!, charge: charge!, settlement: settlement! };
}

describe('patient-fact warnings: one answer covers the stay', () => {
  it.each(KINDS)('$name: the order, a later charge and the settlement share one jr_id', (kind) => {
    const { order, charge, settlement } = stay(kind);
    expect(flaggedRx(order)).toEqual(['ORDER-1']);
    expect(flaggedRx(charge)).toEqual(['FEE-19']);
    expect(flaggedRx(settlement)).toEqual(['FEE-18', 'FEE-19', 'FEE-20']);
    expect(charge.jr_id).toBe(order.jr_id);
    expect(settlement.jr_id).toBe(order.jr_id);
    // Another encounter is another question.
    expect(stay(kind, 'ZY-2').order.jr_id).not.toBe(order.jr_id);
  });

  it.each(KINDS.filter((k) => k.other !== undefined))(
    '$name: a second pack size of the item (another code of the point) is the same question, under the same jr_id',
    (kind) => {
      const { order } = stay(kind);
      const ask = (lines: LineSpec[], infno: '3101' | '3102', trig_scen: string) =>
        resultsOf(
          run(
            lib,
            { med_mdtrt_type: '2', med_type: '21', ...kind.patient, mdtrt_id: 'ZY-1', trig_scen, lines },
            kind.config,
            infno,
          ),
          kind.rule,
        )[0]!;
      const other = kind.other!;
      // Only the other pack, then both packs on one day, then the settlement of all.
      const otherOnly = ask([{ code: other, rx_id: 'ORDER-2', date: day(19) }], '3101', '5');
      const both = ask(
        [
          { code: kind.code, rx_id: 'ORDER-3', date: day(20) },
          { code: other, rx_id: 'ORDER-4', date: day(20) },
        ],
        '3101',
        '5',
      );
      const settlement = ask(
        [
          { code: kind.code, rx_id: 'ORDER-1', date: day(18) },
          { code: other, rx_id: 'ORDER-2', date: day(19) },
          { code: kind.code, rx_id: 'ORDER-3', date: day(20) },
          { code: other, rx_id: 'ORDER-4', date: day(20) },
        ],
        '3102',
        '8',
      );
      expect(flaggedRx(otherOnly)).toEqual(['ORDER-2']);
      expect(flaggedRx(both).sort()).toEqual(['ORDER-3', 'ORDER-4']);
      expect(otherOnly.jr_id).toBe(order.jr_id);
      expect(both.jr_id).toBe(order.jr_id);
      expect(settlement.jr_id).toBe(order.jr_id);
    },
  );

  it('a per-day limit stays a question of its day: 住院诊查费 twice on two days gets two ids', () => {
    const FREQ = 'GZ10000102014000';
    const VISIT_FEE = '001102000050000'; // 住院诊查费, 1/日
    const twice = (d: number, rx: string) =>
      resultsOf(
        run(lib, {
          med_mdtrt_type: '2',
          med_type: '21',
          mdtrt_id: 'ZY-1',
          lines: [{ code: VISIT_FEE, rx_id: rx, cnt: 2, date: day(d) }],
        }),
        FREQ,
      )[0]!;
    expect(twice(19, 'V19').jr_id).not.toBe(twice(20, 'V20').jr_id);
  });
});
