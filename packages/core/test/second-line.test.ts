import { readFirstLine } from '@prealert/rules-cache';
import { describe, expect, it } from 'vitest';
import { nationalLibrary } from './support/national';
import { flaggedRx, type LineSpec, resultsOf, run } from './support/requests';

/**
 * 药品限二线使用 on the national library: a point whose text names its first-line therapy needs a context line of
 * that therapy (earlier order or encounter), whatever the point's own ATC class; a point whose text names none
 * ("限二线用药") needs another drug of its own class.
 */
const lib = nationalLibrary();
const SECOND_LINE = 'GZ10000101005000';

// Current lines: the codes of the national points.
const TAFOLECIMAB = 'XC10AXT212B002010181451'; // 托莱西单抗注射液 (PCSK9, C10AX): "…他汀类药物治疗，仍无法达到LDL-C目标"
const SENAPARIB = 'XL01XKS305E001010185390'; // 塞纳帕利胶囊 (PARP, L01XK): "…一线含铂化疗达到完全缓解或部分缓解后的维持治疗"
const ERTUGLIFLOZIN = 'XA10BKA338A001010580716'; // 艾托格列净片 (SGLT2, A10BK): "限二线用药。"
// 度拉糖肽注射液 (GLP-1, A10BJ): "限二甲双胍等口服降糖药或胰岛素控制效果不佳的BMI≥25的患者…", an add-on.
const DULAGLUTIDE = 'XA10BJD332B002010178403';
const EFSITORA = 'XA10AEY357B002010178997'; // 依柯胰岛素注射液 (A10AE): "限其他胰岛素或口服药难以控制的2型糖尿病患者"

// History lines: real codes from the national data (points of other rules)…
const EVOLOCUMAB = 'XC10AXY310B002010178217'; // 依洛尤单抗注射液: another PCSK9 antibody, C10AX
const EZETIMIBE_ATORVASTATIN = 'XC10BAY348A001010100177'; // 依折麦布阿托伐他汀钙片(Ⅱ): a statin combination, C10BA
const OLAPARIB = 'XL01XKA316A001010102770'; // 奥拉帕利片: another PARP inhibitor, L01XK
const HENAGLIFLOZIN = 'XA10BKH120A001010101445'; // 脯氨酸恒格列净片: another SGLT2 inhibitor, A10BK
const HENAGLIFLOZIN_METFORMIN = 'XA10BDH123A010010183086'; // 恒格列净二甲双胍缓释片(Ⅰ): metformin combination, A10BD
const DEGLUDEC_ASPART = 'XA10ADD335B002010107103'; // 德谷门冬双胰岛素注射液: another insulin, A10AD
// …and codes built for drugs no national point names: the ATC class segment is right (C10AA statins, L01XA platinum
// compounds); the generic-name segments (Z901, Z902) and the rest are made up.
const ATORVASTATIN = 'XC10AAZ901A001010100000'; // 阿托伐他汀钙片 as a statin
const CARBOPLATIN = 'XL01XAZ902B002010100000'; // 卡铂注射液 as a platinum compound

function earlier(code: string, date: string, rx_id?: string): LineSpec {
  return { code, date, current: false, ...(rx_id && { rx_id }) };
}

function secondLine(lines: LineSpec[], history: LineSpec[] = []) {
  return resultsOf(
    run(lib, { lines, history: history.length > 0 ? [{ mdtrt_id: 'EARLIER', lines: history }] : [] }),
    SECOND_LINE,
  );
}

describe('second_line: a point whose text names another class (托莱西单抗: statins)', () => {
  it('fires without a statin, naming the statins (not the PCSK9 class), sev 2, amount sumamt', () => {
    const [r, ...more] = secondLine([{ code: TAFOLECIMAB, rx_id: 'P1', cnt: 2, pric: 1250 }]);
    expect(more).toEqual([]);
    expect(flaggedRx(r!)).toEqual(['P1']);
    expect(r!.sev_deg).toBe('2');
    expect(r!.vola_amt).toBe(2500);
    expect(r!.vola_cont).toContain('未见他汀类药品使用记录');
    expect(r!.vola_cont).not.toContain('C10AX');
  });

  it('is silent after statin orders: four atorvastatin orders in an earlier encounter, or a statin combination', () => {
    const atorvastatin = ['2026-07-01', '2026-08-01', '2026-09-01', '2026-10-01'].map((d, i) =>
      earlier(ATORVASTATIN, `${d} 09:00:00`, `ATV${i}`),
    );
    expect(secondLine([{ code: TAFOLECIMAB }], atorvastatin)).toEqual([]);
    expect(secondLine([{ code: TAFOLECIMAB }], [earlier(EZETIMIBE_ATORVASTATIN, '2026-10-01 09:00:00')])).toEqual([]);
    // An earlier order of this encounter counts too.
    expect(
      secondLine([
        { code: ATORVASTATIN, current: false, date: '2026-11-20 08:00:00' },
        { code: TAFOLECIMAB, rx_id: 'P2' },
      ]),
    ).toEqual([]);
  });

  it('fires after another PCSK9 antibody with no statin ever (the same class is not the first line the text names)', () => {
    const results = secondLine([{ code: TAFOLECIMAB, rx_id: 'P3' }], [earlier(EVOLOCUMAB, '2026-10-01 09:00:00')]);
    expect(results).toHaveLength(1);
    expect(flaggedRx(results[0]!)).toEqual(['P3']);
    expect(results[0]!.vola_cont).toContain('未见他汀类药品使用记录');
  });
});

describe('second_line: 塞纳帕利 (first-line platinum chemotherapy)', () => {
  it('fires without platinum, naming it', () => {
    const [r] = secondLine([{ code: SENAPARIB, rx_id: 'S1' }]);
    expect(flaggedRx(r!)).toEqual(['S1']);
    expect(r!.vola_cont).toContain('未见铂类药品使用记录');
  });

  it('is silent after carboplatin', () => {
    expect(secondLine([{ code: SENAPARIB }], [earlier(CARBOPLATIN, '2026-06-01 09:00:00')])).toEqual([]);
  });

  it('fires after another PARP inhibitor with no platinum', () => {
    const results = secondLine([{ code: SENAPARIB, rx_id: 'S2' }], [earlier(OLAPARIB, '2026-09-01 09:00:00')]);
    expect(results).toHaveLength(1);
    expect(flaggedRx(results[0]!)).toEqual(['S2']);
  });
});

describe('second_line: the drug itself does not show its own first line', () => {
  it('依柯胰岛素 ("其他胰岛素或口服药"): another insulin or a metformin combination clears it, itself does not', () => {
    expect(secondLine([{ code: EFSITORA }], [earlier(DEGLUDEC_ASPART, '2026-10-01 09:00:00')])).toEqual([]);
    expect(secondLine([{ code: EFSITORA }], [earlier(HENAGLIFLOZIN_METFORMIN, '2026-10-01 09:00:00')])).toEqual([]);
    const [r] = secondLine([{ code: EFSITORA, rx_id: 'E1' }], [earlier(EFSITORA, '2026-10-01 09:00:00')]);
    expect(flaggedRx(r!)).toEqual(['E1']);
    // What was not seen is another drug: 「未见口服降糖药或胰岛素使用记录」 beside an insulin in the history was false.
    expect(r!.vola_cont).toContain('未见本药以外的口服降糖药或胰岛素使用记录（本药自 2026-10-01 起已在使用）');
  });

  it('a monthly refill of 德谷门冬双胰岛素 says the insulin it has seen (reviewer F2, s2b_degludec_refill)', () => {
    const refill = (history: LineSpec[]) =>
      resultsOf(
        run(lib, {
          med_type: '14',
          diagnoses: ['E11.900'],
          lines: [{ code: DEGLUDEC_ASPART, name: '德谷门冬双胰岛素注射液', rx_id: 'RX4', date: '2026-11-24 09:00:00' }],
          history: history.map((line, i) => ({ mdtrt_id: `H${i}`, adm_date: line.date!, lines: [line] })),
        }),
        SECOND_LINE,
      );
    const [r] = refill([
      earlier(DEGLUDEC_ASPART, '2026-09-24 09:00:00'),
      earlier(DEGLUDEC_ASPART, '2026-10-24 09:00:00'),
    ]);
    expect(flaggedRx(r!)).toEqual(['RX4']);
    expect(r!.vola_cont).toBe(
      '【德谷门冬双胰岛素注射液】限二线使用（限其他胰岛素或口服药难以控制的2型糖尿病患者），未见本药以外的口服降糖药或胰岛素使用记录（本药自 2026-09-24 起已在使用）。',
    );
    // With no history the sentence is as before.
    const [first] = refill([]);
    expect(first!.vola_cont).toBe(
      '【德谷门冬双胰岛素注射液】限二线使用（限其他胰岛素或口服药难以控制的2型糖尿病患者），未见口服降糖药或胰岛素使用记录。',
    );
  });
});

describe('second_line: a point whose text names no therapy keeps the fallback (艾托格列净片: "限二线用药")', () => {
  it('another drug of its own class clears it; metformin does not (its text does not name it)', () => {
    // The text names no therapy the table maps: "二线用药" is listed as named-but-unmappable.
    expect(readFirstLine('限二线用药。')).toEqual({
      classes: [],
      phrases: ['二线用药'],
      unmapped: ['二线用药'],
      addOn: false,
    });
    expect(secondLine([{ code: ERTUGLIFLOZIN }], [earlier(HENAGLIFLOZIN, '2026-10-01 09:00:00')])).toEqual([]);
    // The audit found this one too (months of metformin combinations, then 艾托格列净): it still fires, since the
    // published text says only 限二线用药 and the table maps no phrase for it.
    const [r] = secondLine(
      [{ code: ERTUGLIFLOZIN, rx_id: 'T1' }],
      [
        earlier(HENAGLIFLOZIN_METFORMIN, '2026-09-01 09:00:00'),
        earlier(HENAGLIFLOZIN_METFORMIN, '2026-10-01 09:00:00'),
      ],
    );
    expect(flaggedRx(r!)).toEqual(['T1']);
    expect(r!.vola_cont).toContain(
      '未见同一药理分类（ATC A10BK，如【脯氨酸加格列净片】【脯氨酸恒格列净片】）其他药品的既往使用记录',
    );
  });
});

describe('second_line: a bare "限二线用药" R03 drug looks for another drug of R03 (马来酸茚达特罗, audit O6)', () => {
  const INDACATEROL = 'XR03ACY268L031010178672'; // 马来酸茚达特罗吸入粉雾剂 (LABA, R03AC): "限二线用药。"
  const MONTELUKAST = 'XR03DCM082M002010104021'; // 孟鲁司特钠口溶膜 (R03DC), a real code of an age_group point
  // Tiotropium and salbutamol are in no national point: made-up codes in the national layout (X + ATC4 + …).
  const TIOTROPIUM = 'XR03BBS090L031010100001';
  const SALBUTAMOL = 'XR03ACS061L033010100001';
  const AMOXICILLIN = 'XJ01CAA001E001010100001';

  it('a LAMA, a SABA or a leukotriene antagonist before shows the first line; nothing of R03 does not', () => {
    // The audit's COPD patient on tiotropium (R03BB, another level-4 class) was flagged sev 2; salbutamol passed.
    expect(secondLine([{ code: INDACATEROL }], [earlier(TIOTROPIUM, '2026-10-10 09:10:00')])).toEqual([]);
    expect(secondLine([{ code: INDACATEROL }], [earlier(SALBUTAMOL, '2026-10-10 09:10:00')])).toEqual([]);
    expect(secondLine([{ code: INDACATEROL }], [earlier(MONTELUKAST, '2026-10-10 09:10:00')])).toEqual([]);
    for (const history of [[], [earlier(AMOXICILLIN, '2026-10-10 09:10:00')], [earlier(INDACATEROL, '2026-10-10')]]) {
      const [r, ...more] = secondLine([{ code: INDACATEROL, rx_id: 'I1' }], history);
      expect(more).toEqual([]);
      expect(flaggedRx(r!)).toEqual(['I1']);
      expect(r!.sev_deg).toBe('2');
      expect(r!.vola_cont).toMatch(/未见同一治疗类别（ATC R03，如【[^】]+】【[^】]+】）其他药品的既往使用记录/);
    }
    // Tiotropium prescribed today with it is no earlier line.
    expect(secondLine([{ code: TIOTROPIUM }, { code: INDACATEROL }])).toHaveLength(1);
  });
});

describe('second_line: an add-on text counts a first-line drug of the same request (audit D2)', () => {
  it('度拉糖肽 with a metformin combination prescribed today is silent; alone it still fires', () => {
    expect(
      secondLine([
        { code: HENAGLIFLOZIN_METFORMIN, rx_id: 'M1' },
        { code: DULAGLUTIDE, rx_id: 'G1' },
      ]),
    ).toEqual([]);
    const [r, ...more] = secondLine([{ code: DULAGLUTIDE, rx_id: 'G1' }]);
    expect(more).toEqual([]);
    expect(flaggedRx(r!)).toEqual(['G1']);
    expect(r!.sev_deg).toBe('2');
    expect(r!.vola_cont).toContain('未见口服降糖药或胰岛素使用记录');
    // A second line of the drug itself shows no first line.
    expect(
      secondLine([
        { code: DULAGLUTIDE, rx_id: 'G1' },
        { code: DULAGLUTIDE, rx_id: 'G2' },
      ]),
    ).toHaveLength(1);
  });

  it('托莱西单抗 (…他汀类药物治疗，仍无法达到LDL-C目标) with a statin combination prescribed today is silent', () => {
    expect(secondLine([{ code: EZETIMIBE_ATORVASTATIN }, { code: TAFOLECIMAB, rx_id: 'P1' }])).toEqual([]);
  });

  it('a text that is not an add-on (依柯胰岛素: 其他胰岛素或口服药难以控制) still needs an earlier first line', () => {
    const [r] = secondLine([
      { code: DEGLUDEC_ASPART, rx_id: 'D1' },
      { code: EFSITORA, rx_id: 'E1' },
    ]);
    expect(flaggedRx(r!)).toEqual(['E1']);
  });
});
