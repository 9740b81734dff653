/**
 * The first-line therapy a 药品限二线使用 (second_line) point names in its text, as ATC prefixes of the national drug
 * codes that show it. The published points carry no first-line codes, and the evaluator's fallback (another drug of
 * the point's own ATC level-4 class) contradicts most of their texts: 托莱西单抗 (a PCSK9 antibody) is paid "在接受
 * 中等剂量或中等剂量以上他汀类药物治疗，仍无法达到LDL-C目标", so a statin shows its first line and another PCSK9
 * antibody does not.
 *
 * The table below was written from a survey of the texts (limit_value and basis) of all 110 published second_line
 * points (batch 9; the 2026-01 revision has none); rules-cache/README.md lists the phrases and what became of each.
 * A prefix is matched against the code from its second character (national western-drug codes are X + ATC level 4 +
 * generic-name segment + …): 4 characters = an ATC level-3 group, 5 = a level-4 class, 9 = a level-4 class and the
 * national generic-name segment of one substance, taken from a real code of the national data. ATC level 5 is not in
 * the codes, so a single substance is its level-4 class where the class holds nothing else the point's patients are
 * given (metformin: A10BA); where the class would also hold drugs those patients routinely get for another reason, the
 * phrase is listed with no prefixes (see UNMAPPABLE below).
 *
 * Reading: phrases are matched in table order, each taking the text it matched so that a shorter phrase inside it
 * (化疗 in 含铂化疗, 糖皮质激素 in 吸入型糖皮质激素) does not match again. A context line of any matched phrase's
 * classes shows the first line. Where a text requires several therapies together (奥沙利铂和伊立替康为基础的化疗, 来那度胺
 * 和一种蛋白酶体抑制剂), a line of one of them is taken as shown: lenient, but each is a necessary condition, so a
 * reminder never fires on a patient who had the therapy. Where a text names alternatives and one of them cannot be
 * mapped, the point keeps the fallback: mapping only the others would fire on every patient who came by the
 * unmapped one.
 */

/** One reviewed phrase. */
export interface FirstLinePhrase {
  /** How the texts say it (global: every occurrence is taken). */
  phrase: RegExp;
  /** The therapy as the reminder names it: 未见{therapy}使用记录. */
  therapy: string;
  /** Code prefixes (from the code's second character) that show it; empty: named, but not mappable (fallback). */
  atc: readonly string[];
  /** Only in texts that also match this (a phrase whose meaning depends on the disease). */
  when?: RegExp;
}

/** Cytotoxic chemotherapy: alkylating agents, antimetabolites, plant alkaloids, cytotoxic antibiotics, platinum. */
const CHEMOTHERAPY = ['L01A', 'L01B', 'L01C', 'L01D', 'L01XA'];

/**
 * Blood glucose lowering drugs other than insulins and the injectable GLP-1 agonists (A10BJ). A10BX is mostly oral
 * (glinides, 多格列艾汀) but holds one injectable, 替尔泊肽 (XA10BXT224…): a line of it also counts.
 */
const ORAL_GLUCOSE_LOWERING = ['A10BA', 'A10BB', 'A10BD', 'A10BF', 'A10BG', 'A10BH', 'A10BK', 'A10BX'];

const UNMAPPABLE: readonly string[] = [];

/** Order matters: a phrase that contains another comes first. */
export const FIRST_LINE_PHRASES: readonly FirstLinePhrase[] = [
  // 奥马珠单抗 (asthma): the combination inhalers (沙美特罗替卡松, 布地奈德福莫特罗 …). ICS and LABA as two separate
  // inhalers, and triple inhalers (R03AL, which also holds 复方异丙托溴铵), are not counted.
  {
    phrase: /吸入型?糖皮质激素和长效吸入型?β2-?肾上腺素受体激动剂|ICS\s*[+/和及]\s*LABA/g,
    therapy: '吸入糖皮质激素/长效β2受体激动剂复方制剂',
    atc: ['R03AK'],
  },
  // 氮䓬斯汀氟替卡松鼻喷雾剂: nasal antiallergics (R01AC: 氮䓬斯汀, 左卡巴斯汀; also 色甘酸) and nasal corticosteroids.
  {
    phrase: /鼻用抗组胺药或(?:鼻用)?糖皮质激素/g,
    therapy: '鼻用抗组胺药/糖皮质激素',
    atc: ['R01AC', 'R01AD'],
  },
  // 奥马珠单抗 (urticaria): antihistamines for systemic use are all H1 antagonists.
  { phrase: /H1抗组胺药/g, therapy: 'H1抗组胺药', atc: ['R06A'] },
  // ITP (艾曲泊帕, 海曲泊帕, 罗普司亭): systemic glucocorticoids. Inhaled and nasal ones are taken above.
  { phrase: /糖皮质激素|皮质类固醇/g, therapy: '糖皮质激素', atc: ['H02AB'] },
  // Not IgE (免疫球蛋白E), which 奥马珠单抗 texts name as a test.
  { phrase: /免疫球蛋白(?![A-Z])/g, therapy: '免疫球蛋白', atc: ['J06BA'] },
  // 重型再生障碍性贫血: IST is 抗胸腺细胞球蛋白 (XL04AAK112…, XL04AAT108…) with 环孢素 (L04AD); L04A is immunosuppressants.
  { phrase: /免疫抑制(?:治疗|剂)/g, therapy: '免疫抑制剂', atc: ['L04A'] },
  // 托莱西单抗: statins and the fixed combinations that contain one (依折麦布阿托伐他汀 C10BA, 氨氯地平阿托伐他汀 C10BX).
  { phrase: /他汀/g, therapy: '他汀类药品', atc: ['C10AA', 'C10BA', 'C10BX'] },
  // GLP-1 agonists: "二甲双胍等口服降糖药或胰岛素"; insulins: "其他胰岛素或口服药难以控制的2型糖尿病".
  {
    phrase: /(?:二甲双胍等)?口服降糖药|口服药(?=[^。；;]*糖尿病)/g,
    therapy: '口服降糖药',
    atc: ORAL_GLUCOSE_LOWERING,
  },
  // Metformin alone (no published text yet): the biguanides are metformin; A10BD, the fixed oral combinations, mostly
  // pair metformin with another (二甲双胍恩格列净 XA10BDE083…, 恒格列净二甲双胍 XA10BDH123… in the national data).
  { phrase: /二甲双胍/g, therapy: '二甲双胍', atc: ['A10BA', 'A10BD'] },
  // Sulfonylureas (A10BB is all of them). Named only in indication texts so far (接受二甲双胍和/或磺脲类药物治疗…).
  { phrase: /磺脲类(?:药物)?/g, therapy: '磺脲类药品', atc: ['A10BB'] },
  // Insulins, including their fixed combinations with a GLP-1 agonist (A10AE: 德谷胰岛素利拉鲁肽).
  { phrase: /胰岛素/g, therapy: '胰岛素', atc: ['A10A'] },
  // 艾多沙班: vitamin K antagonists (warfarin is the one in the catalogue).
  { phrase: /华法林/g, therapy: '华法林', atc: ['B01AA'] },
  // Crohn's disease and ulcerative colitis: conventional therapy is aminosalicylates and corticosteroids (A07EC, A07EA;
  // the national code files 布地奈德肠溶胶囊 under H02AB). Thiopurines (硫唑嘌呤, L04AX) are not counted: L04AX also
  // holds thalidomide, lenalidomide, pirfenidone.
  {
    phrase: /传统治疗(?=[^。；;]*(?:克罗恩病|溃疡性结肠炎))/g,
    therapy: '氨基水杨酸制剂/糖皮质激素',
    atc: ['A07EC', 'A07EA', 'H02AB'],
  },
  // Biologics in IBD: TNF-α and interleukin inhibitors are all biologics (维得利珠单抗, in L04AA, is not counted).
  {
    phrase: /生物制剂(?=[^。；;]*(?:克罗恩病|溃疡性结肠炎))/g,
    therapy: 'TNF-α/白介素抑制剂',
    atc: ['L04AB', 'L04AC'],
  },
  {
    phrase: /(?:TNF|肿瘤坏死因子)-?α?(?:[(（]TNF-?α[)）])?(?:抑制剂|拮抗剂)/g,
    therapy: 'TNF-α抑制剂',
    atc: ['L04AB'],
  },
  // NSAIDs; M01AX is left out (it also holds 氨基葡萄糖, 双醋瑞因, 艾拉莫德).
  {
    phrase: /非甾体(?:类)?抗炎药(?:[(（]NSAIDs?[)）])?|NSAIDs?/g,
    therapy: '非甾体抗炎药',
    atc: ['M01AA', 'M01AB', 'M01AC', 'M01AE', 'M01AG', 'M01AH'],
  },
  // Platinum: 含铂化疗, 铂敏感/铂耐药 (platinum given before), the named compounds.
  {
    phrase: /(?:一线)?含铂(?:化疗)?|铂类|铂(?:耐药|敏感)|(?:奥沙利|顺|卡|奈达|洛)铂/g,
    therapy: '铂类药品',
    atc: ['L01XA'],
  },
  // Fluoropyrimidines are pyrimidine analogues (L01BC also holds 吉西他滨, 阿糖胞苷, 阿扎胞苷: not given in 晚期胃癌
  // or 结直肠癌, where these texts use it).
  { phrase: /氟尿?嘧啶类/g, therapy: '氟尿嘧啶类药品', atc: ['L01BC'] },
  { phrase: /蒽环类/g, therapy: '蒽环类药品', atc: ['L01DB'] },
  { phrase: /紫杉(?:烷|醇)类/g, therapy: '紫杉类药品', atc: ['L01CD'] },
  // 匹妥布替尼: "至少两种系统性治疗(含…BTK抑制剂)": the BTK inhibitor is the part the text singles out.
  {
    phrase: /(?:系统性?治疗)?[(（]含[^)）]*BTK[^)）]*抑制剂[)）]|BTK抑制剂/g,
    therapy: 'BTK抑制剂',
    atc: ['L01EL'],
  },
  // Tyrosine kinase inhibitors are protein kinase inhibitors (L01E; also the serine/threonine ones, such as mTOR).
  { phrase: /(?:酪氨酸)?激酶抑制剂/g, therapy: '蛋白激酶抑制剂', atc: ['L01E'] },
  { phrase: /蛋白酶体抑制剂/g, therapy: '蛋白酶体抑制剂', atc: ['L01XG'] },
  { phrase: /抗CD38单抗/g, therapy: '抗CD38单抗', atc: ['L01FC'] },
  // Not "PD-L1表达阳性", a biomarker.
  { phrase: /抗PD-?1\/PD-?L1|PD-?L?1(?:\/PD-?L1)?(?:抑制剂|单抗)/g, therapy: 'PD-1/PD-L1抑制剂', atc: ['L01FF'] },
  // Anti-HER2: antibodies and conjugates (L01FD) and the HER2 kinase inhibitors (L01EH: 吡咯替尼, 奈拉替尼).
  { phrase: /抗HER-?2(?:药物|治疗)/g, therapy: '抗HER2药品', atc: ['L01FD', 'L01EH'] },
  { phrase: /(?<![美德康])曲妥珠单抗/g, therapy: '曲妥珠单抗', atc: ['L01FD'] },
  { phrase: /烷化剂/g, therapy: '烷化剂', atc: ['L01A'] },
  // ATC L02 is 内分泌治疗 (hormones and hormone antagonists for neoplastic disease).
  { phrase: /内分泌治疗/g, therapy: '内分泌治疗药品', atc: ['L02'] },
  // "对糖皮质激素或其他系统治疗", "环孢素、甲氨蝶呤等其他系统性治疗": outside oncology, an open list.
  { phrase: /其他系统性?治疗/g, therapy: '其他系统性治疗', atc: UNMAPPABLE },
  // In a cancer text, systemic therapy is antineoplastic or endocrine drugs ("不超过1种系统治疗" is a cap, not a need).
  {
    phrase: /(?<!不超过\s*\d+\s*种)系统性?(?:抗肿瘤)?治疗(?:方案)?/g,
    therapy: '抗肿瘤药品',
    atc: ['L01', 'L02'],
    when: /癌|(?<!肿)瘤|白血病/,
  },
  { phrase: /化疗/g, therapy: '化疗药品', atc: CHEMOTHERAPY },
  // 棕榈帕利哌酮酯注射液(6M) after the 3M form: its own generic-name segment (XN05AXZ101…, national data).
  { phrase: /棕榈帕利哌酮酯注射液[(（]3M[)）]/g, therapy: '棕榈帕利哌酮酯注射液(3M)', atc: ['N05AXZ101'] },

  // Named, but not mappable: a point whose text names one keeps the fallback.
  // csDMARDs: 甲氨蝶呤 (L01BA or L04AX), 来氟米特 (L04AA, beside the JAK inhibitors), 柳氮磺吡啶 (A07EC).
  { phrase: /(?:传统(?:合成或生物)?)?DMARDs?/g, therapy: '传统DMARDs', atc: UNMAPPABLE },
  // 特应性皮炎 etc.: topical steroids, calcineurin inhibitors, systemic immunosuppressants; IBD is taken above.
  { phrase: /传统治疗/g, therapy: '传统治疗', atc: UNMAPPABLE },
  { phrase: /甲氨[蝶喋]呤/g, therapy: '甲氨蝶呤', atc: UNMAPPABLE },
  // L01BC also holds the fluoropyrimidines, the other first line of 胰腺癌.
  { phrase: /吉西他滨/g, therapy: '吉西他滨', atc: UNMAPPABLE },
  // J05AB also holds 阿昔洛韦/伐昔洛韦, which transplant patients get as prophylaxis.
  { phrase: /(?:缬)?更昔洛韦|西多福韦/g, therapy: '更昔洛韦等', atc: UNMAPPABLE },
  // "二线治疗/二线用药" names no therapy (not "二线及以上化疗", a count of regimens).
  { phrase: /二线(?:治疗|用药)/g, therapy: '二线治疗', atc: UNMAPPABLE },
  { phrase: /局部外用治疗/g, therapy: '局部外用治疗', atc: UNMAPPABLE },
  { phrase: /光疗|PUVA/g, therapy: '光疗', atc: UNMAPPABLE },
  { phrase: /非药物/g, therapy: '非药物治疗', atc: UNMAPPABLE },
  { phrase: /止痛药物/g, therapy: '止痛药物', atc: UNMAPPABLE },
  // The point's own class, which the fallback already reads (B03XA also holds 罗沙司他; J05AP also 利巴韦林).
  { phrase: /红细胞生成刺激剂/g, therapy: '红细胞生成刺激剂', atc: UNMAPPABLE },
  { phrase: /直接抗病毒药物/g, therapy: '直接抗病毒药物', atc: UNMAPPABLE },
  // The one-month form: its generic-name segment is in no national point.
  { phrase: /棕榈酸帕利哌酮注射液/g, therapy: '棕榈酸帕利哌酮注射液', atc: UNMAPPABLE },
];

/** What a text says about the first line. */
export interface FirstLineReading {
  /** Code prefixes that show it, fewest covering all; empty when nothing is mapped or a named therapy is not. */
  classes: string[];
  /** For the message: the therapies of `classes`, "A、B或C"; undefined when `classes` is empty. */
  therapy?: string;
  /** Every phrase the text matched, in table order. */
  phrases: string[];
  /** The matched phrases that cannot be mapped (these keep the point on the fallback). */
  unmapped: string[];
  /**
   * The text gives the drug on top of the first line, not after it: the first line is still taken but does not
   * control the disease (…控制效果不佳, …仍无法达到…目标). Only with `classes`.
   */
  addOn: boolean;
}

/**
 * Wordings of an add-on: the first line goes on and this drug is added because it does not reach the target
 * (度拉糖肽: 二甲双胍等口服降糖药或胰岛素控制效果不佳; 托莱西单抗: 他汀类药物治疗，仍无法达到LDL-C目标). Not 难以控制,
 * 治疗效果不佳 or 反应不佳, where the drug may replace the first line (another insulin, a combination spray, a second
 * ITP therapy): there the first line must still have come before.
 */
const ADD_ON = /控制效果不佳|仍控制不佳|仍无法达到/;

function covered(prefix: string, by: readonly string[]): boolean {
  return by.some((p) => prefix.startsWith(p));
}

/** Reads the first-line therapy a second_line point's text names (limit_value and basis, joined). */
export function readFirstLine(text: string): FirstLineReading {
  let rest = text;
  const matched: FirstLinePhrase[] = [];
  const phrases: string[] = [];
  const unmapped: string[] = [];
  for (const entry of FIRST_LINE_PHRASES) {
    if (entry.when && !entry.when.test(text)) continue;
    rest = rest.replace(entry.phrase, (m) => {
      phrases.push(m);
      if (entry.atc.length === 0) unmapped.push(m);
      if (!matched.includes(entry)) matched.push(entry);
      return '□'.repeat(m.length);
    });
  }
  if (unmapped.length > 0 || matched.length === 0) return { classes: [], phrases, unmapped, addOn: false };
  // A therapy all of whose classes another matched therapy covers (铂类 under 化疗) is not named again.
  const kept = matched.filter(
    (entry, i) =>
      !matched.some(
        (other, j) =>
          j !== i &&
          entry.atc.every((p) => covered(p, other.atc)) &&
          // Of two that cover each other, the first is kept.
          (!other.atc.every((p) => covered(p, entry.atc)) || j < i),
      ),
  );
  const all = kept.flatMap((entry) => entry.atc);
  const classes = [...new Set(all)].filter((p) => !all.some((q) => q !== p && p.startsWith(q)));
  const names = kept.map((entry) => entry.therapy);
  const therapy = names.length === 1 ? names[0]! : `${names.slice(0, -1).join('、')}或${names[names.length - 1]}`;
  return { classes, therapy, phrases, unmapped, addOn: ADD_ON.test(text) };
}
