import { readFirstLine } from './first-line-classes';

/**
 * The diagnoses that meet a 药品限适应症 (indication) point's restriction, as ICD-10 prefixes of the encounter's
 * diagnosis codes. The published points carry the restriction as text only ("限2型糖尿病患者。"), so every
 * prescription of their drugs shows a reminder the doctor must confirm, even when the encounter is diagnosed E11.9.
 * The prefixes read here only silence that reminder: a point with them says nothing when a diagnosis of the line's
 * encounter starts with one, and reminds exactly as before otherwise. They never escalate (rules.md's sev 2 "no
 * diagnosis matches" stays for prefixes a local mapping adds).
 *
 * The table below was written from a survey of the texts (limit_value and basis, identical in every national point)
 * of all 510 published indication points (batches 12–17; the 2026-01 revision has none); rules-cache/README.md lists
 * the phrases and what became of each. Only a restriction that is WHOLLY a diagnosis gets prefixes: every one of its
 * alternatives (joined by 、, 或, ；) must be a table phrase, with nothing else around it but 限, 患者, 成人 and the
 * closing 。. Anything the request cannot show — an age other than 成人 (12岁及以上, 儿童), a stage or severity the
 * code does not carry (晚期, 中重度, 活动性 where it is a disease activity score), a prior treatment (经…治疗无效), a
 * lab value, a setting (急救抢救, 住院) or a days limit (支付不超过14天) — leaves the text unread, and the point
 * reminds as before. 成人 is an age the request does show (brdy): it is read as 18 full years, kept next to the
 * prefixes. The items of a numbered list (限：1.…；2.…) are alternatives read one by one: an item wholly a diagnosis
 * gives its prefixes although another item asks for more, since a patient who meets one item meets the restriction.
 *
 * A prefix is taken only where every code it covers is the phrase's diagnosis (sufficient, not necessarily complete:
 * a patient coded otherwise is still reminded). Two categories also hold other diseases and are taken because the
 * only drugs whose texts name them are never given for those: E83.3 (also hypophosphataemia; 高磷血症 is the text of
 * phosphate binders) and E75.2 (also Gaucher, Niemann-Pick; 法布雷病 is the text of agalsidase). A diagnosis that no
 * ICD-10 category pins is listed with no prefixes: the restriction is still wholly diagnostic, the point reminds.
 */

/** One reviewed phrase: a whole alternative of a restriction. */
export interface DiagnosisPhrase {
  /** How the texts name the diagnosis; matched at the start of an alternative, up to a separator or its end. */
  phrase: RegExp;
  /** ICD-10 (医保版) prefixes whose codes all meet it; empty: a diagnosis no ICD-10 category pins (see its note). */
  icd: readonly string[];
}

/** Phrases in table order: one that contains another comes first. */
export const INDICATION_DIAGNOSES: readonly DiagnosisPhrase[] = [
  // Type 2 diabetes. O24.1 (pre-existing type 2 diabetes in pregnancy) is left out: these drugs are not given then.
  { phrase: /2型糖尿病/y, icd: ['E11'] },
  // Ulcer codes: a current ulcer (a healed one is history, Z87.1), so 活动性 adds nothing the code lacks. K25 excludes
  // malignant ulcers (C16), so 良性 neither. With haemorrhage: the fourth characters 0, 2, 4, 6 of K25 and K26.
  {
    phrase: /伴有出血的胃、十二指肠溃疡/y,
    icd: ['K25.0', 'K25.2', 'K25.4', 'K25.6', 'K26.0', 'K26.2', 'K26.4', 'K26.6'],
  },
  { phrase: /(?:活动性)?十二指肠溃疡/y, icd: ['K26'] },
  { phrase: /活动性良性胃溃疡/y, icd: ['K25'] },
  // K21: gastro-oesophageal reflux disease, K21.0 with oesophagitis (K20 excludes reflux oesophagitis).
  { phrase: /胃食管反流病/y, icd: ['K21'] },
  { phrase: /反流性食管炎/y, icd: ['K21.0'] },
  // E83.3 also holds hypophosphataemia and hypophosphatasia: the texts that say 高磷血症 are those of phosphate
  // binders (醋酸钙), never given for those.
  { phrase: /高磷血症/y, icd: ['E83.3'] },
  // E75.2 also holds Gaucher, Niemann-Pick, Krabbe: agalsidase, the drug of this text, is given for Fabry only. The
  // enzyme replacement is what the drug is; the ages (适用于成人、儿童和青少年) are all ages (see NEUTRAL).
  { phrase: /法布雷病(?:[(（]α-半乳糖苷酶A缺乏症[)）])?(?:患者的长期酶替代治疗)?/y, icd: ['E75.2'] },
  // Hepatitis B: acute (B16) and chronic (B18.0 with, B18.1 without delta agent). Not Z22.5, the carrier state.
  { phrase: /乙型肝炎/y, icd: ['B16', 'B18.0', 'B18.1'] },
  // Arthrosis (骨关节炎): polyarthrosis, hip, knee, first carpometacarpal joint, other.
  { phrase: /骨关节炎/y, icd: ['M15', 'M16', 'M17', 'M18', 'M19'] },
  // Burns of second degree by body region (fourth character 2); T29 multiple regions, T30 region unspecified.
  {
    phrase: /Ⅱ度烧伤/y,
    icd: ['T20.2', 'T21.2', 'T22.2', 'T23.2', 'T24.2', 'T25.2', 'T29.2', 'T30.2'],
  },
  { phrase: /前列腺增生/y, icd: ['N40'] },
  // Essential hypertension, also with heart or kidney involvement (I11–I13); secondary hypertension is I15.
  { phrase: /原发性高血压/y, icd: ['I10', 'I11', 'I12', 'I13'] },
  { phrase: /多囊卵巢综合[症征]/y, icd: ['E28.2'] },
  // HIV disease (B20–B24) and asymptomatic HIV infection status (Z21).
  { phrase: /艾滋病病毒感染/y, icd: ['B20', 'B21', 'B22', 'B23', 'B24', 'Z21'] },
  { phrase: /烟酸缺乏症/y, icd: ['E52'] },
  { phrase: /念珠菌性外阴阴道病/y, icd: ['B37.3'] },
  // Organ (not tissue) transplant: kidney, heart, lung, heart-lung, liver status, and their transplant's failure or
  // rejection (T86.1–T86.4). Z94.8 (other: pancreas, bowel, but also bone marrow) is left out.
  {
    phrase: /器官移植后的抗排异反应/y,
    icd: ['Z94.0', 'Z94.1', 'Z94.2', 'Z94.3', 'Z94.4', 'T86.1', 'T86.2', 'T86.3', 'T86.4'],
  },
  // Postmenopausal osteoporosis, with (M80.0) or without (M81.0) pathological fracture.
  { phrase: /绝经后(?:女性)?骨质疏松症?/y, icd: ['M80.0', 'M81.0'] },
  { phrase: /急性胰腺炎/y, icd: ['K85'] },
  // C43 is melanoma of skin; ocular and mucosal melanomas are coded by site, with other tumours (not taken).
  { phrase: /黑色素瘤/y, icd: ['C43'] },
  { phrase: /低血容量性休克/y, icd: ['R57.1'] },
  // Cutaneous abscess/furuncle/carbuncle, cellulitis, erysipelas.
  { phrase: /急性细菌性皮肤及皮肤软组织感染/y, icd: ['L02', 'L03', 'A46'] },
  // 骨化三醇口服溶液's list (renal osteodystrophy, postprocedural, idiopathic and pseudo-hypoparathyroidism).
  { phrase: /慢性肾功能衰竭，尤其是接受血液透析患者之肾性骨营养不良症/y, icd: ['N25.0'] },
  { phrase: /术后甲状旁腺功能低下/y, icd: ['E89.2'] },
  { phrase: /特发性甲状旁腺功能低下/y, icd: ['E20.0'] },
  { phrase: /假性甲状旁腺功能低下/y, icd: ['E20.1'] },

  // A diagnosis, but no ICD-10 category pins it: the restriction is wholly diagnostic, the point still reminds.
  // K86.1 is any other chronic pancreatitis, relapsing or not.
  { phrase: /慢性复发性胰腺炎/y, icd: [] },
  // C64 also holds nephroblastoma and the other kidney cancers.
  { phrase: /肾细胞癌/y, icd: [] },
  // J91 and R18 do not say malignant.
  { phrase: /癌性胸腹腔?(?:积液|水)/y, icd: [] },
  // E86 also holds dehydration.
  { phrase: /手术创伤、烧伤等引起的低血容量/y, icd: [] },
  // E83.3 also holds hyperphosphataemia, for which 骨化三醇 is not the answer.
  { phrase: /维生素D依赖性佝偻病|低血磷性维生素D抵抗型佝偻病/y, icd: [] },
  // K72 is hepatic failure, with or without encephalopathy; E72.2 the urea-cycle disorders.
  { phrase: /肝性脑病|血氨升高/y, icd: [] },
  // J84.1 also holds the other fibrosing interstitial lung diseases.
  { phrase: /特发性肺纤维化/y, icd: [] },
  // E23.0 is hypopituitarism, any pituitary hormone.
  { phrase: /生长激素缺乏症/y, icd: [] },
  // E75.2: miglustat is also a Gaucher drug.
  { phrase: /C型尼曼匹克病/y, icd: [] },
  // G12.0/G12.1 do not carry the 5q (SMN1) origin.
  { phrase: /5q脊髓性肌萎缩症/y, icd: [] },
  // Neuroendocrine tumours are coded by site; E22.0 also holds pituitary gigantism.
  { phrase: /胃肠胰内分泌肿瘤|肢端肥大症/y, icd: [] },
  // Two codes at once (D63.8 with N18; T46.0 with I47–I49; T80.1 also holds phlebitis and embolism).
  { phrase: /慢性肾脏病\(CKD\)引起的贫血|肾性贫血|非骨髓恶性肿瘤化疗引起的贫血/y, icd: [] },
  { phrase: /洋地黄中毒引起的心律失常/y, icd: [] },
  { phrase: /由静脉输液或注射引起的血栓性静脉炎/y, icd: [] },
  // D65 (fibrinolytic haemorrhage) is also DIC, where antifibrinolytics are contraindicated.
  { phrase: /治疗血纤维蛋白溶解亢进引起出血/y, icd: [] },
  // E78.0 also holds homozygous familial and secondary hypercholesterolaemia.
  { phrase: /原发性[(（]杂合子家族性或非家族性[)）]高胆固醇血症/y, icd: [] },
  // E25.0 and E27.1 do not carry salt wasting.
  { phrase: /失盐型先天性肾上腺皮质增生症\(CAH\)及失盐型原发慢性肾上腺皮质功能减退症\(Addison病\)/y, icd: [] },
  // T86 is failure or rejection; Z94 does not say rejection (器官移植后的抗排异反应, above, is the therapy).
  { phrase: /器官移植后的排异反应/y, icd: [] },
  // E1x.4 also holds autonomic neuropathy.
  { phrase: /临床确诊的糖尿病周围神经病变/y, icd: [] },
  // E70.2 also holds alkaptonuria, which nitisinone also treats. 成人和儿童 is every age.
  { phrase: /成人和儿童酪氨酸血症Ⅰ型\(HT-1\)/y, icd: [] },
  // Drug resistance is not in the diagnosis code.
  { phrase: /耐多药结核/y, icd: [] },
  // M10 does not carry the urate level.
  { phrase: /痛风伴高尿酸血症/y, icd: [] },
];

/** Words around a restriction that restrict nothing: removed before reading. */
const NEUTRAL: readonly RegExp[] = [
  // Every age.
  /，?适用于成人、儿童和青少年/g,
  // A label caveat, not a limit: 尚未确定本品在0-6岁儿童中的安全性和有效性.
  /。?尚未确定本品在[^。]*中的安全性和有效性/g,
  // What every drug of type 2 diabetes is for (依苏帕格鲁肽α: 限成人2型糖尿病患者的血糖控制), only at the end.
  /(?<=2型糖尿病患者)的血糖控制(?=。?$)/g,
];

/**
 * Restrictions that name no disease of the patient (c): a treatment, a procedure, prophylaxis or an exposure. For the
 * survey's counts only; they get nothing.
 */
const NO_DIAGNOSIS: readonly RegExp[] = [
  /^放化疗$/,
  /^器官移植的诱导治疗$/,
  /^成人破伤风紧急预防$/,
  /^麻疹和传染性肝炎接触者的预防治疗$/,
  /^经尿道前列腺切除术及其他泌尿外科手术的术中冲洗$/,
  /^甲状腺手术区域淋巴结或乳腺癌前哨淋巴结的示踪$/,
  /^预防成人高度致吐性化疗\(HEC\)引起的急性和迟发性恶心和呕吐$/,
  /^辅助生殖技术\(ART\)中黄体酮的补充治疗，适用于不能使用或不能耐受阴道制剂的女性$/,
];

/** What a restriction says about diagnoses. */
export interface IndicationReading {
  /**
   * `diagnosis` (a): every alternative is a table diagnosis; `partly`: a numbered list (限：1.…；2.…) of which some
   * alternatives are table diagnoses and the others ask for more; `conditional` (b): a diagnosis with more than the
   * request shows, or a phrase the table does not know; `none` (c): no disease of the patient.
   */
  kind: 'diagnosis' | 'partly' | 'conditional' | 'none';
  /**
   * For `diagnosis` and `partly`: the ICD-10 prefixes of the alternatives read (empty when none is pinned); else
   * empty. A patient diagnosed with one meets an alternative, whatever the unread ones ask.
   */
  prefixes: string[];
  /** For `diagnosis` and `partly`: the phrases read, in text order. */
  diagnoses: string[];
  /**
   * The age in full years the prefixes ask for besides the diagnosis: 18 where an alternative read says 成人
   * (限成人2型糖尿病患者). Where alternatives differ, the strictest holds for all: one reminder too many at worst,
   * never a silence the text does not give. Absent: no age.
   */
  minAgeYears?: number;
  /**
   * Code prefixes of a prior therapy the prefixes ask for besides the diagnosis (接受二甲双胍和/或磺脲类药物治疗…:
   * A10BA, A10BD, A10BB): a line of one, earlier or current, must show it. Like the age, the strictest holds for all
   * (the classes every alternative that asks one names). Absent: none asked.
   */
  priorClasses?: string[];
}

/** The classes both lists name; either absent asks nothing, so the other holds. */
function strictestPrior(a: string[] | undefined, b: string[] | undefined): string[] | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a.filter((p) => b.includes(p));
}

/** One alternative read: its table entry, whether it is restricted to adults, and the prior therapy it asks. */
interface Alternative {
  entry: DiagnosisPhrase;
  adult: boolean;
  /** Code prefixes (first-line-classes.ts) of a therapy the patient must have been given; absent: none asked. */
  prior?: string[];
}

/** 成人 is read as age ≥ 18 on the line's day: the request shows it (brdy), unlike a stage or a prior treatment. */
const ADULT_AGE = 18;
const ADULT_BEFORE = /成人/y;
const ADULT_AFTER = /的?成人患者/y;
const AFTER_PHRASE = /(?:的?患者)?等?/y;
const SEPARATOR = /[、或；;]/y;
/**
 * A prior treatment that did not suffice (接受二甲双胍和/或磺脲类药物治疗血糖仍控制不佳的…患者): the request shows it as a
 * line (earlier or current: the drug is added on top) of the therapy, read with the first-line table. Group 1: the
 * therapy.
 */
const PRIOR = /接受([^，。；;]+?)治疗(?:后)?血糖仍控制不佳的/y;
const NUMBERED = /^[：:]?\s*1[.．]/;
const ITEM = /[；;]\s*(?=\d+[.．])/;

function sticky(re: RegExp, text: string, at: number): number {
  re.lastIndex = at;
  return re.test(text) ? re.lastIndex : -1;
}

/** The table entry whose phrase starts at `at`, and where it ends. */
function phraseAt(item: string, at: number): { entry: DiagnosisPhrase; end: number } | undefined {
  for (const entry of INDICATION_DIAGNOSES) {
    const end = sticky(entry.phrase, item, at);
    if (end > at) return { entry, end };
  }
  return undefined;
}

/** Reads one list of alternatives; undefined when any part of it is not a table diagnosis. */
function readItem(item: string, phrases: string[]): Alternative[] | undefined {
  const read: Alternative[] = [];
  const phrasesBefore = phrases.length;
  let at = 0;
  while (at < item.length) {
    let prior: string[] | undefined;
    PRIOR.lastIndex = at;
    const priorMatch = PRIOR.exec(item);
    if (priorMatch) {
      const therapy = readFirstLine(priorMatch[1] ?? '');
      // Every therapy named must map, else a patient given the unmapped one would be reminded for no reason there.
      if (therapy.classes.length === 0 || therapy.unmapped.length > 0) {
        phrases.length = phrasesBefore;
        return undefined;
      }
      prior = therapy.classes;
      at = PRIOR.lastIndex;
    }
    // A table phrase may itself start with 成人 (成人和儿童酪氨酸血症Ⅰ型): the table is asked first.
    let adult = false;
    let found = phraseAt(item, at);
    if (!found) {
      const after = sticky(ADULT_BEFORE, item, at);
      found = after > at ? phraseAt(item, after) : undefined;
      adult = found !== undefined;
    }
    if (!found) {
      phrases.length = phrasesBefore;
      return undefined;
    }
    phrases.push(item.slice(at, found.end));
    const adultAfter = sticky(ADULT_AFTER, item, found.end);
    if (adultAfter > found.end) adult = true;
    const end = Math.max(found.end, adultAfter);
    read.push(prior ? { entry: found.entry, adult, prior } : { entry: found.entry, adult });
    at = Math.max(end, sticky(AFTER_PHRASE, item, end));
    if (at === item.length) break;
    const next = sticky(SEPARATOR, item, at);
    if (next < 0) {
      phrases.length = phrasesBefore;
      return undefined;
    }
    at = next;
  }
  return read.length > 0 ? read : undefined;
}

/**
 * Reads an indication point's restriction text (its limit text or basis). The items of a numbered list (限：1.…；
 * 2.…) are alternatives, each read on its own: one that is wholly a table diagnosis gives its prefixes although
 * another asks for more (沙库巴曲缬沙坦钠片: 1.射血分数降低的慢性心力衰竭(NYHA Ⅱ-Ⅳ级…)；2.原发性高血压). Words
 * joined inside one item (、, 或) are not split that way: a qualifier there may hold for all of them.
 */
export function readIndication(text: string): IndicationReading {
  let body = text.trim();
  for (const re of NEUTRAL) body = body.replace(re, '');
  body = body.replace(/[。\s]+$/, '');
  const nothing = (kind: IndicationReading['kind']): IndicationReading => ({ kind, prefixes: [], diagnoses: [] });
  if (!body.startsWith('限')) return nothing('conditional');
  body = body.slice(1);
  const items = NUMBERED.test(body)
    ? body
        .replace(/^[：:]?\s*/, '')
        .split(ITEM)
        .map((s) => s.replace(/^\d+[.．]\s*/, ''))
    : [body.replace(/^[：:]\s*/, '')];
  const alternatives: Alternative[] = [];
  const diagnoses: string[] = [];
  let unread = 0;
  for (const item of items) {
    const read = readItem(item.replace(/[。；;\s]+$/, ''), diagnoses);
    if (read) alternatives.push(...read);
    else unread++;
  }
  if (alternatives.length === 0) return nothing(NO_DIAGNOSIS.some((re) => re.test(body)) ? 'none' : 'conditional');
  const prefixes = [...new Set(alternatives.flatMap((a) => a.entry.icd))];
  const reading: IndicationReading = { kind: unread > 0 ? 'partly' : 'diagnosis', prefixes, diagnoses };
  if (prefixes.length > 0 && alternatives.some((a) => a.adult && a.entry.icd.length > 0)) {
    reading.minAgeYears = ADULT_AGE;
  }
  let prior: string[] | undefined;
  for (const a of alternatives) if (a.entry.icd.length > 0) prior = strictestPrior(prior, a.prior);
  // No class left in common: no line can show them all, so nothing silences the point.
  if (prior !== undefined && prior.length === 0) return { ...reading, prefixes: [] };
  if (prefixes.length > 0 && prior !== undefined) reading.priorClasses = prior;
  return reading;
}

/** What silences a text-only indication point: diagnoses (ICD-10 prefixes), and an age where the text asks one. */
export interface QuietIndication {
  prefixes: string[];
  minAgeYears?: number;
  /** Code prefixes of the prior therapy a line must show besides the diagnosis (IndicationReading.priorClasses). */
  priorClasses?: string[];
}

/**
 * What silences a text-only indication point: the prefixes every text given (limit text and basis, where they
 * differ) names, when each reads as wholly or partly diagnostic, with the strictest age of them; else none.
 */
export function quietIndication(...texts: string[]): QuietIndication {
  let common: string[] | undefined;
  let minAgeYears: number | undefined;
  let priorClasses: string[] | undefined;
  for (const text of new Set(texts.map((t) => t.trim()).filter((t) => t !== ''))) {
    const reading = readIndication(text);
    if (reading.kind !== 'diagnosis' && reading.kind !== 'partly') return { prefixes: [] };
    common = common ? common.filter((p) => reading.prefixes.includes(p)) : reading.prefixes;
    if (reading.minAgeYears !== undefined) minAgeYears = Math.max(minAgeYears ?? 0, reading.minAgeYears);
    priorClasses = strictestPrior(priorClasses, reading.priorClasses);
  }
  const prefixes = common ?? [];
  if (prefixes.length === 0 || (priorClasses !== undefined && priorClasses.length === 0)) return { prefixes: [] };
  return {
    prefixes,
    ...(minAgeYears !== undefined && { minAgeYears }),
    ...(priorClasses !== undefined && { priorClasses }),
  };
}

/**
 * 「限有<diagnoses>诊断患者的二线用药」 (艾普拉唑肠溶片: 限有十二指肠溃疡、反流性食管炎诊断患者的二线用药): group 1 the
 * diagnoses. A patient has one diagnosis or another, so 、 joins alternatives here.
 */
const SECOND_LINE_OF_DIAGNOSES = /^限有(.+?)诊断患者的二线用药。?$/;

/**
 * What silences an indication point of the shape 「限有<diagnoses>诊断患者的二线用药」 once a 药品限二线使用 point for
 * the same codes carries its second-line part (the caller checks that): the diagnoses, read as a restriction of their
 * own. Every text given (limit text and basis) must have the shape; else none.
 */
export function quietWithSecondLineCarried(...texts: string[]): QuietIndication {
  const lists: string[] = [];
  for (const text of new Set(texts.map((t) => t.trim()).filter((t) => t !== ''))) {
    const m = SECOND_LINE_OF_DIAGNOSES.exec(text);
    if (!m) return { prefixes: [] };
    lists.push(`限${m[1]}。`);
  }
  return lists.length > 0 ? quietIndication(...lists) : { prefixes: [] };
}
