import type { PointEntry } from './compile';

export type IndexValue = PointEntry | PointEntry[];

/**
 * The index's hash, also kept on each order line (Line.codeHash). FNV-1a one character per step is bound by the
 * latency of its multiply chain (23 dependent steps for a 西药 code, ~1.4 µs over a 50-line request); here two
 * independent lanes each take two characters (all 16 bits of each) per multiply, and a murmur finaliser brings the
 * high bits down into the low bits the table masks with. Any well-spread hash will do: codes are always compared
 * exactly, and the table is rebuilt from the codes whenever a library is compiled.
 */
export function codeHashOf(code: string): number {
  const n = code.length;
  let a = 0x811c9dc5 ^ n;
  let b = 0x2545f491;
  let i = 0;
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
export class CodeIndex {
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
