import type { Db } from './database';
import { staffCodeAsStored } from './staff-fields';

/**
 * JSON.stringify writes no whitespace between values, so an encounters array without any whitespace or escape holds
 * no padded code: most tasks are kept as they are without parsing them (a million rows at migration).
 */
const MAY_BE_PADDED = /[\s\\]/;

/** Where a task's encounters hold the department and doctor codes: [mdtrt_id, patient_key, dept, doctor, med_type]. */
const CODE_COLUMNS = [2, 3] as const;

/**
 * A task's encounters (tasks.encounters, JSON) with their department and doctor codes as stored today; the same
 * text when none changes, so that the migration writes only the rows it corrects.
 */
export function encountersWithTrimmedCodes(json: string): string {
  if (!MAY_BE_PADDED.test(json)) return json;
  let encounters: unknown;
  try {
    encounters = JSON.parse(json);
  } catch {
    // Not written by prealert: kept as found rather than failing the whole upgrade over one row.
    return json;
  }
  if (!Array.isArray(encounters)) return json;
  let changed = false;
  for (const encounter of encounters) {
    if (!Array.isArray(encounter)) continue;
    for (const column of CODE_COLUMNS) {
      const code: unknown = encounter[column];
      if (typeof code !== 'string') continue;
      const stored = staffCodeAsStored(code);
      if (stored === code) continue;
      encounter[column] = stored;
      changed = true;
    }
  }
  return changed ? JSON.stringify(encounters) : json;
}

/**
 * The trimming above as SQL functions, for the migration that trims the department and doctor codes older builds
 * stored padded (database.ts): the same code as on arrival (staffCodeAsStored, String.prototype.trim), whose
 * whitespace SQLite's trim() does not know (a tab, a full-width space).
 */
export function registerStaffCodeTrimming(db: Db): void {
  db.function('trimmed_staff_code', { deterministic: true }, (value: unknown) =>
    typeof value === 'string' ? staffCodeAsStored(value) : value,
  );
  db.function('encounters_with_trimmed_codes', { deterministic: true }, (value: unknown) =>
    typeof value === 'string' ? encountersWithTrimmedCodes(value) : value,
  );
}
