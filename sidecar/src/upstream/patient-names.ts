import type { AnalysisInput } from '@prealert/core';

/** What a patient's name is replaced with, wherever it is masked (also in a 3103 reason: patient-name-digests.ts). */
export const PATIENT_NAME_CENSOR = '[redacted]';

/**
 * The fields a HIS names the patient in: 3101/3102's patn_name; psn_name, the name field of every other 医保
 * interface (1101, 2201…) and of Hainan's 3660, which a HIS that reuses its personnel DTO sends instead; and
 * patient_name, a HIS's own column name. Read whatever the call carries: a name that is not read is not masked.
 */
export const PATIENT_NAME_FIELDS = ['patn_name', 'psn_name', 'patient_name'] as const;

/**
 * What a HIS writes in the name field when it has no name (an unidentified patient, a newborn not yet named): masked as
 * a name, it would cut clinical words out of every text (「新生儿黄疸」 in a doctor's reason).
 */
const PLACEHOLDER_NAMES: ReadonlySet<string> = new Set([
  '无名氏',
  '无名',
  '匿名',
  '未知',
  '不详',
  '新生儿',
  '婴儿',
  '男婴',
  '女婴',
  '患者',
  '病人',
  '某某',
]);

/**
 * The names of the patients of one request. A gateway's err_msg is free text ("患者王某某的就诊信息不存在"), where a
 * name cannot be recognised by its shape as an identity number can; but the request in hand says which names to
 * look for.
 */
export function patientNamesOf(input: AnalysisInput): string[] {
  const names: string[] = [];
  for (const patient of input.data.patient_dtos) {
    for (const field of PATIENT_NAME_FIELDS) {
      const value = patient[field];
      const name = typeof value === 'string' ? value.trim() : undefined;
      // A one-character "name" (a HIS filling the field with "无" or "-") would mask that character everywhere.
      if (name !== undefined && name.length >= 2 && !PLACEHOLDER_NAMES.has(name) && !names.includes(name))
        names.push(name);
    }
  }
  return names;
}

/**
 * The patients' patn_id values, for masking a task_id built from one (「ZY-<patn_id>-01」): patn_id is the 医保
 * 人员编号 or the HIS's patient number, which the log never shows and the record keeps only keyed. Shorter than 4
 * characters it is no identifier worth hiding, and would mask those characters everywhere in the task id.
 */
export function patientIdsOf(input: AnalysisInput): string[] {
  const ids: string[] = [];
  for (const patient of input.data.patient_dtos) {
    const id = typeof patient.patn_id === 'string' ? patient.patn_id.trim() : '';
    if (id.length >= 4 && !ids.includes(id)) ids.push(id);
  }
  return ids;
}

/** `text` with every occurrence of each name replaced, so a gateway's message can be logged and stored. */
export function maskPatientNames(text: string, names: readonly string[]): string {
  let masked = text;
  for (const name of names) masked = masked.replaceAll(name, PATIENT_NAME_CENSOR);
  return masked;
}

/**
 * maskPatientNames on JSON text, inside its string values only: the text is parsed, each string value masked and
 * the result written again. Replacing in the raw text would also hit its syntax and numbers (a HIS that fills
 * patn_name with "12" turned `"vola_amt":12` into `"vola_amt":[redacted]`), and the record was then dropped.
 * Identifiers (keys ending in "_id": jr_id, rule_id, mdtrt_id, rx_id…) are kept as sent: they are codes, not text
 * about the patient, and the record is looked up and linked by them.
 */
export function maskPatientNamesInJson(json: string, names: readonly string[]): string {
  // Most results name no patient: they are kept as written, without parsing them. A name is looked for as JSON
  // writes it, so one holding a quote or a backslash is still found.
  if (!names.some((name) => json.includes(JSON.stringify(name).slice(1, -1)))) return json;
  return JSON.stringify(maskStrings(JSON.parse(json) as unknown, names));
}

function maskStrings(value: unknown, names: readonly string[], key = ''): unknown {
  if (typeof value === 'string') return key.endsWith('_id') ? value : maskPatientNames(value, names);
  if (Array.isArray(value)) return value.map((v) => maskStrings(v, names, key));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // Defined as an own property, so a "__proto__" key stays data and does not reach a prototype.
      Object.defineProperty(out, k, {
        value: maskStrings(v, names, k),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}
