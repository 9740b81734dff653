import type { CodeLookup, IndexValue } from './code-index';
import type { CodeTable } from './code-table';
import type { PointEntry } from './compile';

/**
 * A CodeTable read as the evaluator's code index, turning a code's points into PointEntry objects the first time a
 * request names the code. Activating a library then costs the main thread nothing per point: a 200,000-point
 * library arrives as a few typed arrays, and only the points prescriptions actually reach are ever decoded (a
 * workstation meets a few thousand codes, not 400,000).
 */
export class LazyCodeIndex implements CodeLookup {
  /** Per code number: 0 until first met, then 1 + its place in the two lists below. */
  private readonly seen: Int32Array;
  private readonly seenCodes: string[] = [];
  private readonly seenValues: IndexValue[] = [];
  /** Per point number: 0 until decoded, then 1 + its place in `entries`. */
  private readonly decoded: Int32Array;
  private readonly entries: PointEntry[] = [];
  private readonly mask: number;

  constructor(
    private readonly table: CodeTable,
    pointCount: number,
    private readonly entryOf: (point: number) => PointEntry,
  ) {
    this.seen = new Int32Array(table.codeStart.length - 1);
    this.decoded = new Int32Array(pointCount);
    this.mask = (table.slots.length >> 1) - 1;
  }

  get size(): number {
    return this.table.codeStart.length - 1;
  }

  getHashed(code: string, hash: number): IndexValue | undefined {
    const slots = this.table.slots;
    const mask = this.mask;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const e = slots[2 * i]!;
      if (e === 0) return undefined;
      if (slots[2 * i + 1] !== hash) continue;
      const seen = this.seen[e - 1]!;
      if (seen !== 0) {
        if (this.seenCodes[seen - 1] === code) return this.seenValues[seen - 1];
      } else if (this.sameCode(e - 1, code)) return this.firstMeeting(e - 1, code);
    }
  }

  codesStartingWith(prefix: string): string[] {
    const { codeChars, codeStart } = this.table;
    const found: string[] = [];
    for (let n = 0; n < codeStart.length - 1; n++) {
      const start = codeStart[n]!;
      const end = codeStart[n + 1]!;
      if (end - start < prefix.length) continue;
      let i = 0;
      while (i < prefix.length && codeChars[start + i] === prefix.charCodeAt(i)) i++;
      if (i === prefix.length) found.push(String.fromCharCode(...codeChars.subarray(start, end)));
    }
    return found;
  }

  private sameCode(n: number, code: string): boolean {
    const { codeChars, codeStart } = this.table;
    const start = codeStart[n]!;
    if (codeStart[n + 1]! - start !== code.length) return false;
    for (let i = 0; i < code.length; i++) if (codeChars[start + i] !== code.charCodeAt(i)) return false;
    return true;
  }

  private firstMeeting(n: number, code: string): IndexValue {
    const { pointRefs, refStart } = this.table;
    const from = refStart[n]!;
    const to = refStart[n + 1]!;
    const value: IndexValue = to - from === 1 ? this.point(pointRefs[from]!) : [];
    if (Array.isArray(value)) for (let r = from; r < to; r++) value.push(this.point(pointRefs[r]!));
    this.seenCodes.push(code);
    this.seenValues.push(value);
    this.seen[n] = this.seenCodes.length;
    return value;
  }

  /** One PointEntry per point, shared by all its codes, as in the eagerly compiled index. */
  private point(p: number): PointEntry {
    const d = this.decoded[p]!;
    if (d !== 0) return this.entries[d - 1]!;
    const entry = this.entryOf(p);
    this.entries.push(entry);
    this.decoded[p] = this.entries.length;
    return entry;
  }
}
