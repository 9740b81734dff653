import type { PointEntry } from './compile';

export type IndexValue = PointEntry | PointEntry[];

/** What the evaluator asks of a code index, eager (CodeIndex) or decoding on first use (LazyCodeIndex). */
export interface CodeLookup {
  readonly size: number;
  /** The points naming `code`, whose hash (codeHashOf) the caller computed once. */
  getHashed(code: string, hash: number): IndexValue | undefined;
  /** Every code that starts with `prefix`, in no particular order. Scans all codes: for once-per-library facts. */
  codesStartingWith(prefix: string): string[];
}

/**
 * The index's hash, also kept on each order line (Line.codeHash): the code's length and its last 16 characters.
 * Reading a character costs ~2 ns here and this runs for every line of every request, so the hash reads what tells
 * codes apart: national codes share their leading kind/class characters and differ towards the end (of the 19,736
 * codes the national points name, 15 pairs share their last 16 characters and length, none more than two). A shared
 * hash costs one more probe, never a wrong answer: codes are always compared exactly. Two independent lanes of two
 * characters (all 16 bits of each) per multiply halve the dependent multiply chain, and a murmur finaliser brings the
 * high bits into the low bits the table masks with. The table is rebuilt whenever a library is compiled, so the hash
 * is never stored.
 */
export function codeHashOf(code: string): number {
  const n = code.length;
  let a = 0x811c9dc5 ^ n;
  let b = 0x2545f491;
  let i = n > 16 ? n - 16 : 0;
  for (; i + 3 < n; i += 4) {
    a = Math.imul(a ^ (code.charCodeAt(i) | (code.charCodeAt(i + 1) << 16)), 0x01000193);
    b = Math.imul(b ^ (code.charCodeAt(i + 2) | (code.charCodeAt(i + 3) << 16)), 0x01000193);
  }
  for (; i < n; i++) a = Math.imul(a ^ code.charCodeAt(i), 0x01000193);
  let h = a ^ Math.imul(b, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/**
 * National code → knowledge points, as an open-addressing table over typed arrays. A Map keyed by the codes costs
 * ~300 ns per lookup for the fresh strings of each parsed request (the engine hashes and compares them through
 * runtime calls); hashing the 9–27 characters here and comparing with === costs a fraction of that, and the table
 * takes no more memory than the Map did.
 */
export class CodeIndex implements CodeLookup {
  private mask: number;
  /**
   * Two ints per slot: entry number + 1 (0 = empty) and the code's hash, side by side so a probe reads one cache
   * line; most codes of a request are in no knowledge point and are answered by that one read.
   */
  private slots: Int32Array;
  private codes: string[] = [];
  private values: IndexValue[] = [];

  constructor(expected = 1024) {
    let capacity = 1024;
    while (capacity < expected * 2) capacity *= 2;
    this.mask = capacity - 1;
    this.slots = new Int32Array(capacity * 2);
  }

  get size(): number {
    return this.codes.length;
  }

  get(code: string): IndexValue | undefined {
    return this.getHashed(code, codeHashOf(code));
  }

  codesStartingWith(prefix: string): string[] {
    return this.codes.filter((code) => code.startsWith(prefix));
  }

  /** get() with the code's hash already computed (codeHashOf). */
  getHashed(code: string, h: number): IndexValue | undefined {
    const slots = this.slots;
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const e = slots[2 * i]!;
      if (e === 0) return undefined;
      if (slots[2 * i + 1] === h && this.codes[e - 1] === code) return this.values[e - 1];
    }
  }

  set(code: string, value: IndexValue): void {
    if ((this.codes.length + 1) * 2 > this.mask + 1) this.grow();
    const h = codeHashOf(code);
    const slots = this.slots;
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const e = slots[2 * i]!;
      if (e === 0) {
        this.codes.push(code);
        this.values.push(value);
        slots[2 * i] = this.codes.length;
        slots[2 * i + 1] = h;
        return;
      }
      if (slots[2 * i + 1] === h && this.codes[e - 1] === code) {
        this.values[e - 1] = value;
        return;
      }
    }
  }

  /** Keeps the load at most one half: doubles the slots and re-places every entry. */
  private grow(): void {
    const old = this.slots;
    const capacity = (this.mask + 1) * 2;
    const slots = new Int32Array(capacity * 2);
    const mask = capacity - 1;
    for (let j = 0; j < old.length; j += 2) {
      const e = old[j]!;
      if (e === 0) continue;
      const h = old[j + 1]!;
      let i = h & mask;
      while (slots[2 * i] !== 0) i = (i + 1) & mask;
      slots[2 * i] = e;
      slots[2 * i + 1] = h;
    }
    this.slots = slots;
    this.mask = mask;
  }
}
