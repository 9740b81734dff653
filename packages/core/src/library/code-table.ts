import { codeHashOf } from './code-index';

/**
 * National code → knowledge-point numbers, as typed arrays only: a worker thread builds it while it reads a library,
 * and hands it to the evaluator's thread by transfer, without copying and without one JS object per code. The
 * open-addressing layout and hash are CodeIndex's, so a lookup costs the same probes.
 */
export interface CodeTable {
  /** Two ints per slot: code number + 1 (0 = empty) and the code's hash (codeHashOf). Capacity is a power of two. */
  slots: Int32Array;
  /** UTF-16 code units of every code back to back: code n is codeChars[codeStart[n] … codeStart[n + 1]). */
  codeChars: Uint16Array;
  codeStart: Int32Array;
  /** Point numbers naming code n, in the order the points were added: pointRefs[refStart[n] … refStart[n + 1]). */
  pointRefs: Int32Array;
  refStart: Int32Array;
}

/** The buffers of a table (ArrayBuffers to transfer, or SharedArrayBuffers to share). */
export function codeTableBuffers(table: CodeTable): ArrayBufferLike[] {
  return [table.slots, table.codeChars, table.codeStart, table.pointRefs, table.refStart].map((a) => a.buffer);
}

/** Collects the codes of points numbered 0, 1, 2, … and packs them into a CodeTable. */
export class CodeTableBuilder {
  private readonly refs = new Map<string, number[]>();
  private points = 0;

  /** Adds the next point's codes; a code named twice by one point refers to it once (as compileLibrary does). */
  add(codes: readonly string[]): void {
    const point = this.points++;
    for (const code of codes) {
      const list = this.refs.get(code);
      if (list === undefined) this.refs.set(code, [point]);
      else if (list[list.length - 1] !== point) list.push(point);
    }
  }

  get pointCount(): number {
    return this.points;
  }

  finish(): CodeTable {
    const codeCount = this.refs.size;
    let chars = 0;
    let refs = 0;
    for (const [code, list] of this.refs) {
      chars += code.length;
      refs += list.length;
    }
    let capacity = 1024;
    while (capacity < codeCount * 2) capacity *= 2;
    const mask = capacity - 1;
    const table: CodeTable = {
      slots: new Int32Array(capacity * 2),
      codeChars: new Uint16Array(chars),
      codeStart: new Int32Array(codeCount + 1),
      pointRefs: new Int32Array(refs),
      refStart: new Int32Array(codeCount + 1),
    };
    let n = 0;
    let c = 0;
    let r = 0;
    for (const [code, list] of this.refs) {
      table.codeStart[n] = c;
      for (let i = 0; i < code.length; i++) table.codeChars[c++] = code.charCodeAt(i);
      table.refStart[n] = r;
      for (const point of list) table.pointRefs[r++] = point;
      const h = codeHashOf(code);
      let i = h & mask;
      while (table.slots[2 * i] !== 0) i = (i + 1) & mask;
      table.slots[2 * i] = n + 1;
      table.slots[2 * i + 1] = h;
      n++;
    }
    table.codeStart[n] = c;
    table.refStart[n] = r;
    return table;
  }
}
