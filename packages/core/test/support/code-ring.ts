import { createHash } from 'node:crypto';

/** A seeded generator (mulberry32): the pinned tests' requests must be the same on every run and machine. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Codes placed on a ring by their hash: a pick takes the first code at or after a random point of the ring. A point
 * added to or removed from the library then changes only the picks that land on its own codes, where picking by
 * position in a list (floor(random × length)) moved nearly every pick of every request whenever the list's length
 * changed, so the pinned figures said nothing about what a library change did.
 */
export class CodeRing {
  private readonly hashes: number[];
  private readonly codes: string[];

  constructor(codes: Iterable<string>) {
    const placed = [...new Set(codes)].map((code) => [stableHash32(code), code] as const);
    placed.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1));
    this.hashes = placed.map(([h]) => h);
    this.codes = placed.map(([, c]) => c);
  }

  pick(random: () => number): string {
    const at = random() * 4294967296;
    let lo = 0;
    let hi = this.hashes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.hashes[mid]! < at) lo = mid + 1;
      else hi = mid;
    }
    return this.codes[lo === this.codes.length ? 0 : lo]!;
  }
}

function stableHash32(text: string): number {
  return Number.parseInt(createHash('sha256').update(text).digest('hex').slice(0, 8), 16);
}
