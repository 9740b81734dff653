import { loadNationalLibrary, parseLimit } from '@prealert/rules-cache';
import { describe, expect, it } from 'vitest';

describe('min_hospital_level: 首次处方 is read from the basis', () => {
  it('the national points that bind only the first prescription are the three GLP-1s, level 二级', () => {
    const firstOnly = loadNationalLibrary().knowledgePoints.filter(
      (kp) => kp.limit.kind === 'min_hospital_level' && kp.limit.firstPrescriptionOnly,
    );
    expect([...new Set(firstOnly.map((kp) => kp.itemName))].sort()).toEqual(
      ['利司那肽注射液', '度拉糖肽注射液', '聚乙二醇洛塞那肽注射液'].sort(),
    );
    for (const kp of firstOnly) expect(kp.limit).toMatchObject({ level: 2 });
  });

  it('a 首次处方 clause without a level (the anti-VEGF eyesight condition) leaves every prescription bound', () => {
    const basis =
      '应同时符合以下条件：1.需三级医院眼科或二级及以上眼科专科医院医师处方；2.首次处方时病眼基线矫正视力0.05-0.5；';
    expect(parseLimit('min_hospital_level', '三级', basis)).toEqual({
      ok: true,
      kind: 'min_hospital_level',
      // Its eye-hospital alternative is read too (specialty-hospital.test.ts), but no firstPrescriptionOnly.
      limits: [{ kind: 'min_hospital_level', level: 3, specialtyAlternative: { level: 2, specialty: '眼科' } }],
    });
    expect(parseLimit('min_hospital_level', '二级', '首次处方时需由二级及以上医疗机构专科医师开具处方。')).toEqual({
      ok: true,
      kind: 'min_hospital_level',
      limits: [{ kind: 'min_hospital_level', level: 2, firstPrescriptionOnly: true }],
    });
  });
});
