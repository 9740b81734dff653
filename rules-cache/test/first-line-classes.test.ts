import { loadNationalLibrary, parseLimit, readFirstLine } from '@prealert/rules-cache';
import { describe, expect, it } from 'vitest';

/**
 * The effect of the first-line table (src/first-line-classes.ts) on the 110 published 药品限二线使用 points, for
 * review: each point as "item own-class: prefixes (therapy in the message)", or "none" with the named phrases that
 * keep it on the fallback (another drug of its own ATC class). The list also pins the table's finer points: 含铂化疗
 * is platinum only (塞纳帕利), IgE(免疫球蛋白E) is not immunoglobulin (奥马珠单抗), PD-L1表达阳性 is not a PD-1
 * inhibitor (恩朗苏拜单抗), "不超过1种系统治疗" is a cap, not a need (苏维西塔单抗).
 */
const EXPECTED = [
  '阿可替尼胶囊 L01EL: none',
  '艾拉莫德片 M01AX: none [二线治疗]',
  '艾帕洛利托沃瑞利单抗注射液 L01FF: L01XA (铂类药品)',
  '艾普拉唑肠溶片 A02BC: none [二线用药]',
  '艾曲泊帕乙醇胺片 B02BX: H02AB J06BA L04A (糖皮质激素、免疫球蛋白或免疫抑制剂)',
  '艾托格列净片 A10BK: none [二线用药]',
  '奥马珠单抗注射液 R03DX: R03AK R06A (吸入糖皮质激素/长效β2受体激动剂复方制剂或H1抗组胺药)',
  '巴瑞替尼片 L04AA: none [传统DMARDs、传统合成或生物DMARDs、甲氨蝶呤]',
  '贝美前列素滴眼液 S01EE: none [二线用药]',
  '吡美莫司乳膏 D11AX: none [二线用药]',
  '布林佐胺噻吗洛尔滴眼液 S01ED: none [二线用药]',
  '布林佐胺溴莫尼定滴眼液 S01EC: none [二线用药]',
  '氮䓬斯汀氟替卡松鼻喷雾剂 R01AD: R01AC R01AD (鼻用抗组胺药/糖皮质激素)',
  '氘恩扎鲁胺软胶囊 L02BB: L01A L01B L01C L01D L01XA (化疗药品)',
  '德谷门冬双胰岛素注射液 A10AD: A10BA A10BB A10BD A10BF A10BG A10BH A10BK A10BX A10A (口服降糖药或胰岛素)',
  '丁甘交联玻璃酸钠注射液 M09AX: none [非药物、止痛药物]',
  '度拉糖肽注射液 A10BJ: A10BA A10BB A10BD A10BF A10BG A10BH A10BK A10BX A10A (口服降糖药或胰岛素)',
  '度普利尤单抗注射液 D11AH: none [传统治疗]',
  '恩朗苏拜单抗注射液 L01FF: L01XA (铂类药品)',
  '恩他卡朋片 N04BX: none [二线用药]',
  '恩他卡朋双多巴片 N04BX: none [二线用药]',
  '恩他卡朋双多巴片(Ⅱ) N04BX: none [二线用药]',
  '恩他卡朋双多巴片(Ⅲ) N04BX: none [二线用药]',
  '恩他卡朋双多巴片(Ⅳ) N04BX: none [二线用药]',
  '恩替司他片 L01XH: L02 (内分泌治疗药品)',
  '呋喹替尼胶囊 L01EK: L01 L02 (抗肿瘤药品)',
  '伏罗尼布片 L01EK: L01E (蛋白激酶抑制剂)',
  '氟泽雷塞片 L01EX: L01 L02 (抗肿瘤药品)',
  '氟唑帕利胶囊 L01XX: L02 L01A L01B L01C L01D L01XA (内分泌治疗药品或化疗药品)',
  '富马酸依美斯汀缓释胶囊 R06AX: none [二线用药]',
  '戈利木单抗注射液 L04AB: none [传统DMARDs]',
  '戈利昔替尼胶囊 L01EJ: L01 L02 (抗肿瘤药品)',
  '格索雷塞片 L01XX: L01 L02 (抗肿瘤药品)',
  '枸橼酸伏维西利胶囊 L01EF: L02 (内分泌治疗药品)',
  '枸橼酸戈来雷塞片 L01EX: L01 L02 (抗肿瘤药品)',
  '枸橼酸伊沙佐米胶囊 L01XG: none',
  '古塞奇尤单抗注射液(静脉输注) L04AC: A07EC A07EA H02AB L04AB L04AC (氨基水杨酸制剂/糖皮质激素或TNF-α/白介素抑制剂)',
  '海曲泊帕乙醇胺片 B02BX: H02AB J06BA L04A (糖皮质激素、免疫球蛋白或免疫抑制剂)',
  '甲苯磺酸艾多沙班片 B01AF: B01AA (华法林)',
  '甲苯磺酸尼拉帕利胶囊 L01XK: L01XA (铂类药品)',
  '甲磺酸艾立布林注射液 L01XX: L01A L01B L01C L01D L01XA (化疗药品)',
  '甲磺酸贝舒地尔片 L04AA: none [其他系统治疗]',
  '甲磺酸吉米沙星片 J01MA: none [二线用药]',
  '甲氧聚二醇重组人促红素注射液 B03XA: none [红细胞生成刺激剂]',
  '结构脂肪乳注射液(C6～24) B05BA: none [二线用药]',
  '聚乙二醇洛塞那肽注射液 A10BJ: A10BA A10BB A10BD A10BF A10BG A10BH A10BK A10BX A10A (口服降糖药或胰岛素)',
  '卡匹色替片 L01EX: L02 (内分泌治疗药品)',
  '拉坦前列素滴眼液 S01EE: none [二线用药]',
  '利生奇珠单抗注射液 L04AC: A07EC A07EA H02AB L04AB L04AC (氨基水杨酸制剂/糖皮质激素或TNF-α/白介素抑制剂)',
  '利生奇珠单抗注射液(皮下注射) L04AC: A07EC A07EA H02AB L04AB L04AC (氨基水杨酸制剂/糖皮质激素或TNF-α/白介素抑制剂)',
  '利司那肽注射液 A10BJ: A10BA A10BB A10BD A10BF A10BG A10BH A10BK A10BX A10A (口服降糖药或胰岛素)',
  '硫酸艾玛昔替尼片 L01EJ: none [其他系统性治疗、局部外用治疗]',
  '马来酸茚达特罗吸入粉雾剂 R03AC: none [二线用药]',
  '马立巴韦片 J05AX: none [更昔洛韦、缬更昔洛韦、西多福韦]',
  '吗啉硝唑氯化钠注射液 J01XD: none [二线用药]',
  '帕米帕利胶囊 L01XK: L01A L01B L01C L01D L01XA (化疗药品)',
  '匹妥布替尼片 L01EL: L01EL (BTK抑制剂)',
  '苹果酸法米替尼胶囊 L01EK: L01XA (铂类药品)',
  '苹果酸奈诺沙星胶囊 J01MB: none [二线用药]',
  '泊马度胺胶囊 L04AX: L01XG (蛋白酶体抑制剂)',
  '曲伏前列素滴眼液 S01EE: none [二线用药]',
  '曲氟尿苷替匹嘧啶片 L01BC: L01A L01B L01C L01D L01XA (化疗药品)',
  '屈昔多巴胶囊 N04BA: none [二线用药]',
  '瑞戈非尼片 L01EX: none [二线治疗]',
  '瑞派替尼片 L01EX: L01E (蛋白激酶抑制剂)',
  '塞利尼索片 L01XX: L01 L02 (抗肿瘤药品)',
  '塞纳帕利胶囊 L01XK: L01XA (铂类药品)',
  '赛帕利单抗注射液 L01FF: L01A L01B L01C L01D L01XA (化疗药品)',
  '赛沃替尼片 L01EX: none',
  '舒沃替尼片 L01EB: L01XA (铂类药品)',
  '索磷维伏片 J05AP: none [直接抗病毒药物]',
  '他克莫司软膏 D11AX: none [二线用药]',
  '特立氟胺片 L04AA: none',
  '托莱西单抗注射液 C10AX: C10AA C10BA C10BX (他汀类药品)',
  '托珠单抗注射液 L04AC: none [传统DMARDs、二线治疗]',
  '妥拉美替尼胶囊 L01EE: L01FF (PD-1/PD-L1抑制剂)',
  '乌帕替尼缓释片 L04AA: none [二线治疗]',
  '乌司奴单抗注射液 L04AC: none [其他系统性治疗、甲氨喋呤、PUVA、光疗]',
  '乌司奴单抗注射液(静脉输注) L04AC: A07EC A07EA H02AB L04AB (氨基水杨酸制剂/糖皮质激素或TNF-α抑制剂)',
  '盐酸罗匹尼罗缓释片 N04BC: none [二线用药]',
  '盐酸罗匹尼罗片 N04BC: none [二线用药]',
  '盐酸米托蒽醌脂质体注射液 L01DB: none',
  '盐酸纳呋拉啡口崩片 V03AX: none',
  '盐酸伊立替康脂质体注射液 L01CE: none [吉西他滨]',
  '盐酸伊立替康脂质体注射液(Ⅱ) L01CE: none [吉西他滨]',
  '伊那利塞片 L01EM: L02 (内分泌治疗药品)',
  '依柯胰岛素注射液 A10AE: A10BA A10BB A10BD A10BF A10BG A10BH A10BK A10BX A10A (口服降糖药或胰岛素)',
  '依那西普注射液 L04AB: none [传统DMARDs]',
  '依若奇单抗注射液 L04AC: none [其他系统性治疗、甲氨蝶呤、PUVA]',
  '优替德隆注射液 L01DC: L01A L01B L01C L01D L01XA (化疗药品)',
  '注射用埃普奈明 L01XX: L01 L02 (抗肿瘤药品)',
  '注射用奥马珠单抗 R03DX: R03AK R06A (吸入糖皮质激素/长效β2受体激动剂复方制剂或H1抗组胺药)',
  '注射用奥马珠单抗α R03DX: R03AK (吸入糖皮质激素/长效β2受体激动剂复方制剂)',
  '注射用德曲妥珠单抗 L01FD: L01 L02 (抗肿瘤药品)',
  '注射用恩美曲妥珠单抗 L01FD: L01CD L01FD (紫杉类药品或曲妥珠单抗)',
  '注射用卡非佐米 L01XG: L01XG (蛋白酶体抑制剂)',
  '注射用磷酸氟达拉滨 L01BB: L01A (烷化剂)',
  '注射用芦康沙妥珠单抗 L01FX: L01 L02 (抗肿瘤药品)',
  '注射用罗普司亭 B02BX: H02AB J06BA (糖皮质激素或免疫球蛋白)',
  '注射用罗普司亭N01 B02BX: H02AB J06BA (糖皮质激素或免疫球蛋白)',
  '注射用瑞康曲妥珠单抗 L01FD: L01 L02 (抗肿瘤药品)',
  '注射用苏维西塔单抗 L01FG: L01XA (铂类药品)',
  '注射用替考拉宁 J01XA: none [二线治疗]',
  '注射用维得利珠单抗 L04AA: A07EC A07EA H02AB L04AB (氨基水杨酸制剂/糖皮质激素或TNF-α抑制剂)',
  '注射用维迪西妥单抗 L01EH: L01A L01B L01C L01D L01XA (化疗药品)',
  '注射用伊尼妥单抗 L01FD: L01A L01B L01C L01D L01XA (化疗药品)',
  '紫杉醇口服溶液 L01CD: L01BC (氟尿嘧啶类药品)',
  '棕榈帕利哌酮酯注射液(3M) N05AX: none [棕榈酸帕利哌酮注射液]',
  '棕榈帕利哌酮酯注射液(6M) N05AX: N05AXZ101 (棕榈帕利哌酮酯注射液(3M))',
  '左奥硝唑氯化钠注射液 J01XD: none [二线用药]',
];

describe('first-line classes of the national second_line points', () => {
  const points = loadNationalLibrary().knowledgePoints.filter((kp) => kp.limit.kind === 'second_line');

  it('lists every point with its derived classes or none', () => {
    const listed = points.map((kp) => {
      const limit = kp.limit as { firstLineClasses?: string[]; firstLineTherapy?: string };
      const own = kp.codes[0]!.slice(1, 6);
      if (limit.firstLineClasses)
        return `${kp.itemName} ${own}: ${limit.firstLineClasses.join(' ')} (${limit.firstLineTherapy})`;
      const named = [...new Set(readFirstLine(kp.basis).unmapped)];
      return `${kp.itemName} ${own}: none${named.length > 0 ? ` [${named.join('、')}]` : ''}`;
    });
    expect(listed).toEqual(EXPECTED);
    expect(points).toHaveLength(110);
    // 60 points get the first line their text names; 50 keep the fallback: 24 say only that they are 二线用药 (20
    // of them nothing else), 4 二线治疗, 6 name no therapy, 16 name one the table cannot map (csDMARDs, 甲氨蝶呤, …).
    expect(points.filter((kp) => kp.limit.kind === 'second_line' && kp.limit.firstLineClasses)).toHaveLength(60);
  });

  it('marks the add-on texts, where a first-line drug of the same request shows the first line', () => {
    const addOn = points
      .filter((kp) => kp.limit.kind === 'second_line' && kp.limit.firstLineAddOn)
      .map((kp) => kp.itemName)
      .sort();
    expect(addOn).toEqual(['度拉糖肽注射液', '聚乙二醇洛塞那肽注射液', '利司那肽注射液', '托莱西单抗注射液'].sort());
    // Replacing wordings are not add-ons: another insulin, a combination spray, a second ITP therapy.
    for (const text of [
      '限其他胰岛素或口服药难以控制的2型糖尿病患者。',
      '限12岁及以上单一鼻用抗组胺药或糖皮质激素治疗效果不佳的中至重度季节性过敏性鼻炎和常年性过敏性鼻炎患者。',
      '限对其他治疗(例如皮质类固醇、免疫球蛋白)治疗反应不佳的成人(≥18周岁)慢性原发免疫性血小板减少症(ITP)患者。',
    ]) {
      expect(readFirstLine(text).addOn, text).toBe(false);
    }
    // No add-on without a mapped first line.
    expect(parseLimit('second_line', '', '限二线用药，控制效果不佳者。')).toEqual({
      ok: true,
      kind: 'second_line',
      limits: [{ kind: 'second_line', firstLineCodes: [] }],
    });
  });

  it('reads a local row: first-line codes in limit_value, or words there as well as in the basis', () => {
    expect(parseLimit('second_line', 'XL01ELP156A001010178403', '二线')).toEqual({
      ok: true,
      kind: 'second_line',
      limits: [{ kind: 'second_line', firstLineCodes: ['XL01ELP156A001010178403'] }],
    });
    expect(parseLimit('second_line', '限他汀类药物治疗后LDL-C未达标', '')).toEqual({
      ok: true,
      kind: 'second_line',
      limits: [
        {
          kind: 'second_line',
          firstLineCodes: [],
          firstLineClasses: ['C10AA', 'C10BA', 'C10BX'],
          firstLineTherapy: '他汀类药品',
        },
      ],
    });
    expect(parseLimit('second_line', 'XC10AXY310B002010178217', '限既往接受含铂化疗治疗失败的患者')).toEqual({
      ok: true,
      kind: 'second_line',
      limits: [
        {
          kind: 'second_line',
          firstLineCodes: ['XC10AXY310B002010178217'],
          firstLineClasses: ['L01XA'],
          firstLineTherapy: '铂类药品',
        },
      ],
    });
  });
});
