import type { AnalysisInput, JudgeResultDto } from '@prealert/core';
import { maskIdNumbers } from '../logging';
import { maskPatientNames, patientNamesOf } from '../upstream/patient-names';
import { flaggedRxIds } from './flagged-lines';

/**
 * The task row's line_names as stored: JSON {rx_id: name}. Made as text where the names are found, so the record
 * crosses threads as one string and the request thread, which writes it, allocates nothing for it (as pairs, then an
 * object, it cost the request thread about a tenth more CPU per answer in `pnpm bench:http`).
 */
export type LineNames = string;

/**
 * The item name of every line the results flag or involve, in the request's order. A national result names its lines
 * only by rx_id, which a doctor cannot read; the reminder page (GET /ui/reminder) shows these names instead. Nothing
 * else of the request is taken: the name is what core names an item by (hilist_name, else hosplist_name), so the
 * page says what the results' own texts say (【…】); a line with neither stays known by its rx_id. A patient's name
 * that a HIS put into an item name is masked, as in a gateway's texts. Undefined when no line is named, at no cost
 * for an answer without results (most of them).
 */
export function lineNamesOf(input: AnalysisInput, results: readonly JudgeResultDto[]): LineNames | undefined {
  const wanted = flaggedRxIds(results);
  if (wanted.size === 0) return undefined;
  const names: [string, string][] = [];
  for (const patient of input.data.patient_dtos) {
    for (const encounter of patient.fsi_encounter_dtos) {
      for (const order of encounter.fsi_order_dtos) {
        // A repeated rx_id (the spec says it must not be) keeps its first line's name.
        if (!wanted.delete(order.rx_id)) continue;
        const name = (order.hilist_name || order.hosplist_name || '').trim();
        if (name !== '') names.push([order.rx_id, name]);
        if (wanted.size === 0) break;
      }
    }
  }
  if (names.length === 0) return undefined;
  const patients = patientNamesOf(input);
  const byRxId: Record<string, string> = {};
  // ID numbers masked as in the result bodies (a HIS that puts one in hilist_name).
  for (const [rxId, name] of names)
    byRxId[rxId] = maskIdNumbers(patients.length === 0 ? name : maskPatientNames(name, patients));
  return JSON.stringify(byRxId);
}
