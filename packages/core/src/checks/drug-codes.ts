/**
 * National drug codes (西药 X…, 中成药 Z…): character 1 is the kind, characters 2–6 the ATC level-4 class
 * (e.g. XL02BBA326A001… → L02BB), characters 7–10 the generic-name segment (A326).
 */
export function atcClass(code: string): string | undefined {
  return code.length >= 10 && code.charCodeAt(0) === 88 /* X */ ? code.slice(1, 6) : undefined;
}

export function genericSegment(code: string): string {
  return code.slice(6, 10);
}

/** Same ATC level-4 class, compared in place (hot path: no substrings). */
export function sameAtcClass(a: string, b: string): boolean {
  for (let i = 1; i < 6; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) return false;
  return true;
}

export function sameGeneric(a: string, b: string): boolean {
  for (let i = 6; i < 10; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) return false;
  return true;
}

/**
 * The product a line names, without its pack size: the national code (西药 X, 23 characters; 中成药 Z, 20) ends in
 * four characters of 规格/包装 and five of the enterprise, and the pack sizes of one product differ only in those four
 * (酮洛芬凝胶贴膏 XM01AET056V006 0101…0601 04942). Any other code (a hospital's own 自制剂 code, a code sent short)
 * says nothing of its structure, so the name stands for the drug, else the code.
 */
export function productKey(code: string, name: string): string {
  const first = code.charCodeAt(0);
  if ((first === 88 && code.length === 23) || (first === 90 && code.length === 20))
    return code.slice(0, code.length - 9) + code.slice(code.length - 5);
  return name === '' ? code : `name:${name}`;
}

export function isWesternDrugCode(code: string): boolean {
  return code.length >= 10 && code.charCodeAt(0) === 88;
}

/** The code shows one of the prefixes (compared from the code's second character: ATC group, class, generic). */
export function showsClass(code: string, prefixes: readonly string[]): boolean {
  for (let i = 0; i < prefixes.length; i++) if (code.startsWith(prefixes[i]!, 1)) return true;
  return false;
}

/** The ATC level-4 class as a number (base 36 over characters 2–6), so grouping allocates no substrings. */
export function atcClassKey(code: string): number {
  let key = 0;
  for (let i = 1; i < 6; i++) {
    const c = code.charCodeAt(i);
    key = key * 36 + (c <= 57 ? c - 48 : c - 55);
  }
  return key;
}

/**
 * ATC level-4 classes whose different members are not alike enough to be a duplicate (重复开药):
 * - combined by design, so two of them are a regimen: B01AC 血小板聚集抑制剂 (aspirin with clopidogrel or
 *   ticagrelor is dual antiplatelet therapy for up to 12 months after PCI or a minor stroke, tirofiban is added to
 *   it during PCI), B05BB 电解质溶液 (0.9% NaCl, glucose-saline, Ringer's: the solvents of different infusions of
 *   one day) and B05XA 电解质添加剂 (10% KCl and 10% NaCl added to one infusion);
 * - a catch-all whose members share no mechanism: N07XX 其他神经系统药物 (丁苯酞, 依达拉奉右莰醇, 尤瑞克林,
 *   吡拉西坦, 天麻素; the first three are given together after a stroke).
 * Not every class ending in X: in the national codes R05XX holds paracetamol cold remedies, A02BX the
 * potassium-competitive acid blockers, C09DX the two 沙库巴曲 combinations, B02BX the thrombopoietin agonists, C10AX
 * the PCSK9 antibodies: two of any of these are a real duplicate. Nor B05BA 肠外营养液: its many amino-acid and
 * fat-emulsion products make two of one kind a real duplicate too.
 */
const NOT_ALIKE_CLASSES: ReadonlySet<number> = new Set(
  ['XB01AC', 'XB05BB', 'XB05XA', 'XN07XX'].map((c) => atcClassKey(c)),
);

const B01AC = atcClassKey('XB01AC');

/**
 * The prostacyclin-pathway drugs ATC also files under B01AC, by generic-name segment: 贝前列素 B040, 司来帕格 S270,
 * 曲前列尼尔 Q158. They treat pulmonary arterial hypertension through one receptor and are not combined, so two of
 * them stay a duplicate.
 */
const PROSTACYCLIN_AGONISTS: readonly string[] = ['B040', 'S270', 'Q158'];

/**
 * The key under which a western drug is compared for 重复开药 (its ATC level-4 class, atcClassKey), or undefined
 * when its class is one of NOT_ALIKE_CLASSES.
 */
export function duplicateClassKey(code: string): number | undefined {
  const key = atcClassKey(code);
  if (!NOT_ALIKE_CLASSES.has(key)) return key;
  return key === B01AC && PROSTACYCLIN_AGONISTS.includes(genericSegment(code)) ? key : undefined;
}
