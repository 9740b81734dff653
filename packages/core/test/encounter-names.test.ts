import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { resultsOf, run } from './support/requests';

/**
 * A reminder that holds the encounter's 险种 or 医疗类别 against the item names it (3101-3103.md §2.9) with the code,
 * not the bare code: a doctor does not know that 310 is 职工基本医疗保险. A code the spec does not name stays the code.
 */
const lib = nationalLibrary();
const SCAR_CREAM = 'ZH01AAB0066010100716'; // 疤痕止痒软化膏, 限工伤保险
const AMINO_ACIDS_18AA = 'XB05BAF150B002010100269'; // 复方氨基酸注射液(18AA), 限住院患者

function messages(spec: Parameters<typeof run>[1]): string[] {
  return resultsOf(run(lib, spec)).map((r) => r.vola_cont);
}

describe('encounter dictionary codes in reminders', () => {
  it('names the 险种 with its code, and keeps an unnamed code as sent', () => {
    const named = messages({ insutype: '310', lines: [{ code: SCAR_CREAM, rx_id: 'R1' }] });
    expect(named).toContain('【疤痕止痒软化膏】限工伤保险支付，本次就诊险种为职工基本医疗保险（310）。');
    const resident = messages({ insutype: '390', lines: [{ code: SCAR_CREAM, rx_id: 'R1' }] });
    expect(resident).toContain('【疤痕止痒软化膏】限工伤保险支付，本次就诊险种为城乡居民基本医疗保险（390）。');
    // 410 and 510 are in the national 险种 dictionary, which the spec's list elides.
    const care = messages({ insutype: '410', lines: [{ code: SCAR_CREAM, rx_id: 'R1' }] });
    expect(care).toContain('【疤痕止痒软化膏】限工伤保险支付，本次就诊险种为长期照护保险（410）。');
    const maternity = messages({ insutype: '510', lines: [{ code: SCAR_CREAM, rx_id: 'R1' }] });
    expect(maternity).toContain('【疤痕止痒软化膏】限工伤保险支付，本次就诊险种为生育保险（510）。');
    const unnamed = messages({ insutype: '391', lines: [{ code: SCAR_CREAM, rx_id: 'R1' }] });
    expect(unnamed).toContain('【疤痕止痒软化膏】限工伤保险支付，本次就诊险种为 391。');
  });

  it('names the 医疗类别 of an outpatient visit', () => {
    const found = messages({ med_type: '11', lines: [{ code: AMINO_ACIDS_18AA, rx_id: 'R1' }] });
    expect(found.find((m) => m.includes('限住院患者使用'))).toMatch(/本次为门诊就诊（普通门诊，医疗类别 11）。$/);
    const chronic = messages({ med_type: '14', lines: [{ code: AMINO_ACIDS_18AA, rx_id: 'R1' }] });
    expect(chronic.find((m) => m.includes('限住院患者使用'))).toMatch(/本次为门诊就诊（门诊慢特病，医疗类别 14）。$/);
    const unnamed = messages({ med_type: '16', lines: [{ code: AMINO_ACIDS_18AA, rx_id: 'R1' }] });
    expect(unnamed.find((m) => m.includes('限住院患者使用'))).toMatch(/本次为门诊就诊（医疗类别 16）。$/);
  });
});
