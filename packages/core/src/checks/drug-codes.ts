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
