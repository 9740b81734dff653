import { CENSOR, folded } from './id-numbers';

/** Between the groups of a number written grouped (138 1234 5678, 138-1234-5678): as between an ID number's groups. */
const SEP = '[ \\-\\u00A0\\u3000\\uFF0D]';
const HYPHEN = '[\\-\\uFF0D]';
const SPACE = '[ \\u00A0\\u3000]';

/**
 * Words a doctor writes right before a phone number. Explicit and few: a number split by spaces is taken only after
 * one of them, and an ASCII one may touch the number (Tel13812345678). The ASCII ones only as a word of their own, so
 * that letters inside a code (…TEL1…) never let its digits be taken.
 */
const ASCII_CUE = '(?<![0-9A-Za-z])(?:Tel|TEL|tel|Mob|MOB|mob|Mobile|mobile|MOBILE|Phone|phone|PHONE)';
/**
 * The Chinese cue words, which a full stop after them ends (号码.150 1000 2000 is a sentence, then a dose). 座机 and 固话
 * (a landline) are as plain a cue as 电话. 号码 is not after a word that makes it one of the hospital's own numbers
 * (门诊号码, 住院号码, 病案号码, 单据号码, 处方号码 …): 门诊号码 0730 1130 1730 was masked. Whole words, not single
 * characters: 单位号码 and 养老院号码 (a workplace's, a care home's) are contact numbers, cues as 家属号码 and 联系号码.
 */
const CHINESE_CUE =
  '(?:电话|手机|手机号|(?<!门诊|住院|病案|病历|床位|床|医保卡|医保|单据|票据|发票|处方|证件|身份证|挂号|流水|就诊|医嘱|标本)号码|联系方式|座机|固话)';
/** A space as typed after a cue word, or a tab: a form's label and field pasted together (电话\t0571 8765 4321). */
const CUE_SPACE = '[ \\t\\u00A0\\u3000]';
/**
 * Whose number it is: a person or place named as a phone's owner (家属, 本人, 单位, home …). Words from a list, not any
 * text: a bracket after 电话 may as well say what was done (电话（已通知）0730 1130 1730 胰岛素, 电话（家属同意）：0830 …),
 * and what follows it is then a dose or times, which masking cannot give back. Longer words first where one begins
 * another (紧急联系人 before 联系人).
 */
const OWNER =
  '(?:家属|家庭|家里|家|本人|患者|病人|患方|配偶|丈夫|妻子|爱人|父亲|母亲|儿子|女儿|子女|孙子|孙女婿|孙女|外孙女|外孙|兄弟|姐妹|亲属|亲友|' +
  '儿媳妇|儿媳|女婿|老伴|亲戚|朋友|邻居|保姆|监护人|紧急联系人|联系人|陪护|护工|工作单位|单位|工作|公司|办公室|办公|住宅|宿舍|手机|座机|固话|移动|联通|电信|' +
  'home|Home|HOME|work|Work|WORK|office|Office|OFFICE|mobile|Mobile|MOBILE|cell|Cell|CELL|family|Family|FAMILY)';
/**
 * The owner in brackets after the cue word, maybe after a space, one word or up to three, run together or listed:
 * 联系电话（家属）, 电话 【本人】, Tel (home), 电话（患者家属）, 电话（患者的家属）, 电话（家属：女儿）, 电话（家属， 女儿）;
 * a colon left empty before the bracket closes (电话（家属：）) is a form's label. An area code in brackets (电话（0871）6543 2109) is
 * LANDLINE's, never this.
 */
/** Between owner words: nothing, a space, 的 or 之 (患者的家属), or a mark with a space around it as typed (家属， 女儿). */
const OWNER_JOIN = `(?:${SPACE}?[、，,/；;：:\\-]${SPACE}?|${SPACE}|[的之])?`;
const QUALIFIER = `(?:${SPACE}?[(\\uFF08\\u3010]${OWNER}(?:${OWNER_JOIN}${OWNER}){0,2}[：:]?[)\\uFF09\\u3011])`;
/**
 * A cue word and what may stand between it and the number: a bracketed qualifier, then one colon or hyphen (Tel-),
 * each with a space or tab before or after it as typed (电话 : 138…); a full stop (Tel.) only after an ASCII cue,
 * where it marks the abbreviation. One mark only, and not 。, which ends the sentence the cue was in.
 */
const CUE =
  `(?:${CHINESE_CUE}${QUALIFIER}?${CUE_SPACE}?(?:[：:\\-\\uFF0D]${CUE_SPACE}?)?` +
  `|${ASCII_CUE}${QUALIFIER}?${CUE_SPACE}?(?:[：:.\\uFF0E\\-\\uFF0D]${CUE_SPACE}?)?)`;
/**
 * An en or em dash (or the 破折号 of two) between an area code and its local number: only right after a cue word
 * (电话：0871—65432109). Bare, a dash is a range (0830—1130, a time to a time) as often as a joiner.
 */
const DASH = '[\\u2013\\u2014]{1,2}';

/**
 * Not inside a longer word: no letter or digit right before (a code such as XJ01CAA040B002010101445, a digit run), nor
 * a letter or digit and a hyphen (a hyphen-joined code); letters only when they are an ASCII cue word.
 */
const STARTS_WORD = `(?:(?<![0-9A-Za-z])(?<![0-9A-Za-z]${HYPHEN})|(?<=${CUE}))`;
/**
 * Nor a letter or digit right after. A hyphen and a digit after it (the number goes on: a code, a longer number) is
 * weighed per chain (maskedChain).
 */
const ENDS_WORD = '(?![0-9A-Za-z])';

/**
 * A mainland mobile number: 1[3-9] and 9 digits, as one word or as 3-4-4 split by hyphens, maybe after +86, 0086 or
 * 86. Nothing shorter or longer is taken: a dose, a count, a date (2026-11-29) never starts 1[3-9] with 11 digits.
 */
const MOBILE = `(?:(?:[+\\uFF0B]|00)?86${SEP}?)?1[3-9][0-9]${HYPHEN}?[0-9]{4}${HYPHEN}?[0-9]{4}`;

/** A mobile number split by a space somewhere (138 1234 5678, 1381234 5678, 138 12345678). */
const SPACED_MOBILE_DIGITS = `1[3-9][0-9](?:${SPACE}[0-9]{4}${SEP}?|${HYPHEN}?[0-9]{4}${SPACE})[0-9]{4}`;

/**
 * The same split by a space somewhere (138 1234 5678), only right after a cue word or +86/0086: three numbers shaped
 * 3-4-4 are also a dose (剂量 150 1000 2000) or readings (血压180 1200 1300), and masking cannot be undone. Not in a
 * list after a cue either (电话138… 180 1200 1300, 电话138…、150 1000 2000): what follows a phone number, after a
 * space or a joiner, is as likely readings or a dose; only the forms taken anywhere (13987654321, 0571-87654321) are
 * taken there. The two ways to place the space, and the two ways to be introduced, never match the same text (no
 * backtracking between them).
 */
const SPACED_MOBILE = `(?:(?<=${CUE})(?:86${SEP}?)?|(?:[+\\uFF0B]|00)86${SEP}?)${SPACED_MOBILE_DIGITS}`;

/**
 * An area code of 4 digits: 0 and three digits starting 3–9 (0571, 0871), but none ending 00. No area code in China
 * ends 00 (0x00 is unassigned), and 0800, 0900 written before a number are a time (0800 1234567: 8 o'clock, then a
 * number), kept. Codes ending 0y or x0 exist (0701 Yingtan, 0830 Luzhou) and are taken.
 */
const AREA4 = '0[3-9](?!00)[0-9]{2}';
/** An area code: 010, 02x, or one of 4 digits (AREA4). */
const AREA = `0(?:10|2[0-9])|${AREA4}`;

/**
 * An area code that cannot be a time: 010, 02x, or 4 digits whose last two are 60 or more (0571, 0871). Bare, one of
 * 0300–0959 and a space before 7–8 digits is as likely a time and a dose or a bed number (青霉素 0830 3200000 U, 0930
 * 2026001 号床), and migration 19 applies this to every stored reason: that form needs a cue word (电话 0755 86543210).
 */
const UNTIMED_AREA = '0(?:10|2[0-9])|0[3-9][6-9][0-9]';

/** An extension after a hyphen; one followed by a hyphen and a digit is read as the next number of a chain. */
const EXTENSION = `(?:${HYPHEN}[0-9]{1,6}(?![0-9]|${HYPHEN}[0-9]))?`;

/**
 * The first digit of a local number: 2–9. A Chinese fixed-line local number never starts with 0 or 1 (those begin
 * prefixes and special services), so an area code and digits starting 0 or 1 are something else: a time or a code and a
 * dose (用量 0375 1500000), kept.
 */
const LOCAL_FIRST = '[2-9]';

/**
 * A landline: an area code joined by a hyphen or a space (0571-87654321, 0571 87654321; by a space only an
 * UNTIMED_AREA, or any after a cue word) or in parentheses
 * ((010)62345678, （010）62345678) to a local number of 7 or 8 digits, or written as one word (057187654321: 010 and
 * 02x with 8 digits, as their local numbers all have, others with 7 or 8), maybe with an extension after a hyphen.
 * The local number starts LOCAL_FIRST; one that reads as a date (a Shanghai one starting 20) is still who was called.
 * Without its area code a local number cannot be told from other 8-digit numbers (a date written 20261129), and is
 * kept. An extension only ends a
 * chain: one followed by a hyphen and a digit (-0086-138…) is read as the next number, never as both, which let a
 * crafted chain of such pieces take exponential time to reject (a review measured 179 ms for 602 characters).
 */
const LANDLINE =
  `(?:(?:(?:${AREA})${HYPHEN}|(?:${UNTIMED_AREA})${SPACE}|(?<=${CUE})(?:${AREA})(?:${SPACE}|${DASH})` +
  `|[(\\uFF08](?:${AREA})[)\\uFF09]${SEP}?)${LOCAL_FIRST}[0-9]{6,7}` +
  `|0(?:10|2[0-9])${LOCAL_FIRST}[0-9]{7}|${AREA4}${LOCAL_FIRST}[0-9]{6,7})${EXTENSION}`;

/**
 * A landline whose local number is split in two, only right after a cue word: bare, 0730 1130 1730 is insulin given at
 * three times, 021 1200 1800 a count and two times, 0830-1130-1730 times or a range, and a time starting 0 reads as an
 * area code. Its 8 digits split 4-4 by a space, a hyphen or a dash (电话 0571 8765 4321, 电话：0571-8765-4321,
 * 电话：0571 8765-4321, 0871—6543 2109, (0871) 6543 2109, 电话(010)6234-5678); a 7-digit one split 3-4 only by a
 * hyphen or dash on both sides of it (电话：0830-234-5678): split by spaces, 0830 234 5678 is as likely a time and
 * doses.
 */
const JOIN = `(?:${HYPHEN}|${DASH})`;
const SPLIT_LANDLINE =
  `(?<=${CUE})(?:(?:(?:${AREA})(?:${SEP}|${DASH})|[(\\uFF08](?:${AREA})[)\\uFF09]${SEP}?)` +
  `${LOCAL_FIRST}[0-9]{3}(?:${SPACE}|${JOIN})|(?:${AREA})${JOIN}${LOCAL_FIRST}[0-9]{2}${JOIN})[0-9]{4}${EXTENSION}`;

/**
 * A landline written with the country code: +86 or 0086, then the area code without its 0, then the local number
 * (+86-10-62345678, +86 571 87654321). 10 and 2x take a local number of 8 digits, as all theirs have; three digits
 * 3–9 and two more (none ending 00) one of 7 or 8. +86 is no dose or code and is taken anywhere, its separators
 * optional. 0086 with no cue word only with a space after it and after the area code (0086 21 52345678): run
 * together or joined by hyphens, digits starting 00 are as often a code (编码0086215234567,
 * 项目编码0086-10-62345678-01), kept; after a cue word (电话：0086-21-52345678) any separator or none.
 */
const areaAndLocal = (sep: string): string =>
  `(?:(?:10|2[0-9])${sep}${LOCAL_FIRST}[0-9]{7}|[3-9](?!00)[0-9]{2}${sep}${LOCAL_FIRST}[0-9]{6,7})`;
const INTERNATIONAL_LANDLINE =
  `(?:[+\\uFF0B]86${SEP}?${areaAndLocal(`${SEP}?`)}|0086${SPACE}${areaAndLocal(SPACE)}` +
  `|(?<=${CUE})0086${SEP}?${areaAndLocal(`${SEP}?`)})${EXTENSION}`;
/**
 * The same after a hyphen that joins it to a number of a chain (13812345678-0086-21-52345678), or as a chain's first
 * number when the chain is weighed (FIRST_OF_CHAIN): 0086 with any separator or none. There the text before it is a
 * number's last digit and a hyphen, never a cue word, and a number joined to a phone is read as one
 * (0571-87654321-13812345678); the 0086 form needing a cue word there left the landline readable.
 */
const CHAINED_INTERNATIONAL_LANDLINE = `(?:[+\\uFF0B]|00)86${SEP}?${areaAndLocal(`${SEP}?`)}${EXTENSION}`;

/**
 * A mobile number split 3-4-4 by en or em dashes (电话 138—1234—5678, as an input method types a dash), only right
 * after a cue word: bare, dashed digit groups are as often a range or doses (150–1000–2000), and masking cannot be
 * undone.
 */
const DASHED_MOBILE = `(?<=${CUE})(?:(?:[+\\uFF0B]|00)?86${SEP}?)?1[3-9][0-9]${DASH}[0-9]{4}${DASH}[0-9]{4}`;

const ONE_PHONE = `(?:${MOBILE}|${SPACED_MOBILE}|${DASHED_MOBILE}|${LANDLINE}|${SPLIT_LANDLINE}|${INTERNATIONAL_LANDLINE})`;
/**
 * A number of a chain after its first hyphen. The 0086 form taken here covers INTERNATIONAL_LANDLINE's, so one text
 * is never matched two ways (no backtracking between them); it is last, so a chain's first number is read as
 * ONE_PHONE reads it whenever ONE_PHONE can.
 */
const CHAINED_PHONE = `(?:${MOBILE}|${SPACED_MOBILE}|${DASHED_MOBILE}|${LANDLINE}|${SPLIT_LANDLINE}|${CHAINED_INTERNATIONAL_LANDLINE})`;

/**
 * Where a chain may start: as a word, or a mobile as one word of 11 digits (no dose, time, date or code has that
 * shape) right after digits and a hyphen ((010)12345678-13812345678), but not when letters come before those digits:
 * CODE1-13812345678, ZY2026-13800000001-01 are a code or an order number. Up to 20 digits: the national item codes
 * have at most 14 after their last letter, and a letter further back is taken to be no part of them, so the mobile
 * after A and 21 digits and a hyphen is masked (a phone left in clear is the worse mistake).
 */
const CHAIN_STARTS = `(?:${STARTS_WORD}${ONE_PHONE}|(?<=[0-9]${HYPHEN})(?<![A-Za-z][0-9]{1,20}${HYPHEN})1[3-9][0-9]{9})`;

/**
 * Numbers joined by hyphens (13812345678-13987654321) are one word for the checks before and after, so that neither
 * blocks the other as "a longer number"; each is masked. A chain may end before a hyphen and digits that are no phone
 * number (a date, an extension-like digit) only when it is surely phone numbers: it starts right after a cue word, or
 * one of its numbers is a mobile (MOBILE_PIECE) or written with +86 (COUNTRY_CODE_PIECE); else it is kept whole, as
 * a code (maskedChain). A number after a hyphen is read as CHAINED_PHONE reads it.
 */
const PHONES = new RegExp(`${CHAIN_STARTS}(?:${HYPHEN}${CHAINED_PHONE})*${ENDS_WORD}`, 'g');
/** A chain that goes on with a hyphen and a digit: the digits after it are no phone of the chain. */
const GOES_ON = new RegExp(`${HYPHEN}[0-9]`, 'y');
/** A cue word right before a chain. */
const AFTER_CUE = new RegExp(`(?<=${CUE})`, 'y');
/**
 * A mobile number that cannot be a dose or a code: 11 digits as one word or split by a space (the latter only taken
 * after a cue word or +86/0086), maybe after +86, 0086 or 86. Not the 3-4-4 hyphen form: 150-1000-2000-3000 may be
 * doses.
 */
const MOBILE_PIECE = new RegExp(`^(?:(?:[+\\uFF0B]|00)?86${SEP}?)?(?:1[3-9][0-9]{9}|${SPACED_MOBILE_DIGITS})$`);
/**
 * A number written with the country code as +86, or 0086 and a space (+86-21-52345678, +86-138-1234-5678,
 * 0086 21 52345678): no dose, date or code is written so, and it is a phone whatever digits follow the chain.
 * 0086 joined by a hyphen or run together is not: digits starting 00 are as often a code (项目编码0086-10-62345678-01).
 */
const COUNTRY_CODE_PIECE = new RegExp(`^(?:[+\\uFF0B]86|0086${SPACE})`);
/**
 * One number of such a chain, up to a hyphen or the end of the searched text. Not the whole rest of the chain in a
 * lookahead: that would search a long chain again at each number.
 */
const FIRST_OF_CHAIN = new RegExp(`${CHAINED_PHONE}(?=${HYPHEN}|$)`, 'y');

/** At least 7 digits in the text: what every phone number here has; most reasons are kept without the search. */
const MAY_BE_PHONE = /(?:[0-9\uFF10-\uFF19][^0-9\uFF10-\uFF19]{0,3}){7}/;

/**
 * The chain search[start, end) masked number by number, the hyphens between kept, or null when it is to be kept
 * whole: it goes on with a hyphen and digits, and neither follows a cue word nor holds a mobile or a number written
 * with +86 (or 0086 and a space). The search stops at
 * `end` and starts at `start` with what is before it in view, as the cue words are.
 */
function maskedChain(search: string, text: string, start: number, end: number): string | null {
  GOES_ON.lastIndex = end;
  AFTER_CUE.lastIndex = start;
  let sure = !GOES_ON.test(search) || AFTER_CUE.test(search);
  const upToEnd = search.slice(0, end);
  let out = '';
  let at = start;
  while (at < end) {
    FIRST_OF_CHAIN.lastIndex = at;
    const piece = FIRST_OF_CHAIN.exec(upToEnd);
    // A rest that is no number on its own (not expected since an extension only ends a chain): the whole chain is
    // masked as one then, as it is all phone numbers.
    if (piece === null) return sure ? CENSOR : null;
    sure = sure || MOBILE_PIECE.test(piece[0]) || COUNTRY_CODE_PIECE.test(piece[0]);
    out += CENSOR;
    at = FIRST_OF_CHAIN.lastIndex;
    if (at < end) {
      out += text[at];
      at++;
    }
  }
  return sure ? out : null;
}

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
  for (const match of search.matchAll(PHONES)) {
    const start = match.index ?? 0;
    const end = start + match[0].length;
    const masked = maskedChain(search, text, start, end);
    if (masked === null) continue;
    out += text.slice(at, start) + masked;
    at = end;
  }
  return at === 0 ? text : out + text.slice(at);
}
