import type { AnalysisInput } from '@prealert/core';

const CENSOR = '[redacted]';

/**
 * The names of the patients of one request. A gateway's err_msg is free text ("患者王某某的就诊信息不存在"), where a
 * name cannot be recognised by its shape as an identity number can; but the request in hand says which names to
 * look for.
 */
export function patientNamesOf(input: AnalysisInput): string[] {
  const names: string[] = [];
  for (const patient of input.data.patient_dtos) {
    const name = patient.patn_name?.trim();
    // A one-character "name" (a HIS filling the field with "无" or "-") would mask that character everywhere.
    if (name !== undefined && name.length >= 2 && !names.includes(name)) names.push(name);
  }
  return names;
}

/** `text` with every occurrence of each name replaced, so a gateway's message can be logged and stored. */
export function maskPatientNames(text: string, names: readonly string[]): string {
  let masked = text;
  for (const name of names) masked = masked.replaceAll(name, CENSOR);
  return masked;
}

/** maskPatientNames on JSON text: each name is looked for as JSON writes it, so the text stays valid JSON. */
export function maskPatientNamesInJson(json: string, names: readonly string[]): string {
  return maskPatientNames(
    json,
    names.map((name) => JSON.stringify(name).slice(1, -1)),
  );
}
