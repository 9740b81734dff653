import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { flaggedRx, type LineSpec, resultsOf, run } from './support/requests';

// 重复开药 on real national codes (taken from the published points): which ATC level-4 classes compare as duplicates.
const lib = nationalLibrary();
const CLASS_DUP = 'GZ10000301006000';

const inpatient = { med_mdtrt_type: '2', med_type: '21' };

function duplicates(a: LineSpec, b: LineSpec) {
  return resultsOf(run(lib, { ...inpatient, lines: [a, b] }), CLASS_DUP);
}

describe('drug_class_duplicate: classes combined by design are not duplicates', () => {
  it('two antiplatelets of B01AC (西洛他唑片 with 注射用盐酸替罗非班) are not reminded', () => {
    const cilostazol = { code: 'XB01ACX010A001010100177', name: '西洛他唑片' };
    const tirofiban = { code: 'XB01ACT038B001010101332', name: '注射用盐酸替罗非班' };
    expect(duplicates(cilostazol, tirofiban)).toEqual([]);
  });

  it('two prostacyclin agonists filed under B01AC (贝前列素钠片 with 司来帕格片, 曲前列尼尔) still are', () => {
    const beraprost = { code: 'XB01ACB040A001010101533', rx_id: 'BPS' };
    const [r] = duplicates(beraprost, { code: 'XB01ACS270A001010104522', rx_id: 'SEL' });
    expect(flaggedRx(r!).sort()).toEqual(['BPS', 'SEL']);
    expect(duplicates(beraprost, { code: 'XB01ACQ158B002010102699' })).toHaveLength(1);
    // One of them with a platelet inhibitor is not.
    expect(duplicates(beraprost, { code: 'XB01ACX010A001010100177' })).toEqual([]);
  });

  it('two thrombolytics of the neighbouring B01AD (阿替普酶 with 替奈普酶) still are', () => {
    const [r] = duplicates(
      { code: 'XB01ADA066B001010178302', rx_id: 'ALT' },
      { code: 'XB01ADT179B001010180023', rx_id: 'TNK' },
    );
    expect(flaggedRx(r!).sort()).toEqual(['ALT', 'TNK']);
    expect(r!.vola_cont).toContain('B01AD');
  });

  it('a solvent and what is added to it (B05BB 果糖注射液 with 果糖氯化钠注射液) are not reminded', () => {
    expect(duplicates({ code: 'XB05BBG129B002010101521' }, { code: 'XB05BBG146B002010101521' })).toEqual([]);
  });

  it('two amino-acid solutions of the neighbouring B05BA (复方氨基酸注射液 18AA-Ⅰ with 20AA) still are', () => {
    expect(duplicates({ code: 'XB05BAF151B002010100309' }, { code: 'XB05BAF160B002010103282' })).toHaveLength(1);
  });

  it('two plasma expanders of the neighbouring B05AA (人血白蛋白 with 琥珀酰明胶) still are', () => {
    expect(duplicates({ code: 'XB05AAR021B001010100348' }, { code: 'XB05AAH119B002010179246' })).toHaveLength(1);
  });
});

describe('drug_class_duplicate: catch-all classes', () => {
  it('丁苯酞氯化钠注射液 with 依达拉奉右莰醇 (N07XX, after a stroke) is not reminded', () => {
    expect(duplicates({ code: 'XN07XXD221B002010102774' }, { code: 'XN07XXY322B004010101594' })).toEqual([]);
  });

  it('an X class of alike drugs still fires: two paracetamol cold remedies (R05XX), two P-CABs (A02BX)', () => {
    const child = { brdy: '2020-01-01' };
    const cold = resultsOf(
      run(lib, { ...child, lines: [{ code: 'XR05XXX089N001010101298' }, { code: 'XR05XXX091N001010105327' }] }),
      CLASS_DUP,
    );
    expect(cold).toHaveLength(1);
    expect(duplicates({ code: 'XA02BXT200A001010104141' }, { code: 'XA02BXK145A001010183061' })).toHaveLength(1);
  });
});

describe('drug_class_duplicate: real duplicates keep firing', () => {
  it('two proton-pump inhibitors (A02BC 艾普拉唑 with 安奈拉唑)', () => {
    const [r] = duplicates(
      { code: 'XA02BCA084A012010100453', rx_id: 'P1' },
      { code: 'XA02BCA393A012010183696', rx_id: 'P2' },
    );
    expect(flaggedRx(r!).sort()).toEqual(['P1', 'P2']);
    expect(r!.sev_deg).toBe('3');
  });

  it('two statin combinations (C10BA 瑞舒伐他汀依折麦布 with 依折麦布阿托伐他汀)', () => {
    expect(duplicates({ code: 'XC10BAR128A001010100177' }, { code: 'XC10BAY348A001010100177' })).toHaveLength(1);
  });
});

/**
 * A ward doctor switching drugs stops the old order and starts the new one the same day: the two never ran together,
 * so they are not two active drugs (rules.md). Reviewed with /tmp/review-rules/req/switch_stopped_today.json. A stop
 * at the very minute the new order begins is a switch; a stop or begin sent as a date alone counts the whole day, as
 * before times were compared.
 */
describe('drug_class_duplicate: a switch of drugs the same day', () => {
  const OMEPRAZOLE_BICARB = 'XA02BCA348X006010104145'; // 奥美拉唑碳酸氢钠干混悬剂(Ⅰ)
  const ILAPRAZOLE_INJ = 'XA02BCA084B001010100453'; // 注射用艾普拉唑钠

  function switched(stop: string, begin = '2026-11-20 09:00:00') {
    return resultsOf(
      run(lib, {
        ...inpatient,
        diagnoses: ['K21.000'],
        lines: [
          { code: OMEPRAZOLE_BICARB, rx_id: 'OLD', long: true, current: false, date: '2026-11-10 09:00:00', stop },
          { code: ILAPRAZOLE_INJ, rx_id: 'NEW', long: true, date: begin },
        ],
      }),
      CLASS_DUP,
    );
  }

  it('stopped at 08:00, the new one from 09:00: not reminded', () => {
    expect(switched('2026-11-20 08:00:00')).toEqual([]);
  });

  it('stopped at 09:00, the new one from 09:00: a switch, not reminded', () => {
    expect(switched('2026-11-20 09:00:00')).toEqual([]);
  });

  it('stopped at 09:01, a minute after the new one began: reminded, the old line 涉及项', () => {
    const [r] = switched('2026-11-20 09:01:00');
    expect(flaggedRx(r!)).toEqual(['NEW']);
    expect(r!.judge_result_detail_dtos.filter((d) => d.vola_item_type === '2').map((d) => d.rx_id)).toEqual(['OLD']);
  });

  it('a stop or a begin sent as a date alone counts the day: reminded', () => {
    expect(switched('2026-11-20')).toHaveLength(1);
    expect(switched('2026-11-20 08:00:00', '2026-11-20')).toHaveLength(1);
  });

  it('still running (no stop date): reminded', () => {
    expect(switched('')).toHaveLength(1);
  });
});
