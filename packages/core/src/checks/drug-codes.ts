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

export function isWesternDrugCode(code: string): boolean {
  return code.length >= 10 && code.charCodeAt(0) === 88;
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
