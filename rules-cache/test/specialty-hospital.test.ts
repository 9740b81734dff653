import { loadNationalLibrary, parseLimit } from '@prealert/rules-cache';
import { describe, expect, it } from 'vitest';

// Review F1: the anti-VEGF eye injections' basis 「应同时符合以下条件：1.需三级医院眼科或二级及以上眼科专科医院医师处方；
// 2.首次处方时病眼基线矫正视力0.05-0.5；…」 admits an eye hospital from 二级 on; read as a flat 三级 limit, every injection
// at a 二级 eye hospital was a 明确违规 whose message contradicted its own 依据.
const EYE_HOSPITAL = { level: 2, specialty: '眼科' };
const INJECTIONS = [
  '地塞米松玻璃体内植入剂',
  '康柏西普眼用注射液',
  '法瑞西单抗注射液',
  '阿柏西普眼内注射溶液',
  '雷珠单抗注射液',
];

describe('a level limit whose basis admits a specialty hospital', () => {
  it('the five published injections carry the alternative, as first published (三级综合医院眼科) and re-issued', () => {
    for (const withRevision of [false, true]) {
      const withAlternative = loadNationalLibrary({ withRevision }).knowledgePoints.filter(
        (kp) => kp.limit.kind === 'min_hospital_level' && kp.limit.specialtyAlternative !== undefined,
      );
      expect(withAlternative.map((kp) => kp.itemName).sort(), `withRevision ${withRevision}`).toEqual(
        [...INJECTIONS].sort(),
      );
      for (const kp of withAlternative) {
        // Every prescription needs it: their 首次处方 clause is about eyesight (first-prescription.test.ts).
        expect(kp.limit, kp.itemName).toEqual({
          kind: 'min_hospital_level',
          level: 3,
          specialtyAlternative: EYE_HOSPITAL,
        });
      }
    }
  });

  it('reads the shape, not the five names; an alternative no lower than the limit, or none, adds nothing', () => {
    const read = (value: string, basis: string) => {
      const r = parseLimit('min_hospital_level', value, basis);
      return r.ok ? r.limits : r.error;
    };
    expect(read('三级', '限：…需三级综合医院口腔科或二级及以上口腔专科医院医师处方。')).toEqual([
      { kind: 'min_hospital_level', level: 3, specialtyAlternative: { level: 2, specialty: '口腔' } },
    ]);
    expect(read('二级', '限二级及以上医疗机构或二级及以上儿童专科医院使用。')).toEqual([
      { kind: 'min_hospital_level', level: 2 },
    ]);
    expect(read('二级', '限二级及以上医疗机构脑梗死恢复期患者，单次住院最多支付14天。')).toEqual([
      { kind: 'min_hospital_level', level: 2 },
    ]);
    // With 首次处方 (度拉糖肽): both read.
    expect(read('二级', '首次处方时需由二级及以上医疗机构专科医师开具处方。')).toEqual([
      { kind: 'min_hospital_level', level: 2, firstPrescriptionOnly: true },
    ]);
  });
});
