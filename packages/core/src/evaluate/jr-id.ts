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

export function stableHash(text: string): string {
  // Three differently seeded FNV-1a lanes in one pass over the text.
  let a = (0x811c9dc5 ^ 0x9e3779b9) >>> 0;
  let b = (0x811c9dc5 ^ 0x7f4a7c15) >>> 0;
  let c = (0x811c9dc5 ^ 0x2545f491) >>> 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    a = Math.imul(a ^ ch, 0x01000193);
    b = Math.imul(b ^ ch, 0x01000193);
    c = Math.imul(c ^ ch, 0x01000193);
  }
  return hex96(fmix(a), fmix(b), fmix(c));
}

export function judgeResultId(parts: {
  libraryVersion: string;
  ruleId: string;
  pointKey: string;
  encounterId: string;
  rxIds: readonly string[];
}): string {
  const rx = [...parts.rxIds].sort().join(',');
  return `JR${stableHash(`${parts.libraryVersion}\u0001${parts.ruleId}\u0001${parts.pointKey}\u0001${parts.encounterId}\u0001${rx}`)}`;
}
