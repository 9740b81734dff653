import { compileLibrary } from '@prealert/core';
import { loadNationalLibrary } from '@prealert/rules-cache';
import { describe, expect, it } from 'vitest';
import { localLibrary } from './support/local-library';
import { nationalLibrary } from './support/national';
import { flaggedRx, resultsOf, run } from './support/requests';

/**
 * 药品限适应症 on the national library: a text-only point whose restriction is wholly a diagnosis (rules-cache
 * indication-diagnoses.ts) is silent when a diagnosis of the encounter meets it, and reminds exactly as before when
 * none does; a point whose text asks for more keeps reminding; a local mapping's prefixes still escalate.
 */
const lib = nationalLibrary();
const INDICATION = 'GZ10000101008000';

const METFORMIN_EMPAGLIFLOZIN = 'XA10BDE083A001010104522'; // 二甲双胍恩格列净片(Ⅲ), 限2型糖尿病患者。
const IDEGASP = 'XA10ADD335B002010107103'; // 德谷门冬双胰岛素注射液, 限其他胰岛素或口服药难以控制的2型糖尿病患者。
const DEXLANSOPRAZOLE_INJ = 'XA02BCY338B001010101425'; // 注射用右兰索拉唑, 限伴有出血的胃、十二指肠溃疡。
const SACUBITRIL_ALLISARTAN = 'XC09DXS309A001010100553'; // 沙库巴曲阿利沙坦钙片, 限原发性高血压。
const ULINASTATIN_INJ = 'XA16AXW071B014010100344'; // 注射用乌司他丁, 限急性胰腺炎、慢性复发性胰腺炎患者。
const CALCIUM_ACETATE = 'XA12AAC067A001010100548'; // 醋酸钙片, 限高磷血症。
// 沙库巴曲缬沙坦钠片, 限：1.射血分数降低的慢性心力衰竭(NYHA Ⅱ-Ⅳ级，LVEF≤40%)成人患者；2.原发性高血压。
const SACUBITRIL_VALSARTAN = 'XC09DXS255A001010101606';
const HENAGLIFLOZIN = 'XA10BKH120A001010101445'; // 脯氨酸恒格列净片, 限成人2型糖尿病患者。
// 司美格鲁肽注射液, 限：1.接受二甲双胍和/或磺脲类药物治疗血糖仍控制不佳的成人2型糖尿病患者；2.降低伴有心血管疾病的…
const SEMAGLUTIDE = 'XA10BJS279B002010283568';
const METFORMIN_EMPAGLIFLOZIN_VI = 'XA10BDE083A001010104522';

function reminders(code: string, diagnoses: string[]) {
  return resultsOf(run(lib, { diagnoses, lines: [{ code, rx_id: 'R1', pric: 50 }] }), INDICATION);
}

describe('indication: diagnoses read from the text only silence the reminder', () => {
  it('a wholly diagnostic point is silent with the diagnosis, main or secondary, and reminds as before without it', () => {
    expect(reminders(METFORMIN_EMPAGLIFLOZIN, ['E11.900'])).toEqual([]);
    expect(reminders(METFORMIN_EMPAGLIFLOZIN, ['J06.900', 'E11.200x031'])).toEqual([]);
    for (const diagnoses of [['J06.900'], ['E10.900'], []]) {
      const [r, ...more] = reminders(METFORMIN_EMPAGLIFLOZIN, diagnoses);
      expect(more).toEqual([]);
      expect(r!.sev_deg).toBe('3');
      expect(r!.wf_impact).toBe('confirm');
      expect(r!.vola_amt).toBe(0);
      expect(flaggedRx(r!)).toEqual(['R1']);
      const said = diagnoses.length > 0 ? `本次诊断为 ${diagnoses[0]} 诊断` : '本次未传诊断';
      expect(r!.vola_cont).toBe(
        `【二甲双胍恩格列净片(Ⅲ)】为限适应症支付药品（限2型糖尿病患者），${said}，请确认患者符合支付条件。`,
      );
    }
  });

  it('each table diagnosis is as narrow as its text: a neighbouring code still reminds', () => {
    // Ulcer with haemorrhage (fourth character 4) against one without (9).
    expect(reminders(DEXLANSOPRAZOLE_INJ, ['K25.400'])).toEqual([]);
    expect(reminders(DEXLANSOPRAZOLE_INJ, ['K26.000'])).toEqual([]);
    expect(reminders(DEXLANSOPRAZOLE_INJ, ['K25.900'])).toHaveLength(1);
    // Essential hypertension (also with heart involvement) against secondary hypertension.
    expect(reminders(SACUBITRIL_ALLISARTAN, ['I10.x00'])).toEqual([]);
    expect(reminders(SACUBITRIL_ALLISARTAN, ['I11.900'])).toEqual([]);
    expect(reminders(SACUBITRIL_ALLISARTAN, ['I15.900'])).toHaveLength(1);
    // 急性胰腺炎 is pinned (K85); 慢性复发性胰腺炎 is not (K86.1 is any other chronic pancreatitis).
    expect(reminders(ULINASTATIN_INJ, ['K85.900'])).toEqual([]);
    expect(reminders(ULINASTATIN_INJ, ['K86.100'])).toHaveLength(1);
    expect(reminders(CALCIUM_ACETATE, ['N18.500', 'E83.300'])).toEqual([]);
    expect(reminders(CALCIUM_ACETATE, ['N18.500'])).toHaveLength(1);
  });

  it('a point whose text asks for more than a diagnosis still reminds with it', () => {
    // One request, type 2 diabetes: the metformin combination is silent, 德谷门冬双胰岛素 (其他胰岛素或口服药难以控制的
    // 2型糖尿病) is not.
    const out = run(lib, {
      diagnoses: ['E11.900'],
      lines: [
        // Metformin before as well: without it the second-line card shows the same text and the reminder is dropped.
        { code: METFORMIN_EMPAGLIFLOZIN, rx_id: 'M0', date: '2026-11-10 09:00:00', current: false },
        { code: METFORMIN_EMPAGLIFLOZIN, rx_id: 'M' },
        { code: IDEGASP, rx_id: 'I' },
      ],
    });
    const [r, ...more] = resultsOf(out, INDICATION);
    expect(more).toEqual([]);
    expect(flaggedRx(r!)).toEqual(['I']);
    expect(r!.sev_deg).toBe('3');
    expect(r!.wf_impact).toBe('confirm');
    expect(r!.vola_cont).toContain('限其他胰岛素或口服药难以控制的2型糖尿病患者');
  });

  it('a local mapping still escalates (sev 2, reason) where the text alone only reminds', () => {
    const csv = `rule_name,gz_code,item_type,item_name,limit_type,limit_value,basis,code
药品限适应症,GZ10000101008000,drug,二甲双胍恩格列净片(Ⅲ),indication,限2型糖尿病患者。|E11,限2型糖尿病患者。,${METFORMIN_EMPAGLIFLOZIN}
`;
    const local = localLibrary(csv);
    const line = { code: METFORMIN_EMPAGLIFLOZIN, rx_id: 'R1', pric: 50 };

    const [mapped] = resultsOf(run(local, { diagnoses: ['J06.900'], lines: [line] }), INDICATION);
    expect(mapped!.sev_deg).toBe('2');
    expect(mapped!.wf_impact).toBe('reason');
    expect(mapped!.vola_amt).toBe(50);
    expect(mapped!.vola_cont).toContain('本次诊断为 J06.900');
    const [textOnly] = reminders(METFORMIN_EMPAGLIFLOZIN, ['J06.900']);
    expect(textOnly!.sev_deg).toBe('3');
    expect(textOnly!.wf_impact).toBe('confirm');

    // With the diagnosis both are silent.
    expect(resultsOf(run(local, { diagnoses: ['E11.900'], lines: [line] }), INDICATION)).toEqual([]);
    expect(reminders(METFORMIN_EMPAGLIFLOZIN, ['E11.900'])).toEqual([]);
  });

  it('diagnosis codes are compared whatever form the HIS sends them in', () => {
    // Dotless, lower case, full-width and with spaces: all the same category as E83.3 / E11.
    for (const sent of [
      'E833',
      'e83.300',
      'Ｅ８３．３００',
      ' E83.3 ',
      'E83.3\u00a0',
      '\ufeffE83.300',
      'E83\u200b.3',
    ]) {
      expect(reminders(CALCIUM_ACETATE, ['N18.500', sent]), sent).toEqual([]);
    }
    expect(reminders(METFORMIN_EMPAGLIFLOZIN, ['E11900x001'])).toEqual([]);
    // Dotless codes of a neighbouring subcategory still remind: the dot goes after the category, not anywhere.
    expect(reminders(CALCIUM_ACETATE, ['E835'])).toHaveLength(1);
    expect(reminders(DEXLANSOPRAZOLE_INJ, ['K259'])).toHaveLength(1);
    expect(reminders(DEXLANSOPRAZOLE_INJ, ['K254'])).toEqual([]);
  });

  it('a local mapping matches dotless diagnoses, and its own dotless prefixes, instead of escalating', () => {
    const csv = `rule_name,gz_code,item_type,item_name,limit_type,limit_value,basis,code
药品限适应症,GZ10000101008000,drug,醋酸钙片,indication,限高磷血症。|E833,限高磷血症。,${CALCIUM_ACETATE}
`;
    const local = localLibrary(csv);
    const line = { code: CALCIUM_ACETATE, rx_id: 'R1', pric: 50 };
    for (const sent of ['E83.300', 'E83300', 'e833']) {
      expect(resultsOf(run(local, { diagnoses: [sent], lines: [line] }), INDICATION), sent).toEqual([]);
    }
    const [other] = resultsOf(run(local, { diagnoses: ['E83.500'], lines: [line] }), INDICATION);
    expect(other!.sev_deg).toBe('2');
    // The message quotes the code as the HIS sent it.
    const [sentAsIs] = resultsOf(run(local, { diagnoses: ['e835'], lines: [line] }), INDICATION);
    expect(sentAsIs!.vola_cont).toContain('本次诊断为 e835');
  });

  it('a morphology code sent without its slash is read as morphology, never as the ICD-10 category it looks like', () => {
    // 艾地骨化醇软胶囊, 限绝经后女性骨质疏松症: M80.0 and M81.0 are postmenopausal osteoporosis (with, without fracture).
    const eldecalcitol = { code: 'XA11CCA351E002010101121', rx_id: 'R1', pric: 50 };
    const osteoporosis = (prefixes: string) =>
      localLibrary(`rule_name,gz_code,item_type,item_name,limit_type,limit_value,basis,code
药品限适应症,GZ10000101008000,drug,艾地骨化醇软胶囊,indication,限绝经后女性骨质疏松症。|${prefixes},限绝经后女性骨质疏松症。,${eldecalcitol.code}
`);
    const byDotted = osteoporosis('M80.0;M81.0');
    const byCategory = osteoporosis('M80;M81');
    // M800003 is 恶性肿瘤 M80000/3 without its slash, not "M80.0003"; M81400/3 (腺癌) is no M81 osteoporosis.
    for (const [local, sent] of [
      [byDotted, 'M800003'],
      [byCategory, 'M800003'],
      [byCategory, 'M81400/3'],
      [byCategory, 'm814003'],
    ] as const) {
      const [r] = resultsOf(run(local, { diagnoses: [sent], lines: [eldecalcitol] }), INDICATION);
      expect(r?.sev_deg, sent).toBe('2');
    }
    // Osteoporosis itself still meets both, dotted or not (M81000 is the dotless 医保版 M81.000).
    for (const local of [byDotted, byCategory])
      for (const sent of ['M81.000', 'M81000', 'M80.000'])
        expect(resultsOf(run(local, { diagnoses: [sent], lines: [eldecalcitol] }), INDICATION), sent).toEqual([]);

    // 伏罗尼布片, 限…晚期肾细胞癌: a mapping written by histology (肾细胞癌 M83120/3) meets the code sent without its slash.
    const vorolanib = { code: 'XL01EKF736A001010104611', rx_id: 'R1', pric: 50 };
    const byHistology = localLibrary(`rule_name,gz_code,item_type,item_name,limit_type,limit_value,basis,code
药品限适应症,GZ10000101008000,drug,伏罗尼布片,indication,限晚期肾细胞癌(RCC)患者。|M83120/3,限晚期肾细胞癌(RCC)患者。,${vorolanib.code}
`);
    for (const sent of ['M831203', 'M83120/3', 'm83120／3']) {
      expect(resultsOf(run(byHistology, { diagnoses: [sent], lines: [vorolanib] }), INDICATION), sent).toEqual([]);
    }
    const [other] = resultsOf(run(byHistology, { diagnoses: ['M814003'], lines: [vorolanib] }), INDICATION);
    expect(other!.sev_deg).toBe('2');
  });

  it('one numbered alternative wholly a diagnosis silences the point; the unread one still reminds (audit O2)', () => {
    // 75-year-old with heart failure and essential hypertension: alternative 2 is met whatever alternative 1 asks.
    expect(reminders(SACUBITRIL_VALSARTAN, ['I50.900', 'I10.x00'])).toEqual([]);
    expect(reminders(SACUBITRIL_VALSARTAN, ['I11.000'])).toEqual([]);
    // Heart failure alone: NYHA class and LVEF are not in the code, so the doctor still confirms, as before.
    const [r, ...more] = reminders(SACUBITRIL_VALSARTAN, ['I50.900']);
    expect(more).toEqual([]);
    expect(r!.sev_deg).toBe('3');
    expect(r!.wf_impact).toBe('confirm');
    expect(r!.vola_cont).toContain('限：1.射血分数降低的慢性心力衰竭');
  });

  it("成人 is the age on the line's day: quiet only with the diagnosis and 18 full years (audit O3)", () => {
    const adult = (brdy: string, diagnoses: string[]) =>
      resultsOf(
        run(lib, { brdy, diagnoses, lines: [{ code: HENAGLIFLOZIN, rx_id: 'R1', date: '2026-11-20 09:00:00' }] }),
        INDICATION,
      );
    expect(adult('1968-03-01', ['E11.900'])).toEqual([]);
    // 18 on the line's day (born 2008-11-20) is adult; the day before the birthday is not.
    expect(adult('2008-11-20', ['E11.900'])).toEqual([]);
    const [minor, ...more] = adult('2008-11-21', ['E11.900']);
    expect(more).toEqual([]);
    expect(minor!.sev_deg).toBe('3');
    expect(minor!.wf_impact).toBe('confirm');
    expect(minor!.vola_cont).toBe(
      '【脯氨酸恒格列净片】为限适应症支付药品（限成人2型糖尿病患者），本次诊断为 E11.900 诊断，请确认患者符合支付条件。',
    );
    // An adult without the diagnosis is reminded, as before.
    expect(adult('1968-03-01', ['J06.900'])).toHaveLength(1);
  });

  it('a prior therapy that did not suffice is a line of it, earlier or current, besides diagnosis and age (audit O4)', () => {
    // Metformin and gliclazide are in no national point: made-up codes in the national layout (X + ATC4 + …).
    const METFORMIN = 'XA10BAE001A001010100001';
    const GLICLAZIDE = 'XA10BBG017A001010100001';
    const ACARBOSE = 'XA10BFA011A001010100001';
    const semaglutide = (brdy: string, diagnoses: string[], today: string[], earlier: string[]) =>
      resultsOf(
        run(lib, {
          brdy,
          diagnoses,
          lines: [
            { code: SEMAGLUTIDE, rx_id: 'R1', date: '2026-11-20 09:00:00' },
            ...today.map((code, i) => ({ code, rx_id: `R${i + 2}`, date: '2026-11-20 09:00:00' })),
          ],
          history: [
            {
              mdtrt_id: 'H1',
              adm_date: '2026-08-10 09:00:00',
              lines: earlier.map((code) => ({ code, date: '2026-08-10 09:10:00', current: false })),
            },
          ],
        }),
        INDICATION,
      );
    // The audit's patient: 62, E11.900, metformin in August (and today).
    expect(semaglutide('1964-02-11', ['E11.900', 'E66.900'], [METFORMIN], [METFORMIN])).toEqual([]);
    expect(semaglutide('1964-02-11', ['E11.900'], [], [METFORMIN])).toEqual([]);
    expect(semaglutide('1964-02-11', ['E11.900'], [GLICLAZIDE], [])).toEqual([]);
    // A fixed combination with metformin (A10BD) shows it too.
    expect(semaglutide('1964-02-11', ['E11.900'], [], [METFORMIN_EMPAGLIFLOZIN_VI])).toEqual([]);
    // Each condition is needed: no metformin or sulfonylurea (acarbose only), no diagnosis, under 18.
    for (const [brdy, diagnoses, earlier] of [
      ['1964-02-11', ['E11.900'], [ACARBOSE]],
      ['1964-02-11', ['E11.900'], []],
      ['1964-02-11', ['I10.x00'], [METFORMIN]],
      ['2010-05-01', ['E11.900'], [METFORMIN]],
    ] as const) {
      const [r, ...more] = semaglutide(brdy, [...diagnoses], [], [...earlier]);
      expect(more).toEqual([]);
      expect(r!.sev_deg).toBe('3');
      expect(r!.wf_impact).toBe('confirm');
      expect(flaggedRx(r!)).toEqual(['R1']);
      expect(r!.vola_cont).toContain('为限适应症支付药品（限：1.接受二甲双胍和/或磺脲类药物治疗血糖仍控制不佳');
    }
  });

  it('a library built before the prior therapy was read (no quietPriorClasses) keeps reminding, as it did', () => {
    const national = loadNationalLibrary();
    const older = { ...national };
    older.knowledgePoints = national.knowledgePoints.map((kp) => {
      if (kp.limit.kind !== 'indication' || kp.limit.quietPriorClasses === undefined) return kp;
      const { quietPriorClasses: _prior, quietIcdPrefixes: _prefixes, quietMinAgeYears: _age, ...limit } = kp.limit;
      return { ...kp, limit };
    });
    const request = {
      diagnoses: ['E11.900'],
      lines: [
        { code: SEMAGLUTIDE, rx_id: 'R1' },
        { code: 'XA10BAE001A001010100001', rx_id: 'R2' },
      ],
    };
    expect(resultsOf(run(compileLibrary(older), request), INDICATION)).toHaveLength(1);
    expect(resultsOf(run(lib, request), INDICATION)).toEqual([]);
  });

  it('「限有…诊断患者的二线用药」 is quiet with any one listed diagnosis: the second_line point decides the rest (audit O12)', () => {
    const ILAPRAZOLE = 'XA02BCA084A012010100453'; // 艾普拉唑肠溶片, 限有十二指肠溃疡、反流性食管炎诊断患者的二线用药。
    const OMEPRAZOLE = 'XA02BCA083A012010100001'; // made up in the national layout: in no national point
    const SECOND_LINE = 'GZ10000101005000';
    const visit = (diagnoses: string[], earlier: string[]) =>
      run(lib, {
        diagnoses,
        lines: [{ code: ILAPRAZOLE, rx_id: 'R1', date: '2026-11-20 09:00:00' }],
        history: [
          {
            mdtrt_id: 'H1',
            adm_date: '2026-10-20 09:00:00',
            lines: earlier.map((code) => ({ code, date: '2026-10-20 09:10:00', current: false })),
          },
        ],
      });
    // The audit's patient: reflux oesophagitis, omeprazole before. Neither point reminds.
    const o12 = visit(['K21.000'], [OMEPRAZOLE]);
    expect(resultsOf(o12, INDICATION)).toEqual([]);
    expect(resultsOf(o12, SECOND_LINE)).toEqual([]);
    expect(resultsOf(visit(['K26.900'], [OMEPRAZOLE]), INDICATION)).toEqual([]);
    // The diagnosis quiets only the indication point: without a first line the second_line point still reminds.
    const first = visit(['K21.000'], []);
    expect(resultsOf(first, INDICATION)).toEqual([]);
    expect(resultsOf(first, SECOND_LINE)).toHaveLength(1);
    // Neither listed diagnosis (GERD without oesophagitis, gastritis): the indication reminder as before.
    for (const diagnoses of [['K21.900'], ['K29.700']]) {
      const [r, ...more] = resultsOf(visit(diagnoses, [OMEPRAZOLE]), INDICATION);
      expect(more).toEqual([]);
      expect(r!.sev_deg).toBe('3');
      expect(r!.wf_impact).toBe('confirm');
      expect(flaggedRx(r!)).toEqual(['R1']);
      expect(r!.vola_cont).toBe(
        `【艾普拉唑肠溶片】为限适应症支付药品（限有十二指肠溃疡、反流性食管炎诊断患者的二线用药），本次诊断为 ${diagnoses[0]} 诊断，请确认患者符合支付条件。`,
      );
    }
  });

  it('a library built before the age was read (no quietMinAgeYears) silences on the diagnosis alone, as it did', () => {
    const national = loadNationalLibrary();
    const older = { ...national };
    older.knowledgePoints = national.knowledgePoints.map((kp) => {
      if (kp.limit.kind !== 'indication' || kp.limit.quietMinAgeYears === undefined) return kp;
      const { quietMinAgeYears: _age, ...limit } = kp.limit;
      return { ...kp, limit };
    });
    const line = { code: HENAGLIFLOZIN, rx_id: 'R1' };
    const minor = { brdy: '2010-05-01', diagnoses: ['E11.900'], lines: [line] };
    expect(resultsOf(run(compileLibrary(older), minor), INDICATION)).toEqual([]);
    expect(resultsOf(run(lib, minor), INDICATION)).toHaveLength(1);
  });
});
