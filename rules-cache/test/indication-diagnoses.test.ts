import {
  buildLibrary,
  loadNationalLibrary,
  type PublishedRecord,
  parseLimit,
  quietWithSecondLineCarried,
  readFramework,
  readIndication,
} from '@prealert/rules-cache';
import { describe, expect, it } from 'vitest';

/**
 * The effect of the indication table (src/indication-diagnoses.ts) on the 510 published 药品限适应症 points, for
 * review. Every point whose restriction is wholly a diagnosis (a), as "item: ICD-10 prefixes", or "none" with the
 * diagnoses no ICD-10 category pins (those points remind as before). The other points are (b), a diagnosis with more
 * than the request shows (an age, a stage or severity, a prior treatment, a lab value, a setting, a days limit) or a
 * text the table does not read, and (c), no disease of the patient; both get nothing.
 */
const EXPECTED = [
  '阿加糖酶α注射用浓溶液: E75.2',
  '艾地骨化醇软胶囊: M80.0 M81.0',
  '艾塞那肽注射液: E11',
  '安奈拉唑钠肠溶片: K26',
  '奥美拉唑碳酸氢钠干混悬剂(Ⅰ): K26 K21',
  '奥美拉唑碳酸氢钠干混悬剂(Ⅱ): K25',
  '醋酸钙胶囊: E83.3',
  '醋酸钙片: E83.3',
  '多格列艾汀片: E11',
  '二甲双胍恩格列净片(Ⅲ): E11',
  '二甲双胍恩格列净片(Ⅵ): E11',
  '骨化三醇口服溶液: M80.0 M81.0 N25.0 E89.2 E20.0 E20.1',
  '恒格列净二甲双胍缓释片(Ⅰ): E11',
  '恒格列净二甲双胍缓释片(Ⅱ): E11',
  '精氨酸谷氨酸注射液: none [肝性脑病]',
  '利拉鲁肽注射液: E11',
  '麦格司他胶囊: none [C型尼曼匹克病]',
  '门冬氨酸钾镁注射液: none [洋地黄中毒引起的心律失常]',
  '门冬氨酸鸟氨酸注射液: none [血氨升高、肝性脑病]',
  '尼替西农胶囊: none [成人和儿童酪氨酸血症Ⅰ型(HT-1)]',
  '脯氨酸恒格列净片: E11 (≥18岁)',
  '脯氨酸加格列净片: E11',
  '乌司他丁注射液: K85',
  '戊二酸利那拉生酯胶囊: K21.0',
  '烟酰胺片: E52',
  '烟酰胺注射液: E52',
  '盐酸乙酰左卡尼汀片: none [临床确诊的糖尿病周围神经病变]',
  '依苏帕格鲁肽α注射液: E11 (≥18岁)',
  '注射用门冬氨酸钾镁: none [洋地黄中毒引起的心律失常]',
  '注射用门冬氨酸鸟氨酸: none [血氨升高、肝性脑病]',
  '注射用乌司他丁: K85',
  '注射用烟酰胺: E52',
  '注射用右兰索拉唑: K25.0 K25.2 K25.4 K25.6 K26.0 K26.2 K26.4 K26.6',
  '氨基己酸氯化钠注射液: none [治疗血纤维蛋白溶解亢进引起出血]',
  '氨基己酸注射液: none [治疗血纤维蛋白溶解亢进引起出血]',
  '琥珀酰明胶电解质醋酸钠注射液: R57.1',
  '罗沙司他胶囊: none [慢性肾脏病(CKD)引起的贫血]',
  '门冬氨酸钾镁木糖醇注射液: none [洋地黄中毒引起的心律失常]',
  '重组人促红素-β注射液(CHO细胞): none [肾性贫血、非骨髓恶性肿瘤化疗引起的贫血]',
  '阿利沙坦酯氨氯地平片: I10 I11 I12 I13',
  '多磺酸粘多糖乳膏: none [由静脉输液或注射引起的血栓性静脉炎]',
  '海博麦布片: none [原发性(杂合子家族性或非家族性)高胆固醇血症]',
  '沙库巴曲阿利沙坦钙片: I10 I11 I12 I13',
  '醋酸氟氢可的松片: none [失盐型先天性肾上腺皮质增生症(CAH)及失盐型原发慢性肾上腺皮质功能减退症(Addison病)]',
  '非那雄胺分散片: N40',
  '非那雄胺胶囊: N40',
  '非那雄胺片: N40',
  '克霉唑阴道膨胀栓: B37.3',
  '牛碱性成纤维细胞生长因子凝胶: T20.2 T21.2 T22.2 T23.2 T24.2 T25.2 T29.2 T30.2',
  '炔雌醇环丙孕酮片: E28.2',
  '人生长激素注射液: none [生长激素缺乏症]',
  '外用牛碱性成纤维细胞生长因子: T20.2 T21.2 T22.2 T23.2 T24.2 T25.2 T29.2 T30.2',
  '外用重组人碱性成纤维细胞生长因子: T20.2 T21.2 T22.2 T23.2 T24.2 T25.2 T29.2 T30.2',
  '重组牛碱性成纤维细胞生长因子凝胶: T20.2 T21.2 T22.2 T23.2 T24.2 T25.2 T29.2 T30.2',
  '重组人碱性成纤维细胞生长因子凝胶: T20.2 T21.2 T22.2 T23.2 T24.2 T25.2 T29.2 T30.2',
  '重组人生长激素注射液: none [生长激素缺乏症]',
  '注射用醋酸奥曲肽微球: none [胃肠胰内分泌肿瘤、肢端肥大症]',
  '注射用人生长激素: none [生长激素缺乏症]',
  '注射用重组人生长激素: none [生长激素缺乏症]',
  '艾考恩丙替片: B20 B21 B22 B23 B24 Z21',
  '艾诺米替片: B20 B21 B22 B23 B24 Z21',
  '艾诺韦林片: B20 B21 B22 B23 B24 Z21',
  '比克恩丙诺片: B20 B21 B22 B23 B24 Z21',
  '德拉马尼片: none [耐多药结核]',
  '多拉米替片: B20 B21 B22 B23 B24 Z21',
  '恩曲利匹丙诺片: B20 B21 B22 B23 B24 Z21',
  '恩曲他滨胶囊: B20 B21 B22 B23 B24 Z21',
  '恩替卡韦颗粒: B16 B18.0 B18.1',
  '富马酸贝达喹啉片: none [耐多药结核]',
  '拉米夫定多替拉韦片: B20 B21 B22 B23 B24 Z21',
  '利匹韦林片: B20 B21 B22 B23 B24 Z21',
  '磷酸特地唑胺片: L02 L03 A46',
  '洛匹那韦利托那韦片: B20 B21 B22 B23 B24 Z21',
  '奈韦拉平齐多拉米双夫定片: B20 B21 B22 B23 B24 Z21',
  '普托马尼片: none [耐多药结核]',
  '齐多夫定注射液: B20 B21 B22 B23 B24 Z21',
  '齐多拉米双夫定片: B20 B21 B22 B23 B24 Z21',
  '注射用艾博韦泰: B20 B21 B22 B23 B24 Z21',
  '注射用磷酸特地唑胺: L02 L03 A46',
  '注射用齐多夫定: B20 B21 B22 B23 B24 Z21',
  '吡非尼酮胶囊: none [特发性肺纤维化]',
  '吡非尼酮片: none [特发性肺纤维化]',
  '多替诺雷片: none [痛风伴高尿酸血症]',
  '榄香烯乳状注射液: none [癌性胸腹水]',
  '榄香烯注射液: none [癌性胸腹水]',
  '麦考酚钠肠溶片: Z94.0 Z94.1 Z94.2 Z94.3 Z94.4 T86.1 T86.2 T86.3 T86.4',
  '咪唑立宾片: none [器官移植后的排异反应]',
  '诺西那生钠注射液: none [5q脊髓性肌萎缩症]',
  '人白介素-2(125Ala)注射液: C43',
  '人白介素-2注射液: C43',
  '酮洛芬凝胶贴膏: M15 M16 M17 M18 M19',
  '西罗莫司胶囊: Z94.0 Z94.1 Z94.2 Z94.3 Z94.4 T86.1 T86.2 T86.3 T86.4',
  '西罗莫司口服溶液: Z94.0 Z94.1 Z94.2 Z94.3 Z94.4 T86.1 T86.2 T86.3 T86.4',
  '西罗莫司片: Z94.0 Z94.1 Z94.2 Z94.3 Z94.4 T86.1 T86.2 T86.3 T86.4',
  '重组人白细胞介素-2(125Ala)注射液: C43',
  '注射用人白介素-2: C43',
  '注射用人白介素-2(125Ala): C43',
  '注射用人白介素-2(Ⅰ): C43',
  '注射用重组人白介素-2: C43',
  '注射用重组人白介素-2(125Ala): C43',
];

/**
 * Numbered lists of which some alternatives are table diagnoses and the others ask for more: the alternatives read
 * give their prefixes (a patient with one of those diagnoses meets the restriction), the others nothing.
 */
const PARTLY = [
  '富马酸伏诺拉生片: K21.0 [反流性食管炎]',
  '司美格鲁肽注射液: E11 [成人2型糖尿病]',
  '替戈拉生片: K21.0 K26 [反流性食管炎、十二指肠溃疡]',
  '盐酸凯普拉生片: K26 K21.0 [十二指肠溃疡、反流性食管炎]',
  '沙库巴曲缬沙坦钠片: I10 I11 I12 I13 [原发性高血压]',
  '醋酸兰瑞肽缓释注射液(预充式): none [肢端肥大症]',
];

/** (c): a treatment, a procedure, prophylaxis or an exposure. */
const NO_DIAGNOSIS = [
  '阿瑞匹坦注射液: 限放化疗。',
  '注射用福沙匹坦双葡甲胺: 限放化疗。',
  '注射用磷罗拉匹坦帕洛诺司琼: 限预防成人高度致吐性化疗(HEC)引起的急性和迟发性恶心和呕吐。',
  '山梨醇甘露醇冲洗剂: 限经尿道前列腺切除术及其他泌尿外科手术的术中冲洗。',
  '黄体酮注射液(Ⅱ): 限辅助生殖技术(ART)中黄体酮的补充治疗，适用于不能使用或不能耐受阴道制剂的女性。',
  '人免疫球蛋白: 限麻疹和传染性肝炎接触者的预防治疗。',
  '斯泰度塔单抗注射液: 限成人破伤风紧急预防。',
  '示踪用盐酸米托蒽醌注射液: 限甲状腺手术区域淋巴结或乳腺癌前哨淋巴结的示踪。',
  '注射用巴利昔单抗: 限器官移植的诱导治疗。',
];

describe('diagnoses of the national indication points', () => {
  const points = loadNationalLibrary().knowledgePoints.filter((kp) => kp.limit.kind === 'indication');
  const quiet = (kp: (typeof points)[number]) => (kp.limit as { quietIcdPrefixes?: string[] }).quietIcdPrefixes ?? [];

  it('classifies every point: 100 wholly diagnostic (69 with prefixes), 6 partly, 395 with more, 9 with no diagnosis', () => {
    expect(points).toHaveLength(510);
    const kinds = { diagnosis: 0, partly: 0, conditional: 0, none: 0 };
    for (const kp of points) {
      expect(kp.limitText).toBe(kp.basis);
      kinds[readIndication(kp.basis).kind]++;
    }
    expect(kinds).toEqual({ diagnosis: 100, partly: 6, conditional: 395, none: 9 });
    // The import gives the prefixes to the wholly or partly diagnostic points with a pinned diagnosis (69 + 5), to
    // 艾普拉唑肠溶片, whose second-line part a second_line point decides (below), and to no other.
    expect(points.filter((kp) => quiet(kp).length > 0)).toHaveLength(75);
    for (const kp of points)
      expect(quiet(kp), kp.itemName).toEqual(
        kp.itemName === '艾普拉唑肠溶片' ? ['K26', 'K21.0'] : readIndication(kp.basis).prefixes,
      );
  });

  it('lists every wholly diagnostic point with its prefixes or none', () => {
    const listed = points
      .map((kp) => ({ kp, reading: readIndication(kp.basis) }))
      .filter(({ reading }) => reading.kind === 'diagnosis')
      .map(({ kp, reading }) =>
        reading.prefixes.length > 0
          ? `${kp.itemName}: ${reading.prefixes.join(' ')}${reading.minAgeYears ? ` (≥${reading.minAgeYears}岁)` : ''}`
          : `${kp.itemName}: none [${reading.diagnoses.join('、')}]`,
      );
    expect(listed).toEqual(EXPECTED);
    const partly = points
      .map((kp) => ({ kp, reading: readIndication(kp.basis) }))
      .filter(({ reading }) => reading.kind === 'partly')
      .map(
        ({ kp, reading }) =>
          `${kp.itemName}: ${reading.prefixes.length > 0 ? reading.prefixes.join(' ') : 'none'} [${reading.diagnoses.join('、')}]`,
      );
    expect(partly).toEqual(PARTLY);
    const none = points.filter((kp) => readIndication(kp.basis).kind === 'none');
    expect(none.map((kp) => `${kp.itemName}: ${kp.basis}`).sort()).toEqual([...NO_DIAGNOSIS].sort());
  });

  it('leaves a diagnosis with more than the request shows unread', () => {
    const unread = [
      '限其他胰岛素或口服药难以控制的2型糖尿病患者。', // a prior treatment
      '限血糖控制不佳的成人2型糖尿病患者。', // control, age
      '限成人复发型多发性硬化的患者。', // a diagnosis the table does not know, with an age
      '限2型糖尿病相关的慢性肾脏病成人患者。', // a complication, age
      '限轻、中度原发性高血压。', // severity
      '限有十二指肠溃疡、反流性食管炎诊断患者的二线用药。', // second line
      '限新发的缺血性脑梗死，支付不超过14天。', // onset, days
      '限反流性食管炎或与适当的抗生素联用以根除幽门螺杆菌。', // alternatives not numbered: not read one by one
      '限：成人控制饮食基础上：1.降低重度高甘油三酯血症患者甘油三酯(TG)水平；2.原发性高胆固醇血症或混合型血脂异常患者的治疗。',
      '适用于严重高血压。',
    ];
    for (const text of unread) {
      expect(readIndication(text).kind, text).toBe('conditional');
      expect(parseLimit('indication', text, text)).toEqual({
        ok: true,
        kind: 'indication',
        limits: [{ kind: 'indication', text, icdPrefixes: [] }],
      });
    }
  });

  it('reads alternatives, numbered lists and words that restrict nothing', () => {
    expect(readIndication('限活动性十二指肠溃疡或胃食管反流病。')).toEqual({
      kind: 'diagnosis',
      prefixes: ['K26', 'K21'],
      diagnoses: ['活动性十二指肠溃疡', '胃食管反流病'],
    });
    expect(readIndication('限肾细胞癌、黑色素瘤、癌性胸腹腔积液。').prefixes).toEqual(['C43']);
    expect(
      readIndication(
        '限：1.绝经后骨质疏松；2.慢性肾功能衰竭，尤其是接受血液透析患者之肾性骨营养不良症；3.术后甲状旁腺功能低下；4.特发性甲状旁腺功能低下；5.假性甲状旁腺功能低下；6.维生素D依赖性佝偻病；7.低血磷性维生素D抵抗型佝偻病等。',
      ).prefixes,
    ).toEqual(['M80.0', 'M81.0', 'N25.0', 'E89.2', 'E20.0', 'E20.1']);
    expect(
      readIndication(
        '限法布雷病(α-半乳糖苷酶A缺乏症)患者的长期酶替代治疗，适用于成人、儿童和青少年。尚未确定本品在0-6岁儿童中的安全性和有效性。',
      ).prefixes,
    ).toEqual(['E75.2']);
  });

  it('reads each numbered alternative on its own: one wholly a diagnosis gives its prefixes', () => {
    // 沙库巴曲缬沙坦钠片 (audit O2): heart failure with NYHA class and LVEF is unread, essential hypertension is not.
    const text = '限：1.射血分数降低的慢性心力衰竭(NYHA Ⅱ-Ⅳ级，LVEF≤40%)成人患者；2.原发性高血压。';
    expect(readIndication(text)).toEqual({
      kind: 'partly',
      prefixes: ['I10', 'I11', 'I12', 'I13'],
      diagnoses: ['原发性高血压'],
    });
    expect(parseLimit('indication', text, text)).toEqual({
      ok: true,
      kind: 'indication',
      limits: [{ kind: 'indication', text, icdPrefixes: [], quietIcdPrefixes: ['I10', 'I11', 'I12', 'I13'] }],
    });
    // A preamble holds for every item: the list is not split, nothing is read.
    expect(readIndication('限：成人控制饮食基础上：1.原发性高血压；2.2型糖尿病。').kind).toBe('conditional');
  });

  it('reads a prior therapy that did not suffice as first-line classes next to the diagnosis (audit O4)', () => {
    // 司美格鲁肽注射液: item 1 is the diagnosis, the adult age and a line of metformin or a sulfonylurea; item 2
    // (cardiovascular risk) is unread.
    const text =
      '限：1.接受二甲双胍和/或磺脲类药物治疗血糖仍控制不佳的成人2型糖尿病患者；2.降低伴有心血管疾病的2型糖尿病成人患者的主要心血管不良事件(心血管死亡、非致死性心肌梗死或非致死性卒中)风险。';
    expect(readIndication(text)).toEqual({
      kind: 'partly',
      prefixes: ['E11'],
      diagnoses: ['成人2型糖尿病'],
      minAgeYears: 18,
      priorClasses: ['A10BA', 'A10BD', 'A10BB'],
    });
    expect(parseLimit('indication', text, text)).toEqual({
      ok: true,
      kind: 'indication',
      limits: [
        {
          kind: 'indication',
          text,
          icdPrefixes: [],
          quietIcdPrefixes: ['E11'],
          quietMinAgeYears: 18,
          quietPriorClasses: ['A10BA', 'A10BD', 'A10BB'],
        },
      ],
    });
    // A therapy the first-line table cannot map leaves the alternative unread.
    expect(readIndication('限接受传统DMARDs治疗血糖仍控制不佳的2型糖尿病患者。').kind).toBe('conditional');
    // Only this one national point asks a prior therapy the import reads.
    const withPrior = points.filter((kp) => readIndication(kp.basis).priorClasses !== undefined);
    expect(withPrior.map((kp) => kp.itemName)).toEqual(['司美格鲁肽注射液']);
  });

  it('reads 成人 as an age of 18 next to the diagnosis, and keeps the older library shape without it', () => {
    for (const text of ['限成人2型糖尿病患者。', '限2型糖尿病成人患者。', '限成人2型糖尿病患者的血糖控制。']) {
      expect(readIndication(text), text).toMatchObject({ kind: 'diagnosis', prefixes: ['E11'], minAgeYears: 18 });
      expect(parseLimit('indication', text, text)).toEqual({
        ok: true,
        kind: 'indication',
        limits: [{ kind: 'indication', text, icdPrefixes: [], quietIcdPrefixes: ['E11'], quietMinAgeYears: 18 }],
      });
    }
    // Alternatives that differ: the strictest age holds for all.
    expect(readIndication('限：1.成人2型糖尿病；2.原发性高血压。')).toMatchObject({
      prefixes: ['E11', 'I10', 'I11', 'I12', 'I13'],
      minAgeYears: 18,
    });
    // 成人和儿童 is every age (a table phrase), and an age with no pinned diagnosis gives nothing.
    expect(readIndication('限成人和儿童酪氨酸血症Ⅰ型(HT-1)患者。').minAgeYears).toBeUndefined();
    expect(readIndication('限成人肾细胞癌。')).toEqual({
      kind: 'diagnosis',
      prefixes: [],
      diagnoses: ['成人肾细胞癌'],
    });
  });

  it('parses a national row into quiet prefixes, and a local mapping into escalating ones only', () => {
    expect(parseLimit('indication', '限2型糖尿病患者。', '限2型糖尿病患者。')).toEqual({
      ok: true,
      kind: 'indication',
      limits: [{ kind: 'indication', text: '限2型糖尿病患者。', icdPrefixes: [], quietIcdPrefixes: ['E11'] }],
    });
    expect(parseLimit('indication', '限2型糖尿病患者。|E11', '限2型糖尿病患者。')).toEqual({
      ok: true,
      kind: 'indication',
      limits: [{ kind: 'indication', text: '限2型糖尿病患者。', icdPrefixes: ['E11'] }],
    });
    // A local row whose basis says more than its limit text: the basis holds, nothing is read.
    expect(parseLimit('indication', '限2型糖尿病患者。', '限血糖控制不佳的2型糖尿病患者。')).toEqual({
      ok: true,
      kind: 'indication',
      limits: [{ kind: 'indication', text: '限2型糖尿病患者。', icdPrefixes: [] }],
    });
    // …and where the basis adds an age, the age holds.
    expect(parseLimit('indication', '限2型糖尿病患者。', '限成人2型糖尿病患者。')).toEqual({
      ok: true,
      kind: 'indication',
      limits: [
        {
          kind: 'indication',
          text: '限2型糖尿病患者。',
          icdPrefixes: [],
          quietIcdPrefixes: ['E11'],
          quietMinAgeYears: 18,
        },
      ],
    });
  });

  it('quiets 「限有<diagnoses>诊断患者的二线用药」 on any one diagnosis only where a second_line point carries the rest (audit O12)', () => {
    const text = '限有十二指肠溃疡、反流性食管炎诊断患者的二线用药。';
    expect(quietWithSecondLineCarried(text, text)).toEqual({ prefixes: ['K26', 'K21.0'] });
    // Other second-line shapes ask more than the request shows (a severity here) and give nothing.
    expect(quietWithSecondLineCarried('限轻中度特应性皮炎患者的二线用药。')).toEqual({ prefixes: [] });
    expect(quietWithSecondLineCarried('限有十二指肠溃疡诊断患者的用药。')).toEqual({ prefixes: [] });
    // Of the 510 national indication points only 艾普拉唑肠溶片 has the shape, and a second_line point covers its codes.
    const shaped = points.filter((kp) => quietWithSecondLineCarried(kp.limitText, kp.basis).prefixes.length > 0);
    expect(shaped.map((kp) => kp.itemName)).toEqual(['艾普拉唑肠溶片']);
    const national = loadNationalLibrary().knowledgePoints;
    const secondLine = national.filter((kp) => kp.limit.kind === 'second_line' && kp.itemName === '艾普拉唑肠溶片');
    expect(secondLine).toHaveLength(1);
    expect(shaped[0]!.codes.every((c) => secondLine[0]!.codes.includes(c))).toBe(true);
    // Without the second_line point the indication point keeps its whole text: nothing silences it.
    const record = (rule_name: string, limit_type: string, gz_code: string): PublishedRecord => ({
      rule_name,
      gz_code,
      item_type: 'drug',
      item_name: '艾普拉唑肠溶片',
      limit_type,
      limit_value: limit_type === 'indication' ? text : null,
      basis: text,
      codes: ['XA02BCA084A012010100453'],
    });
    const build = (records: PublishedRecord[]) => {
      const built = buildLibrary({
        meta: { version: 't', region: 'test', createdAt: '2026-11-30T00:00:00+08:00' },
        sources: [{ file: 't.json', records: records.map((r, i) => ({ row: i + 1, record: r })) }],
        framework: readFramework(),
      });
      if (!built.ok) throw new Error(JSON.stringify(built.issues));
      return built.value.knowledgePoints.find((kp) => kp.limit.kind === 'indication')!.limit;
    };
    const indication = record('药品限适应症', 'indication', 'GZ10000101008000');
    const second = record('药品限二线使用', 'second_line', 'GZ10000101005000');
    expect(build([indication])).toEqual({ kind: 'indication', text, icdPrefixes: [] });
    expect(build([indication, second])).toEqual({
      kind: 'indication',
      text,
      icdPrefixes: [],
      quietIcdPrefixes: ['K26', 'K21.0'],
    });
  });
});
