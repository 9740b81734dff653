import { PATIENT_NAME_CENSOR } from './upstream/patient-names';

/**
 * A patient name as a 3101/3102 task row keeps it: its length and its keyed digest (PatientPseudonymizer.nameKey),
 * never the name. Length in UTF-16 code units, the unit maskPatientNames matches names in, so that a reason is
 * searched for exactly the substrings maskPatientNames would have replaced.
 */
export type NameDigest = readonly [length: number, digest: string];

/** The digests of a request's patient names (patientNamesOf: trimmed, 2 characters or more). */
export function nameDigestsOf(names: readonly string[], nameKey: (name: string) => string): NameDigest[] {
  return names.map((name) => [name.length, nameKey(name)]);
}

/** The task row's name_digests column read back: a JSON array of NameDigest; anything else holds none. */
export function parseNameDigests(json: string | null): NameDigest[] {
  if (json === null) return [];
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(value)) return [];
  return value.filter(
    (d: unknown): d is NameDigest =>
      Array.isArray(d) && d.length === 2 && Number.isInteger(d[0]) && (d[0] as number) >= 2 && typeof d[1] === 'string',
  );
}

/**
 * `text` with every substring whose digest is among `digests` replaced by maskPatientNames' mask. The name itself is
 * not known here (only its digest is stored), so every substring of each recorded length is keyed and compared:
 * about one HMAC per character of the text per distinct length. Longer names are masked first, so a recorded 张三
 * cannot leave the 丰 of a recorded 张三丰 behind; masked spans do not overlap.
 */
export function maskDigestedNames(
  text: string,
  digests: readonly NameDigest[],
  nameKey: (name: string) => string,
): string {
  if (digests.length === 0 || text.length < 2) return text;
  const byLength = new Map<number, Set<string>>();
  for (const [length, digest] of digests) {
    const set = byLength.get(length);
    if (set === undefined) byLength.set(length, new Set([digest]));
    else set.add(digest);
  }
  const taken = new Uint8Array(text.length);
  const spans: [start: number, end: number][] = [];
  for (const length of [...byLength.keys()].sort((a, b) => b - a)) {
    const wanted = byLength.get(length)!;
    for (let start = 0; start + length <= text.length; start++) {
      if (taken.subarray(start, start + length).includes(1)) continue;
      if (!wanted.has(nameKey(text.slice(start, start + length)))) continue;
      taken.fill(1, start, start + length);
      spans.push([start, start + length]);
      start += length - 1;
    }
  }
  if (spans.length === 0) return text;
  spans.sort((a, b) => a[0] - b[0]);
  let masked = '';
  let from = 0;
  for (const [start, end] of spans) {
    masked += text.slice(from, start) + PATIENT_NAME_CENSOR;
    from = end;
  }
  return masked + text.slice(from);
}
