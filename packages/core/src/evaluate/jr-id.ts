/**
 * Deterministic ids for results. A 3103 answer refers to jr_id, and a warning that comes back unchanged after the
 * doctor edits the order must keep its id, so it is a hash of what the warning is about, never of the task.
 * 96 bits from three seeded 32-bit FNV-1a/murmur-finalised lanes: no node:crypto, so core stays portable.
 */
function lane(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function stableHash(text: string): string {
  return (
    lane(text, 0x9e3779b9).toString(16).padStart(8, '0') +
    lane(text, 0x7f4a7c15).toString(16).padStart(8, '0') +
    lane(text, 0x2545f491).toString(16).padStart(8, '0')
  );
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
