import { CENSOR, folded } from './id-numbers';

/** Between the groups of a number written grouped (138 1234 5678, 138-1234-5678): as between an ID number's groups. */
const SEP = '[ \\-\\u00A0\\u3000\\uFF0D]';
const HYPHEN = '[\\-\\uFF0D]';

/**
 * Not inside a longer word: no letter or digit right before (a code such as XJ01CAA040B002010101445, a digit run), nor
 * a letter or digit and a hyphen (a hyphen-joined code).
 */
const STARTS_WORD = `(?<![0-9A-Za-z])(?<![0-9A-Za-z]${HYPHEN})`;
/** Nor right after: no letter or digit, nor a hyphen and a digit (the number goes on: a code, a longer number). */
const ENDS_WORD = `(?![0-9A-Za-z])(?!${HYPHEN}[0-9])`;

/**
 * A mainland mobile number: 1[3-9] and 9 digits, as one word or as 3-4-4 split by a space or a hyphen, maybe after
 * +86 or 86. Nothing shorter or longer is taken: a dose, a count, a date (2026-11-29) never starts 1[3-9] with 11 digits.
 */
const MOBILE = `(?:[+\\uFF0B]?86${SEP}?)?1[3-9][0-9]${SEP}?[0-9]{4}${SEP}?[0-9]{4}`;

/** An area code: 010, 02x, or 0 and three digits starting 3–9 (0571). */
const AREA = '0(?:10|2[0-9]|[3-9][0-9]{2})';

/**
 * A landline: an area code joined by a hyphen (0571-87654321) or in parentheses ((010)12345678, （010）12345678) to a
 * local number of 7 or 8 digits, maybe with an extension after a hyphen. Only a leading 0 is refused: a number as a
 * doctor copies it from a form (a made-up or older one starting 1) is still who was called. Without its area code a
 * local number cannot be told from other 8-digit numbers (a date written 20261129), and is kept.
 */
const LANDLINE = `(?:${AREA}${HYPHEN}|[(\\uFF08]${AREA}[)\\uFF09]${SEP}?)[1-9][0-9]{6,7}(?:${HYPHEN}[0-9]{1,6})?`;

const PHONE = new RegExp(`${STARTS_WORD}(?:${MOBILE}|${LANDLINE})${ENDS_WORD}`, 'g');

/** At least 7 digits in the text: what every phone number here has; most reasons are kept without the search. */
const MAY_BE_PHONE = /(?:[0-9\uFF10-\uFF19][^0-9\uFF10-\uFF19]{0,3}){7}/;

/**
 * Free text (a doctor's 3103 reason, a log line) with mainland mobile and landline numbers masked as ID numbers are
 * (CENSOR), in ASCII or full-width digits: the doctor wrote who was called, and the reason leaves the workstation.
 * The search runs on the folded text (full-width digits as ASCII), which has every character where the text has it.
 */
export function maskPhoneNumbers(text: string): string {
  if (!MAY_BE_PHONE.test(text)) return text;
  const search = folded(text);
  let out = '';
  let at = 0;
  for (const match of search.matchAll(PHONE)) {
    const start = match.index ?? 0;
    out += text.slice(at, start) + CENSOR;
    at = start + match[0].length;
  }
  return at === 0 ? text : out + text.slice(at);
}
