import { createHash, type Hash } from 'node:crypto';
import {
  type CodeTable,
  CodeTableBuilder,
  countCoverage,
  emptyCoverage,
  type KnowledgePoint,
  type LibraryCoverage,
  type LibraryData,
  type LibraryMeta,
  type Rule,
} from '@prealert/core';
import { BundleError } from './bundle-error';
import { compareKeys, parseLibraryLine, type RecordKey, Section } from './library-lines';
import { LineSplitter } from './line-splitter';

/** What a library file's bytes amount to: the figures a signed manifest vouches for. */
export interface LibraryDigest {
  sha256: string;
  size: number;
  rules: number;
  knowledgePoints: number;
  /** Hash of the rule lines alone (规则库) and of the point lines alone (知识库). */
  rulesSha256: string;
  knowledgePointsSha256: string;
}

export interface LibraryReadResult extends LibraryDigest {
  data: LibraryData;
}

/**
 * A library as bytes and typed arrays only, so a worker thread can read it and hand it over by transfer: the
 * rules (a few dozen) as objects, each knowledge point as its line's bytes, and the code table that finds them.
 * unpackLibrary turns it into the evaluator's library without decoding any point.
 */
export interface PackedLibrary {
  meta: LibraryMeta;
  rules: Rule[];
  table: CodeTable;
  /** Point n is the library line pointBytes[pointStart[n] … pointStart[n + 1]) (UTF-8 JSON, no newline). */
  pointBytes: Uint8Array;
  pointStart: Int32Array;
  pointCount: number;
  /** What its points can check, counted while they were read (no point is decoded again for /v1/status). */
  coverage: LibraryCoverage;
}

export interface PackedReadResult extends LibraryDigest {
  packed: PackedLibrary;
}

/** Point lines appended one after another into one growing block (no object per line). */
class ByteBlock {
  private bytes: Uint8Array;
  private used = 0;
  private readonly starts: number[] = [0];

  constructor(
    expected: number,
    private readonly shared: boolean,
  ) {
    this.bytes = this.alloc(Number.isFinite(expected) && expected <= 0x7fffffff ? expected : 1 << 20);
  }

  private alloc(size: number): Uint8Array {
    return this.shared ? new Uint8Array(new SharedArrayBuffer(size)) : new Uint8Array(size);
  }

  append(line: Uint8Array): void {
    // Offsets are Int32: a library's points beyond 2 GiB are refused here rather than misread later.
    if (this.used + line.byteLength > 0x7fffffff) {
      throw new BundleError('holds more than 2 GiB of knowledge points', 'too_large');
    }
    if (this.used + line.byteLength > this.bytes.byteLength) {
      const grown = this.alloc(Math.max(this.bytes.byteLength * 2, this.used + line.byteLength));
      grown.set(this.bytes.subarray(0, this.used));
      this.bytes = grown;
    }
    this.bytes.set(line, this.used);
    this.used += line.byteLength;
    this.starts.push(this.used);
  }

  finish(): { pointBytes: Uint8Array; pointStart: Int32Array } {
    // Keep the one buffer unless most of it is unused (it is sized by the file, which also holds header and rules).
    let pointBytes = this.bytes;
    if (this.used * 4 < this.bytes.byteLength * 3) {
      pointBytes = this.alloc(this.used);
      pointBytes.set(this.bytes.subarray(0, this.used));
    }
    const pointStart = this.shared
      ? new Int32Array(new SharedArrayBuffer(this.starts.length * Int32Array.BYTES_PER_ELEMENT))
      : new Int32Array(this.starts.length);
    pointStart.set(this.starts);
    return { pointBytes: pointBytes.subarray(0, this.used), pointStart };
  }
}

/**
 * Parses a library file as its bytes arrive, hashing them on the way. Each call handles one chunk, so a caller
 * that feeds chunks from a socket or a file stream never holds the event loop for long, however big the library.
 */
export class LibraryReader {
  private readonly hash: Hash = createHash('sha256');
  private readonly rulesHash: Hash = createHash('sha256');
  private readonly pointsHash: Hash = createHash('sha256');
  private readonly splitter: LineSplitter;
  private size = 0;
  private meta: LibraryMeta | undefined;
  private readonly rules: Rule[] = [];
  private readonly points: KnowledgePoint[] = [];
  private last: RecordKey = { section: Section.Header, id: '' };
  /** Packed mode: points kept as bytes plus a code table instead of objects. */
  private readonly packing:
    | { block: ByteBlock; table: CodeTableBuilder; ruleIds: Set<string>; coverage: LibraryCoverage }
    | undefined;
  private readonly shared: boolean;

  constructor(
    private readonly file: string,
    private readonly maxBytes = Number.POSITIVE_INFINITY,
    /**
     * packed: points kept as bytes plus a code table (endPacked) instead of objects. shared: those on
     * SharedArrayBuffers, to be shared with another thread rather than transferred: a transfer adds the library's
     * size to the receiving thread's external memory at once, and V8 answers that with collections on that thread
     * (measured on the sidecar: two scavenges and a mark-compact, ~21 ms, when a 200,000-point library arrived).
     */
    options: { packed?: boolean; shared?: boolean } = {},
  ) {
    this.shared = options.shared === true;
    this.packing = options.packed
      ? {
          block: new ByteBlock(maxBytes, this.shared),
          table: new CodeTableBuilder(),
          ruleIds: new Set(),
          coverage: emptyCoverage(),
        }
      : undefined;
    this.splitter = new LineSplitter(file, (bytes, lineNo) => this.line(bytes, lineNo));
  }

  write(chunk: Uint8Array): void {
    this.size += chunk.byteLength;
    if (this.size > this.maxBytes) {
      throw new BundleError(`is larger than the ${this.maxBytes} bytes expected`, 'hash_mismatch', this.file);
    }
    this.hash.update(chunk);
    this.splitter.write(chunk);
  }

  /** Bytes taken so far. */
  get bytes(): number {
    return this.size;
  }

  private line(bytes: Buffer, lineNo: number): void {
    const where = `${this.file}:${lineNo}`;
    const record = parseLibraryLine(bytes.toString('utf8'), where);
    if (lineNo === 1) {
      if (record.section !== Section.Header)
        throw new BundleError('the first line must be the header', 'bad_content', where);
      this.meta = record.meta;
      return;
    }
    if (record.section === Section.Header) throw new BundleError('a second header', 'bad_content', where);
    if (compareKeys(this.last, record) >= 0) {
      throw new BundleError(`${record.id} is out of order or repeated (lines are sorted by id)`, 'bad_content', where);
    }
    this.last = { section: record.section, id: record.id };
    if (record.section === Section.Rule) {
      this.rules.push(record.rule);
      this.packing?.ruleIds.add(record.rule.id);
      this.rulesHash.update(bytes).update('\n');
    } else {
      const packing = this.packing;
      if (packing) {
        // What compiling would refuse is refused here, where the points are read: decoding later cannot fail.
        if (!packing.ruleIds.has(record.point.ruleId)) {
          throw new BundleError(
            `knowledge point ${record.id} names unknown rule ${record.point.ruleId}`,
            'bad_content',
            where,
          );
        }
        packing.table.add(record.point.codes);
        countCoverage(packing.coverage, record.point);
        packing.block.append(bytes);
      } else this.points.push(record.point);
      this.pointsHash.update(bytes).update('\n');
    }
  }

  end(): LibraryReadResult {
    if (this.packing) throw new Error('LibraryReader: a packed reader ends with endPacked()');
    const digest = this.digest(this.points.length);
    return { ...digest, data: { meta: this.meta!, rules: this.rules, knowledgePoints: this.points } };
  }

  /** The end of a reader made with `packed: true`. */
  endPacked(): PackedReadResult {
    const packing = this.packing;
    if (!packing) throw new Error('LibraryReader: endPacked() needs a reader made with packed: true');
    const digest = this.digest(packing.table.pointCount);
    const { pointBytes, pointStart } = packing.block.finish();
    const packed: PackedLibrary = {
      meta: this.meta!,
      rules: this.rules,
      table: this.shared ? sharedCodeTable(packing.table.finish()) : packing.table.finish(),
      pointBytes,
      pointStart,
      pointCount: packing.table.pointCount,
      coverage: packing.coverage,
    };
    return { ...digest, packed };
  }

  private digest(knowledgePoints: number): LibraryDigest {
    this.splitter.end();
    if (!this.meta) throw new BundleError('is empty', 'truncated', this.file);
    return {
      sha256: this.hash.digest('hex'),
      size: this.size,
      rules: this.rules.length,
      knowledgePoints,
      rulesSha256: this.rulesHash.digest('hex'),
      knowledgePointsSha256: this.pointsHash.digest('hex'),
    };
  }
}

/** Throws when a read file is not the one the manifest describes. */
export function expectDigest(
  file: string,
  actual: { sha256: string; size: number },
  expected: { sha256: string; size: number },
): void {
  if (actual.size !== expected.size) {
    throw new BundleError(
      `is ${actual.size} bytes, the signed manifest says ${expected.size}`,
      actual.size < expected.size ? 'truncated' : 'hash_mismatch',
      file,
    );
  }
  if (actual.sha256 !== expected.sha256) {
    throw new BundleError(
      `sha256 ${actual.sha256} differs from the signed manifest's ${expected.sha256}`,
      'hash_mismatch',
      file,
    );
  }
}

/** A copy of a code table on SharedArrayBuffers (the table is small next to the points' bytes). */
function sharedCodeTable(table: CodeTable): CodeTable {
  const share = <T extends Int32Array | Uint16Array>(a: T, make: (buffer: SharedArrayBuffer) => T): T => {
    const copy = make(new SharedArrayBuffer(a.byteLength));
    copy.set(a);
    return copy;
  };
  return {
    slots: share(table.slots, (b) => new Int32Array(b)),
    codeChars: share(table.codeChars, (b) => new Uint16Array(b)),
    codeStart: share(table.codeStart, (b) => new Int32Array(b)),
    pointRefs: share(table.pointRefs, (b) => new Int32Array(b)),
    refStart: share(table.refStart, (b) => new Int32Array(b)),
  };
}
