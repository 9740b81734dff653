/**
 * Characters that show nothing: whitespace (ASCII, no-break, 全角空格), controls (NUL, BEL, C1) and format
 * characters (zero-width space/joiners U+200B-U+200D, word joiner U+2060, BOM U+FEFF, direction marks). A 继续执行
 * reason of only these is as empty as "" to whoever reads it later (spec 3101-3103.md §4.1: 必须填写理由), though
 * String#trim leaves U+200B and NUL in place.
 */
const INVISIBLE_ONLY = /^[\s\p{Zs}\p{Cc}\p{Cf}]*$/u;

/** True when the text has at least one character a reader can see. */
export function hasVisibleCharacter(text: string): boolean {
  return !INVISIBLE_ONLY.test(text);
}
