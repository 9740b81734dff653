/**
 * A code as codes are compared: full-width characters folded (ＺＤ０３…, typed through a Chinese input method), every
 * space removed (a HIS reading a CHAR(30) column sends the code padded; no-break, zero-width spaces and a BOM come
 * from copy and paste), upper case. A code sent so would otherwise match nothing, and the doctor would miss every
 * warning it should give.
 */
export function foldCode(code: string): string {
  return code
    .normalize('NFKC')
    .replace(/[\s\u200b-\u200d\ufeff]/g, '')
    .toUpperCase();
}
