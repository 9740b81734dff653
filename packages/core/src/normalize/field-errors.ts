/**
 * Where a malformed field sits, as the path an error names (input.data.patient_dtos[p]…), built only when there is an
 * error to report. Shared by every step of normalisation, which all report into one error list.
 */

import { dateMessage, type FieldError } from '../envelope/validate';

/**
 * Where a field sits: `input.data.patient_dtos[p]`, then `.fsi_encounter_dtos[e]` for an encounter's field, then
 * `.fsi_order_dtos[o]` for an order line's, then `.field`. Kept as numbers and built into a path only when there is
 * an error to report: on the happy path no path string is made.
 */
export interface FieldAt {
  patient: number;
  encounter: number;
  order: number;
  field: string;
}

export function pathOf(at: FieldAt): string {
  let path = `input.data.patient_dtos[${at.patient}]`;
  if (at.encounter >= 0) path += `.fsi_encounter_dtos[${at.encounter}]`;
  if (at.order >= 0) path += `.fsi_order_dtos[${at.order}]`;
  return `${path}.${at.field}`;
}

export function invalidDate(value: unknown, at: FieldAt, errors: FieldError[]): void {
  errors.push({ path: pathOf(at), message: dateMessage(value) });
}

// One reusable locator: the walk sets the patient and encounter it is in, each read sets the rest; copied into a
// path only on error. Normalisation is synchronous, so one module-level instance is safe.
export const here: FieldAt = { patient: 0, encounter: -1, order: -1, field: '' };

export function at(order: number, field: string): FieldAt {
  here.order = order;
  here.field = field;
  return here;
}
