/**
 * med_mdtrt_type (就诊类型) and med_type (医疗类别) as real clients send them, read into the national codes the visit
 * checks compare (3101-3103.md §2.9): trimmed, zero-padding dropped ("01" is 1), and the dictionary's own words where
 * they name one code. A HIS that sent "门诊"/"普通门诊" or "01" got no 限住院 warning for an outpatient: no code read.
 */

/** 就诊类型: 1 门诊, 2 住院, 3 购药, 4 其他 (S-02 numbers 住院 3: either way only 1 is outpatient). */
const VISIT_TYPE_CODES = new Set(['1', '2', '3', '4']);

const VISIT_TYPE_WORDS: Readonly<Record<string, string>> = {
  门诊: '1',
  住院: '2',
  购药: '3',
  药店购药: '3',
  其他: '4',
};

/** The med_type names of the national dictionary (the codes encounter-names.ts names), each one code. */
const MED_TYPE_WORDS: Readonly<Record<string, string>> = {
  普通门诊: '11',
  门诊挂号: '12',
  急诊: '13',
  门诊慢特病: '14',
  普通住院: '21',
};

function trimmed(v: unknown): string {
  return v === undefined || v === null ? '' : String(v).trim();
}

/** med_mdtrt_type as a national code ("1" … "4"); anything else as sent, trimmed ("" when not sent). */
export function visitTypeOf(raw: unknown): string {
  const v = trimmed(raw);
  if (/^0\d$/.test(v)) return v.slice(1);
  return VISIT_TYPE_WORDS[v] ?? v;
}

/** med_type as a national code; a dictionary word is read as its code, anything else kept as sent, trimmed. */
export function medTypeOf(raw: unknown): string {
  const v = trimmed(raw);
  return MED_TYPE_WORDS[v] ?? v;
}

/** A med_mdtrt_type the visit checks read (visitTypeOf already applied). */
export function isKnownVisitType(code: string): boolean {
  return VISIT_TYPE_CODES.has(code);
}

/** A med_type shaped as a national code (digits): its first digit says 门诊 (1) or 住院 (2). */
export function isMedTypeCode(code: string): boolean {
  return /^\d{2,4}$/.test(code);
}

/**
 * An admission (住院), as the visit checks read one (encounter-limits.ts visitSetting): a med_type of 住院 (2x) whatever
 * the 就诊类型, or 就诊类型 2 unless med_type says a pharmacy purchase (41). Codes already read (visitTypeOf, medTypeOf).
 */
export function isAdmission(medMdtrtType: string, medType: string): boolean {
  return medType.startsWith('2') || (medMdtrtType === '2' && medType !== '41');
}
