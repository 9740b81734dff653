export type Sex = 'male' | 'female';

/**
 * gend as real clients send it: the national codes (0 未知, 1 男, 2 女, 9 未说明), zero-padded ("02"), as a number
 * written with a decimal ("2.0"), as the word (女) or the letter of other systems' dictionaries (F). Read after
 * trimming and upper-casing, so " 2" and "f" are the same answers.
 */
const SEX_OF_GEND: Readonly<Record<string, Sex>> = {
  '1': 'male',
  '01': 'male',
  '1.0': 'male',
  男: 'male',
  M: 'male',
  MALE: 'male',
  '2': 'female',
  '02': 'female',
  '2.0': 'female',
  女: 'female',
  F: 'female',
  FEMALE: 'female',
};

/** gend values that say the sex is not known (rules.md: 0, 9 or missing): nothing to report. */
const UNKNOWN_SEX = new Set(['', '0', '00', '0.0', '9', '09', '9.0', '未知', '未说明', 'U', 'UNKNOWN']);

function key(gend: unknown): string {
  return gend === undefined || gend === null ? '' : String(gend).trim().toUpperCase();
}

/** The patient's sex, or undefined when gend says it is unknown or cannot be read (unreadableGend tells which). */
export function sexOf(gend: unknown): Sex | undefined {
  return SEX_OF_GEND[key(gend)];
}

/**
 * A gend that names no sex and does not say "unknown" either ("X", "3"): the sex limits cannot run, and the
 * data-quality check says so instead of letting a male-only drug pass a woman without a word.
 */
export function unreadableGend(gend: unknown): boolean {
  const k = key(gend);
  return SEX_OF_GEND[k] === undefined && !UNKNOWN_SEX.has(k);
}
