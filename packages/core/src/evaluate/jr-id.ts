/**
 * Deterministic ids for results. A 3103 answer refers to jr_id, and a warning that comes back unchanged after the
 * doctor edits the order must keep its id, so it is a hash of what the warning is about, never of the task.
 * 96 bits from three seeded 32-bit FNV-1a/murmur-finalised lanes: no node:crypto, so core stays portable.
 */
function fmix(h: number): string {
  let x = h;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return (x >>> 0).toString(16).padStart(8, '0');
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
  return fmix(a) + fmix(b) + fmix(c);
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
