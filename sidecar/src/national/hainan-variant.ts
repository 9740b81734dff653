/**
 * Hainan's 3660 事前提醒 / 3661 事中预警 (3101-3103.md §5.2, one source: S-01, POWERSI's HIS), read as the 3101 /
 * 3102 they stand for. Translated here, at the national boundary, into the standard input before validation, so
 * the evaluator, the records and the answer know only the national shape; the answer is the standard one (no source
 * defines another). What is renamed, and nothing else (every other field is read under its national name):
 *  - the input node `trigScen` → `data` (`data` is taken too);
 *  - `patientDtos` → `patient_dtos`, and in each patient `encounterDtos` → `fsi_encounter_dtos`, `psn_no` →
 *    `patn_id`, `psn_name` → `patn_name`, `insuplc_admdvs` → `poolarea` (统筹区: vendors fill it with 参保地);
 *  - in each encounter `diagnoseDtos` → `fsi_diagnose_dtos`, `orderDtos` → `fsi_order_dtos`, and
 *    `operationDtos` → `fsi_operation_dtos` (not in the source: by analogy, so operations are not silently lost).
 * Where a node carries both names, the national one is read (what a 3101 would have been evaluated on) and the
 * Hainan one left as an unknown field: a patient may well have a HIS id in patn_id and a 医保 psn_no, and refusing
 * such a call would leave the doctor without reminders. Field errors name the path as the client sent it: the
 * Hainan name, unless the client used the national one.
 */

const HAINAN_INFNOS: ReadonlyMap<string, '3101' | '3102'> = new Map([
  ['3660', '3101'],
  ['3661', '3102'],
]);

/** [Hainan name, national name] per level of the input: 1 the input node, 2 data, 3 a patient, 4 an encounter. */
const RENAMES: readonly (readonly [level: number, hainan: string, national: string])[] = [
  [1, 'trigScen', 'data'],
  [2, 'patientDtos', 'patient_dtos'],
  [3, 'encounterDtos', 'fsi_encounter_dtos'],
  [3, 'psn_no', 'patn_id'],
  [3, 'psn_name', 'patn_name'],
  [3, 'insuplc_admdvs', 'poolarea'],
  [4, 'diagnoseDtos', 'fsi_diagnose_dtos'],
  [4, 'orderDtos', 'fsi_order_dtos'],
  [4, 'operationDtos', 'fsi_operation_dtos'],
];

export interface HainanTranslation {
  infno: '3101' | '3102';
  /** The standard `input`: fresh objects down to the encounters, the rest shared with the request's. */
  input: unknown;
  /** A field error's path (input.data.patient_dtos[0]…) as the client wrote it. */
  pathAsSent: (path: string) => string;
}

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The request's input read as the 3101/3102 its infno stands for; undefined for an infno that is not Hainan's. */
export function fromHainan(infno: string, input: unknown): HainanTranslation | undefined {
  const national = HAINAN_INFNOS.get(infno);
  if (national === undefined) return undefined;
  // National names the client used anywhere: its paths are then reported under those.
  const nationalUsed = new Set<string>();

  const renamed = (node: JsonObject, level: number): JsonObject => {
    const out: JsonObject = { ...node };
    for (const [renameLevel, hainan, standard] of RENAMES) {
      if (renameLevel !== level) continue;
      if (Object.hasOwn(node, standard)) nationalUsed.add(`${level}:${standard}`);
      else if (Object.hasOwn(node, hainan)) {
        out[standard] = node[hainan];
        delete out[hainan];
      }
    }
    return out;
  };
  // S-01 sends single objects where the spec says 集合: translated as they are, the validator takes them as lists.
  const each = (value: unknown, map: (node: JsonObject) => JsonObject): unknown => {
    if (Array.isArray(value)) return value.map((item) => (isObject(item) ? map(item) : item));
    return isObject(value) ? map(value) : value;
  };

  if (!isObject(input)) return { infno: national, input, pathAsSent: (path) => path };
  const top = renamed(input, 1);
  if (isObject(top.data)) {
    const data = renamed(top.data, 2);
    data.patient_dtos = each(data.patient_dtos, (patient) => {
      const out = renamed(patient, 3);
      out.fsi_encounter_dtos = each(out.fsi_encounter_dtos, (encounter) => renamed(encounter, 4));
      return out;
    });
    top.data = data;
  }
  return { infno: national, input: top, pathAsSent: (path) => pathAsSent(path, nationalUsed) };
}

/** `input.data.patient_dtos[0].fsi_encounter_dtos[1].cnt` → `input.trigScen.patientDtos[0].encounterDtos[1].cnt`. */
function pathAsSent(path: string, nationalUsed: ReadonlySet<string>): string {
  return path
    .split('.')
    .map((segment, level) => {
      const at = segment.indexOf('[');
      const name = at < 0 ? segment : segment.slice(0, at);
      const rename = RENAMES.find(([l, , standard]) => l === level && standard === name);
      if (!rename || nationalUsed.has(`${level}:${name}`)) return segment;
      return rename[1] + segment.slice(name.length);
    })
    .join('.');
}
