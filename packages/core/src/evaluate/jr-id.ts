/**
 * Deterministic ids for results. A 3103 answer refers to jr_id, and a warning that comes back unchanged after the
 * doctor edits the order must keep its id, so it is a hash of what the warning is about, never of the task.
 * 96 bits from three seeded 32-bit FNV-1a/murmur-finalised lanes: no node:crypto, so core stays portable.
 */
function fmix(h: number): number {
  let x = h;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Char code of a lowercase hex digit. */
function hex(n: number): number {
  return n < 10 ? 48 + n : 87 + n;
}

/**
 * 24 lowercase hex digits of three 32-bit lanes, built with one fromCharCode: the same text as
 * `toString(16).padStart(8, '0')` per lane (jr_ids already stored must not change), without the 6 string allocations.
 */
function hex96(a: number, b: number, c: number): string {
  return String.fromCharCode(
    hex(a >>> 28),
    hex((a >>> 24) & 15),
    hex((a >>> 20) & 15),
    hex((a >>> 16) & 15),
    hex((a >>> 12) & 15),
    hex((a >>> 8) & 15),
    hex((a >>> 4) & 15),
    hex(a & 15),
    hex(b >>> 28),
    hex((b >>> 24) & 15),
    hex((b >>> 20) & 15),
    hex((b >>> 16) & 15),
    hex((b >>> 12) & 15),
    hex((b >>> 8) & 15),
    hex((b >>> 4) & 15),
    hex(b & 15),
    hex(c >>> 28),
    hex((c >>> 24) & 15),
    hex((c >>> 20) & 15),
    hex((c >>> 16) & 15),
    hex((c >>> 12) & 15),
    hex((c >>> 8) & 15),
    hex((c >>> 4) & 15),
    hex(c & 15),
  );
}

/** Three differently seeded FNV-1a lanes, fed part by part (a concatenated text would be built and flattened). */
class Lanes {
  a = (0x811c9dc5 ^ 0x9e3779b9) >>> 0;
  b = (0x811c9dc5 ^ 0x7f4a7c15) >>> 0;
  c = (0x811c9dc5 ^ 0x2545f491) >>> 0;

  reset(): this {
    this.a = (0x811c9dc5 ^ 0x9e3779b9) >>> 0;
    this.b = (0x811c9dc5 ^ 0x7f4a7c15) >>> 0;
    this.c = (0x811c9dc5 ^ 0x2545f491) >>> 0;
    return this;
  }

  char(ch: number): void {
    this.a = Math.imul(this.a ^ ch, 0x01000193);
    this.b = Math.imul(this.b ^ ch, 0x01000193);
    this.c = Math.imul(this.c ^ ch, 0x01000193);
  }

  text(text: string): void {
    let a = this.a;
    let b = this.b;
    let c = this.c;
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      a = Math.imul(a ^ ch, 0x01000193);
      b = Math.imul(b ^ ch, 0x01000193);
      c = Math.imul(c ^ ch, 0x01000193);
    }
    this.a = a;
    this.b = b;
    this.c = c;
  }

  digest(): string {
    return hex96(fmix(this.a), fmix(this.b), fmix(this.c));
  }
}

const lanes = new Lanes();

export function stableHash(text: string): string {
  lanes.reset().text(text);
  return lanes.digest();
}

/** The three lanes after version, rule and point: what every result of one point in one library starts with. */
export interface JudgeResultPrefix {
  a: number;
  b: number;
  c: number;
}

/** The lanes after `version \u0001 rule \u0001 point \u0001`, to be finished per result by judgeResultIdAfter. */
export function judgeResultPrefix(libraryVersion: string, ruleId: string, pointKey: string): JudgeResultPrefix {
  const h = lanes.reset();
  h.text(libraryVersion);
  h.char(1);
  h.text(ruleId);
  h.char(1);
  h.text(pointKey);
  h.char(1);
  return { a: h.a, b: h.b, c: h.c };
}

/**
 * The encounter a result is about, as its id knows it: mdtrt_id within its patient. 3101-3103.md §2.4 lets mdtrt_id be
 * the HIS 就诊号, which many HIS number per patient ("1" is every patient's first visit), so rules.md's "the encounter
 * (mdtrt_id)" is read as patn_id with mdtrt_id: two patients' encounters "1" shared one jr_id, and patient B's
 * warning came back decided with patient A's 继续执行 reason (and was never recorded as B's reminder).
 */
export interface EncounterOfId {
  patientId: string;
  encounterId: string;
  /**
   * Set only for a later admission sent under an mdtrt_id an earlier admission of the patient used (Encounter
   * laterAdmissionDay): its admission day, which an id of the stay hashes (judgeResultIdOfStay) so that the first
   * stay's 继续执行 does not answer the second's question. Absent, every id is what it always was.
   */
  admissionDay?: number | undefined;
}

/** judgeResultId from a prefix (judgeResultPrefix): the same id, hashing only the encounter and the rx_ids. */
export function judgeResultIdAfter(
  prefix: JudgeResultPrefix,
  encounter: EncounterOfId,
  rxIds: readonly string[],
): string {
  return idAfter(prefix, encounter, false, rxIds.length > 1 ? [...rxIds].sort() : rxIds);
}

/**
 * The id of a reminder one answer settles for the whole encounter: the point and the encounter only, not the rx_ids
 * of its lines nor their codes. A point is one item and its codes are the item's packs: an id of the codes flagged
 * changed when a second pack size of the same drug was ordered (阿帕他胺片 …102180 then …178537), and the warning was
 * asked and counted again. A U+0002 after the encounter keeps these ids apart from rx_id-based ones; a later
 * admission under a reused mdtrt_id (admissionDay) adds U+0004 and its day, so it is a stay of its own.
 */
export function judgeResultIdOfStay(prefix: JudgeResultPrefix, encounter: EncounterOfId): string {
  return idAfter(prefix, encounter, true, []);
}

/**
 * The prefix's lanes, then the patient's length, U+0003, the patient, the encounter, U+0001 (and U+0002 for an id of
 * the stay, then U+0004 and the day of a later admission under a reused mdtrt_id), the sorted items by commas. The length, not a separator, keeps patient "1" with encounter "23" apart
 * from patient "12" with encounter "3" whatever characters a HIS puts in its ids.
 */
function idAfter(
  prefix: JudgeResultPrefix,
  encounter: EncounterOfId,
  ofStay: boolean,
  items: readonly string[],
): string {
  const h = lanes;
  h.a = prefix.a;
  h.b = prefix.b;
  h.c = prefix.c;
  h.text(String(encounter.patientId.length));
  h.char(3);
  h.text(encounter.patientId);
  h.text(encounter.encounterId);
  h.char(1);
  if (ofStay) {
    h.char(2);
    if (encounter.admissionDay !== undefined) {
      h.char(4);
      h.text(String(encounter.admissionDay));
    }
  }
  for (let i = 0; i < items.length; i++) {
    if (i > 0) h.char(44);
    h.text(items[i]!);
  }
  return `JR${h.digest()}`;
}

/**
 * `JR` + the hash of version, rule, point, encounter (idAfter: patn_id's length, U+0003, patn_id, mdtrt_id) and the
 * sorted rx_ids, separated by U+0001 (rx_ids by commas): the same id as hashing that text joined, without joining it.
 */
export function judgeResultId(parts: {
  libraryVersion: string;
  ruleId: string;
  pointKey: string;
  patientId: string;
  encounterId: string;
  rxIds: readonly string[];
}): string {
  return judgeResultIdAfter(judgeResultPrefix(parts.libraryVersion, parts.ruleId, parts.pointKey), parts, parts.rxIds);
}
