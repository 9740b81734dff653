/** What an ID number (and a phone number in a 3103 reason: phone-numbers.ts) is replaced with. */
export const CENSOR = '[redacted]';

/**
 * Digits as a Chinese IME types them too: its full-width mode gives １１０… (U+FF10–FF19) and Ｘ. Only these are folded
 * (what NFKC does to them), not all of NFKC: it would also turn ① or ² into digits, and it keeps every character one
 * UTF-16 unit, so a match found in the folded text is at the same place in the text as sent.
 */
export function folded(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xff10 && code <= 0xff19) out += String.fromCharCode(code - 0xff10 + 0x30);
    else if (code === 0xff38 || code === 0xff58 || code === 0x78) out += 'X';
    else out += text[i];
  }
  return out;
}

const DIGIT = '0-9\\uFF10-\\uFF19';
/** Between groups of an ID number written grouped (110105 19850312 2421, 110105-19850312-2421), one of these. */
const SEPARATOR = ' \\-\\u00A0\\u3000\\uFF0D';
const IS_SEPARATOR = new RegExp(`[${SEPARATOR}]`);

/**
 * A run of digits, in groups joined by one separator each, maybe ending in X (the check character): the place an ID
 * number can be. Runs are maximal (a digit before or after belongs to the run), so a longer number is never cut into
 * one.
 */
const DIGIT_RUN = new RegExp(`[${DIGIT}](?:[${SEPARATOR}]?[${DIGIT}])*(?:[XxＸｘ](?![${DIGIT}]))?`, 'g');

/** At least 15 digits with at most one separator between two: what every ID number has. */
const MAY_BE_ID = new RegExp(`[${DIGIT}](?:[${SEPARATOR}]?[${DIGIT}]){14}`);

/** The 18-character number written as one word: region, a plausible birth date, sequence, check character. */
const WHOLE_18 = /^[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dX]$/;

/** Province (first two digits of the region): mainland 11–65, 港澳台 residence permits 71/81–83, 外国人永久居留 91. */
const PROVINCE = /^(?:1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5]|71|8[1-3]|91)/;

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

function checkCharacterFits(id: string): boolean {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(id[i]) * WEIGHTS[i]!;
  return CHECK[sum % 11] === id[17];
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Whether `digits` (folded, separators removed) is a 居民身份证 number. `grouped`: it was written in groups. The rules
 * are as narrow as masking free text needs, as a doctor's reason also holds doses, dates and phone numbers:
 * - 18 characters as one word: a region not starting with 0 and a plausible birth date (as masked since the start;
 *   the check character is not asked for, so a mistyped one is masked too);
 * - 18 characters in groups: also a real province, a real calendar date and a check character that fits, since
 *   numbers written side by side (a phone number, a date) can add up to 18 digits;
 * - 15 digits (the first-generation card, 6 + yyMMdd + 3), as one word or in groups: a real province and a real
 *   calendar date in 19yy.
 */
function isIdNumber(digits: string, grouped: boolean): boolean {
  if (digits.length === 18) {
    if (!WHOLE_18.test(digits)) return false;
    if (!grouped) return true;
    const [year, month, day] = [digits.slice(6, 10), digits.slice(10, 12), digits.slice(12, 14)].map(Number);
    return PROVINCE.test(digits) && isCalendarDate(year!, month!, day!) && checkCharacterFits(digits);
  }
  if (digits.length === 15 && /^\d{15}$/.test(digits) && PROVINCE.test(digits)) {
    const [year, month, day] = [digits.slice(6, 8), digits.slice(8, 10), digits.slice(10, 12)].map(Number);
    return isCalendarDate(1900 + year!, month!, day!);
  }
  return false;
}

/** The parts of one run that are ID numbers, as [start, end) within the run, leftmost first, an 18 before a 15. */
function idSpansOf(run: string): [number, number][] {
  const groups: { start: number; end: number }[] = [];
  let start = 0;
  for (let i = 0; i <= run.length; i++) {
    if (i === run.length || IS_SEPARATOR.test(run[i]!)) {
      groups.push({ start, end: i });
      start = i + 1;
    }
  }
  const spans: [number, number][] = [];
  const text = folded(run);
  for (let i = 0; i < groups.length; ) {
    let digits = '';
    let found = -1;
    for (let j = i; j < groups.length && digits.length < 18; j++) {
      digits += text.slice(groups[j]!.start, groups[j]!.end);
      if ((digits.length === 15 || digits.length === 18) && isIdNumber(digits, j > i)) found = j;
    }
    if (found < 0) {
      i++;
      continue;
    }
    spans.push([groups[i]!.start, groups[found]!.end]);
    i = found + 1;
  }
  return spans;
}

/**
 * Free text (an upstream err_msg, an error message, a doctor's reason) with 居民身份证 numbers masked: 18 or 15
 * characters, in ASCII or full-width digits, as one word or in groups split by a space or a hyphen (isIdNumber).
 */
export function maskIdNumbers(text: string): string {
  if (!MAY_BE_ID.test(text)) return text;
  return text.replace(DIGIT_RUN, (run) => {
    if (run.length < 15) return run;
    const spans = idSpansOf(run);
    if (spans.length === 0) return run;
    let out = '';
    let at = 0;
    for (const [start, end] of spans) {
      out += run.slice(at, start) + CENSOR;
      at = end;
    }
    return out + run.slice(at);
  });
}

/**
 * Whether `text` is, as a whole, an 18-character 居民身份证 number written as one word in ASCII (isIdNumber: region,
 * plausible birth date; the check character X in upper case, as GB 11643 writes it).
 */
export function isWholeIdNumber(text: string): boolean {
  return text.length === 18 && isIdNumber(text, false);
}

/** Whether `text` may hold an ID number at all (every one has 15 digits or more): most texts are kept unparsed. */
export function mayHoldIdNumber(text: string): boolean {
  return MAY_BE_ID.test(text);
}
