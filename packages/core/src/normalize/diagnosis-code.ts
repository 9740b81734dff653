import { foldCode } from './code-folding';

/**
 * The form diagnosis codes are compared in. HIS systems send the same 医保版 ICD-10 code as `E11.900x001`,
 * `E11.900X001`, `E11900x001`, `e11.9` or with full-width characters typed through a Chinese input method; a prefix
 * match on the code as sent tells `E83.3` from `E833` and would miss the diagnosis (or, with a local mapping, report
 * a violation that is not one). Codes are compared folded as national codes are (foldCode: half-width, no spaces of
 * any kind, upper case), with a dot after the category (letter + two characters) when the code has none. A code
 * with a `/` (a morphology code such as `M8140/3`) is left undotted: its fourth character does not start a
 * subcategory.
 */
export function diagnosisKey(code: string): string {
  let key = isFolded(code) ? code : foldCode(code);
  if (key.length > 3 && !key.includes('.') && !key.includes('/') && isCategory(key)) {
    key = `${key.slice(0, 3)}.${key.slice(3)}`;
  }
  return key;
}

/** A letter and two alphanumerics: an ICD-10 category such as `E11` or `C7A`. */
function isCategory(key: string): boolean {
  const first = key.charCodeAt(0);
  return first >= 0x41 && first <= 0x5a && isAlnum(key.charCodeAt(1)) && isAlnum(key.charCodeAt(2));
}

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a);
}

const keysOfPrefixes = new WeakMap<readonly string[], string[]>();

/** diagnosisKey of each prefix of a limit, computed once per list (a library's lists are never changed). */
export function diagnosisPrefixKeys(prefixes: readonly string[]): string[] {
  let keys = keysOfPrefixes.get(prefixes);
  if (keys === undefined) {
    keys = prefixes.map(diagnosisKey).filter((k) => k !== '');
    keysOfPrefixes.set(prefixes, keys);
  }
  return keys;
}

/** Whether one of the keys starts with one of the prefix keys (both already diagnosisKey'd). */
export function anyStartsWith(keys: readonly string[], prefixKeys: readonly string[]): boolean {
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    for (let j = 0; j < prefixKeys.length; j++) if (k.startsWith(prefixKeys[j]!)) return true;
  }
  return false;
}

/** Only upper-case letters, digits and . / + -: already in the folded form (the codes most HIS send). */
function isFolded(code: string): boolean {
  for (let i = 0; i < code.length; i++) {
    const c = code.charCodeAt(i);
    if (!isAlnum(c) && c !== 0x2e && c !== 0x2f && c !== 0x2b && c !== 0x2d) return false;
  }
  return true;
}
