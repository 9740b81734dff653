import { clipChars } from '../evaluate/national-text-length';
import type { Encounter } from '../normalize/normalized-types';

const SHOWN = 3;
/** vola_cont is 500 characters (3101-3103.md §3.1) and a published restriction can take 400 of them. */
const NAME_CHARS = 20;

/** Names are not validated (the evaluator never decided on them): anything but a string is no name. */
function str(v: unknown): string {
  return typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '';
}

/** The name the encounter sent for a diagnosis code: the main diagnosis's own, else the first fsi_diagnose_dtos entry's. */
function nameOf(encounter: Encounter, code: string): string {
  const dto = encounter.dto;
  if (str(dto.dscg_main_dise_codg) === code) {
    const main = str(dto.dscg_main_dise_name);
    if (main) return main;
  }
  for (const d of dto.fsi_diagnose_dtos ?? []) {
    if (str(d.dise_codg) === code) {
      const name = str(d.dise_name);
      if (name) return name;
    }
  }
  return '';
}

/**
 * What the encounter says about diagnoses, for a reminder that asks the doctor to confirm an indication: the codes
 * sent (main first) with their names, at most three and 「等 N 项」 beyond, or 「本次未传诊断」. The doctor confirms
 * against what the HIS sent, not against a memory of it.
 */
export function diagnosesSent(encounter: Encounter): string {
  const codes = encounter.diagnoses;
  if (codes.length === 0) return '本次未传诊断';
  const shown = codes.slice(0, SHOWN).map((code) => {
    const name = nameOf(encounter, code);
    if (!name) return code;
    return `${code} ${clipChars(name, NAME_CHARS)}`;
  });
  return `本次诊断为 ${shown.join('、')}${codes.length > SHOWN ? ` 等 ${codes.length} 项` : ''}`;
}
