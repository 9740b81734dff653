import { foldCode } from './code-folding';

/**
 * The form diagnosis codes are compared in. HIS systems send the same 医保版 ICD-10 code as `E11.900x001`,
 * `E11.900X001`, `E11900x001`, `e11.9` or with full-width characters typed through a Chinese input method; a prefix
 * match on the code as sent tells `E83.3` from `E833` and would miss the diagnosis (or, with a local mapping, report
 * a violation that is not one). Codes are compared folded as national codes are (foldCode: half-width, no spaces of
 * any kind, upper case), with a dot after the category (letter + two characters) when the code has none.
 *
 * A morphology code (ICD-O, M8000–M9989 and its behaviour after a slash) is not ICD-10: its fourth character does
 * not start a subcategory, and `M80`, `M81` are osteoporosis categories it must never be read as. One with its
 * slash is left as it is. One sent without it in the 医保版 notation (`M800003` for `M80000/3`: M, five digits and
 * the behaviour digit) gets its slash back before the last digit, the way a mapping writes it; no ICD-10 code is a
 * letter and six digits. Sent as `M80003` (ICD-O's `M8000/3`) it cannot be told from the dotless 医保版 ICD-10
 * `M80.003` and is read as that, as before.
 */
export function diagnosisKey(code: string): string {
  let key = isFolded(code) ? code : foldCode(code);
  if (key.length > 3 && !key.includes('.') && !key.includes('/')) {
    if (isSlashlessMorphology(key)) key = `${key.slice(0, -1)}/${key.slice(-1)}`;
    else if (isCategory(key)) key = `${key.slice(0, 3)}.${key.slice(3)}`;
  }
  return key;
}

/** M, five digits beginning 8 or 9 (morphology 8000–9989) and a behaviour digit, run together: `M800003`. */
function isSlashlessMorphology(key: string): boolean {
  if (key.length !== 7 || key.charCodeAt(0) !== 0x4d) return false;
  const first = key.charCodeAt(1);
  if (first !== 0x38 && first !== 0x39) return false;
  for (let i = 2; i < 7; i++) if (!isDigit(key.charCodeAt(i))) return false;
  return true;
}

/** A key with a slash after its M: a morphology code (diagnosisKey has put back a slash the HIS left out). */
function isMorphologyKey(key: string): boolean {
  return key.charCodeAt(0) === 0x4d && key.includes('/');
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** A letter and two alphanumerics: an ICD-10 category such as `E11` or `C7A`. */
function isCategory(key: string): boolean {
  const first = key.charCodeAt(0);
  return first >= 0x41 && first <= 0x5a && isAlnum(key.charCodeAt(1)) && isAlnum(key.charCodeAt(2));
}

function isAlnum(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x5a);
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

/**
 * Whether one of the keys starts with one of the prefix keys (both already diagnosisKey'd). A morphology code is met
 * only by a morphology prefix (with its slash): the ICD-10 category `M81` (osteoporosis) is not adenocarcinoma
 * `M81400/3`, although the text of one starts with the other.
 */
export function anyStartsWith(keys: readonly string[], prefixKeys: readonly string[]): boolean {
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    for (let j = 0; j < prefixKeys.length; j++) {
      const p = prefixKeys[j]!;
      if (k.startsWith(p) && (!isMorphologyKey(k) || p.includes('/'))) return true;
    }
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
