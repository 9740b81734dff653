import { maskIdNumbers } from '../logging';
import { maskPatientNames } from '../upstream/patient-names';

/**
 * A department or doctor name as stored: a slipped HIS column can put the patient's name («内科 王秀英») or an ID
 * number («李医生 310115…») there, and these names are shown in the 医保办's figures and CSV.
 */
export function recordedStaffName(name: string, patientNames: readonly string[]): string {
  return maskIdNumbers(patientNames.length === 0 ? name : maskPatientNames(name, patientNames));
}

/**
 * A department or doctor code as stored and sent to the 数据归集 platform. Some HIS key doctors by 身份证号, and a
 * slipped column can put the patient's name there: such a code is stored as its keyed pseudonym (`key`), which groups
 * one doctor's reminders as the code did, rather than masked to `[redacted]`, which would lump every such doctor
 * together. Other codes are kept as sent.
 */
export function recordedCode(code: string, patientNames: readonly string[], key: (code: string) => string): string {
  return recordedStaffName(code, patientNames) === code ? code : key(code);
}

/**
 * The spaces a fixed-width HIS column pads a department or doctor code with, taken off: what recordedStaffCode stores,
 * and what schema migration 16 (stored-staff-codes.ts) makes of the codes stored before, so both are one code.
 */
export function staffCodeAsStored(code: string): string {
  return code.trim();
}

/**
 * A reminder's department or doctor code (drord_dept_codg, else the encounter's adm_dept_codg/dscg_dept_codg;
 * drord_dr_codg, else dr_codg) as stored: trimmed, as decidingOperator trims a 3103's opter, so that `D001 ` or
 * ` A03 ` from a fixed-width HIS column and `D001`/`A03` sent by another module are one doctor or department in the
 * figures. Rows stored before were trimmed by schema migration 16.
 */
export function recordedStaffCode(
  code: string,
  patientNames: readonly string[],
  key: (code: string) => string,
): string {
  return recordedCode(staffCodeAsStored(code), patientNames, key);
}
