import { createHash } from 'node:crypto';
import { BundleError } from './bundle-error';
import { canonicalJson } from './canonical-json';
import { readFileChunks } from './file-chunks';
import { compareKeys, type RecordKey, Section, scanKey } from './library-lines';
import { LineSplitter } from './line-splitter';

/**
 * A delta file: a header naming the exact parent (version and sha256) and the result, the result's library
 * header line, then the changed records in library order: a rule or point line (added or replaced, verbatim) or a
 * delete op. Applying it is a merge of two sorted lists, so it streams, and the result is byte-identical to the
 * full library file, which is what lets the sidecar check it against the signed sha256.
 */
export const DELTA_FORMAT = 'prealert-delta/1';

export interface DeltaHeader {
  format: typeof DELTA_FORMAT;
  from_version: string;
  from_sha256: string;
  to_version: string;
  to_sha256: string;
}

export interface DeltaChanges {
  put_rules: number;
  del_rules: number;
  put_points: number;
  del_points: number;
}

export interface DeltaOp {
  key: RecordKey;
  /** The new line; undefined for a delete. */
  line?: string;
}

export interface ParsedDelta {
  header: DeltaHeader;
  libraryHeader: string;
  ops: DeltaOp[];
  changes: DeltaChanges;
}

const SECTION_NAME: Record<number, 'rule' | 'kp'> = { [Section.Rule]: 'rule', [Section.Point]: 'kp' };

function deleteLine(key: RecordKey): string {
  return canonicalJson({ del: SECTION_NAME[key.section], id: key.id });
}

function keyOf(line: string, where: string): RecordKey {
  const key = scanKey(line);
  if (!key) throw new BundleError('not a canonical rule or kp line', 'bad_content', where);
  return key;
}

/** The delta turning `parent` into `child`; both are canonical library lines (header first, then sorted). */
export function diffLibraries(
  parent: { lines: readonly string[]; version: string; sha256: string },
  child: { lines: readonly string[]; version: string; sha256: string },
): { lines: string[]; changes: DeltaChanges } {
  const header: DeltaHeader = {
    format: DELTA_FORMAT,
    from_version: parent.version,
    from_sha256: parent.sha256,
    to_version: child.version,
    to_sha256: child.sha256,
  };
  const out = [canonicalJson(header), child.lines[0]!];
  const changes: DeltaChanges = { put_rules: 0, del_rules: 0, put_points: 0, del_points: 0 };
  const put = (key: RecordKey, line: string) => {
    out.push(line);
    if (key.section === Section.Rule) changes.put_rules++;
    else changes.put_points++;
  };
  const del = (key: RecordKey) => {
    out.push(deleteLine(key));
    if (key.section === Section.Rule) changes.del_rules++;
    else changes.del_points++;
  };
  let i = 1;
  let j = 1;
  while (i < parent.lines.length || j < child.lines.length) {
    const p = i < parent.lines.length ? keyOf(parent.lines[i]!, `parent:${i + 1}`) : undefined;
    const c = j < child.lines.length ? keyOf(child.lines[j]!, `child:${j + 1}`) : undefined;
    const order = p && c ? compareKeys(p, c) : p ? -1 : 1;
    if (order < 0) {
      del(p!);
      i++;
    } else if (order > 0) {
      put(c!, child.lines[j]!);
      j++;
    } else {
      if (parent.lines[i] !== child.lines[j]) put(c!, child.lines[j]!);
      i++;
      j++;
    }
  }
  return { lines: out, changes };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a delta file as it arrives (hashing it), checking its order; the ops are applied later with `applyDelta`. */
export class DeltaReader {
  private readonly hash = createHash('sha256');
  private readonly splitter: LineSplitter;
  private size = 0;
  private header: DeltaHeader | undefined;
  private libraryHeader: string | undefined;
  private readonly ops: DeltaOp[] = [];
  private readonly changes: DeltaChanges = { put_rules: 0, del_rules: 0, put_points: 0, del_points: 0 };
  private last: RecordKey = { section: Section.Header, id: '' };

  constructor(
    private readonly file: string,
    private readonly maxBytes = Number.POSITIVE_INFINITY,
  ) {
    this.splitter = new LineSplitter(file, (bytes, lineNo) => this.line(bytes.toString('utf8'), lineNo));
  }

  write(chunk: Uint8Array): void {
    this.size += chunk.byteLength;
    if (this.size > this.maxBytes) {
      throw new BundleError(`is larger than the ${this.maxBytes} bytes expected`, 'hash_mismatch', this.file);
    }
    this.hash.update(chunk);
    this.splitter.write(chunk);
  }

  private line(line: string, lineNo: number): void {
    const where = `${this.file}:${lineNo}`;
    if (lineNo === 1) {
      this.header = parseDeltaHeader(line, where);
      return;
    }
    if (lineNo === 2) {
      this.libraryHeader = line;
      return;
    }
    let op: DeltaOp;
    const key = scanKey(line);
    if (key) op = { key, line };
    else {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new BundleError('not JSON', 'bad_content', where);
      }
      if (!isRecord(value) || (value.del !== 'rule' && value.del !== 'kp') || typeof value.id !== 'string') {
        throw new BundleError('neither a rule or kp line nor a delete op', 'bad_content', where);
      }
      op = { key: { section: value.del === 'rule' ? Section.Rule : Section.Point, id: value.id } };
    }
    if (compareKeys(this.last, op.key) >= 0) {
      throw new BundleError(`${op.key.id} is out of order or repeated`, 'bad_content', where);
    }
    this.last = op.key;
    const rule = op.key.section === Section.Rule;
    if (op.line === undefined) this.changes[rule ? 'del_rules' : 'del_points']++;
    else this.changes[rule ? 'put_rules' : 'put_points']++;
    this.ops.push(op);
  }

  end(): ParsedDelta & { sha256: string; size: number } {
    this.splitter.end();
    if (!this.header || this.libraryHeader === undefined)
      throw new BundleError('has no header', 'truncated', this.file);
    return {
      header: this.header,
      libraryHeader: this.libraryHeader,
      ops: this.ops,
      changes: this.changes,
      sha256: this.hash.digest('hex'),
      size: this.size,
    };
  }
}

function parseDeltaHeader(line: string, where: string): DeltaHeader {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new BundleError('the delta header is not JSON', 'bad_content', where);
  }
  if (!isRecord(value) || value.format !== DELTA_FORMAT) {
    throw new BundleError(`the first line must be a ${DELTA_FORMAT} header`, 'bad_content', where);
  }
  for (const field of ['from_version', 'from_sha256', 'to_version', 'to_sha256']) {
    if (typeof value[field] !== 'string') throw new BundleError('must be a string', 'bad_content', `${where} ${field}`);
  }
  return value as unknown as DeltaHeader;
}

/**
 * Merges a delta into the parent's lines (header first, then sorted records), handing each result line to `emit`.
 * `pause` is awaited between lines so the caller can give the event loop back during a large merge.
 */
export async function applyDelta(
  parentLines: readonly string[],
  delta: ParsedDelta,
  emit: (line: string) => void,
  pause: () => Promise<void> | void = () => {},
): Promise<void> {
  emit(delta.libraryHeader);
  const { ops } = delta;
  let i = 1;
  let k = 0;
  while (i < parentLines.length || k < ops.length) {
    await pause();
    const parentLine = parentLines[i];
    const p = parentLine === undefined ? undefined : scanKey(parentLine);
    if (parentLine !== undefined && !p) {
      throw new BundleError('the parent library has a line that is not canonical', 'wrong_parent', `parent:${i + 1}`);
    }
    const op = ops[k];
    const order = p && op ? compareKeys(p, op.key) : p ? -1 : 1;
    if (order < 0) {
      emit(parentLine!);
      i++;
      continue;
    }
    if (order > 0 && op!.line === undefined) {
      throw new BundleError(`deletes ${op!.key.id}, which the parent does not have`, 'wrong_parent');
    }
    if (op!.line !== undefined) emit(op!.line);
    if (order === 0) i++;
    k++;
  }
}

/** Up to where the key of a canonical line is read without decoding the whole line (ids are short). */
const KEY_PREFIX_BYTES = 256;

function keyOfBytes(line: Buffer): RecordKey | undefined {
  if (line.length > KEY_PREFIX_BYTES) {
    const key = scanKey(line.toString('utf8', 0, KEY_PREFIX_BYTES));
    if (key) return key;
  }
  return scanKey(line.toString('utf8'));
}

/**
 * `applyDelta` for a parent that streams in as bytes: fed the parent's lines one at a time (from a LineSplitter
 * over the stored file), it hands the result's lines to `emit` as bytes, newline included. Parent lines are never
 * decoded beyond their key and never held: merging into a 200,000-point library costs one pass over its bytes,
 * with nothing more than the line in hand kept alive.
 */
export class DeltaMerger {
  private k = 0;
  private started = false;
  private readonly newline = Buffer.from('\n');

  constructor(
    private readonly delta: ParsedDelta,
    private readonly emit: (bytes: Buffer) => void,
  ) {}

  private begin(): void {
    if (this.started) return;
    this.started = true;
    this.emitLine(this.delta.libraryHeader);
  }

  private emitLine(line: string): void {
    this.emit(Buffer.from(`${line}\n`, 'utf8'));
  }

  /** Ops before `key` (puts are emitted; a delete of a line the parent does not have is an error). */
  private opsBefore(key: RecordKey | undefined): void {
    const { ops } = this.delta;
    while (this.k < ops.length) {
      const op = ops[this.k]!;
      if (key && compareKeys(op.key, key) >= 0) return;
      if (op.line === undefined) {
        throw new BundleError(`deletes ${op.key.id}, which the parent does not have`, 'wrong_parent');
      }
      this.emitLine(op.line);
      this.k++;
    }
  }

  /** One parent line (without its newline); `lineNo` counts from 1, the parent's header. */
  parentLine(bytes: Buffer, lineNo: number): void {
    this.begin();
    if (lineNo === 1) return;
    const key = keyOfBytes(bytes);
    if (!key) {
      throw new BundleError('the parent library has a line that is not canonical', 'wrong_parent', `parent:${lineNo}`);
    }
    this.opsBefore(key);
    const op = this.delta.ops[this.k];
    if (op && compareKeys(op.key, key) === 0) {
      if (op.line !== undefined) this.emitLine(op.line);
      this.k++;
      return;
    }
    this.emit(bytes);
    this.emit(this.newline);
  }

  /** After the parent's last line: the ops past its end. */
  end(): void {
    this.begin();
    this.opsBefore(undefined);
  }
}

/**
 * A stored parent library file, fed in chunks by whoever reads it, merged with a delta: after each chunk, `take()`
 * gives the new library's bytes so far (or undefined). Nothing of the parent is held beyond the chunk in hand.
 */
export class ParentFileMerge {
  private pending: Buffer[] = [];
  private readonly merger: DeltaMerger;
  private readonly splitter: LineSplitter;

  constructor(parentFile: string, delta: ParsedDelta) {
    this.merger = new DeltaMerger(delta, (bytes) => this.pending.push(bytes));
    this.splitter = new LineSplitter(parentFile, (bytes, lineNo) => this.merger.parentLine(bytes, lineNo));
  }

  write(chunk: Uint8Array): void {
    this.splitter.write(chunk);
  }

  /** After the parent's last chunk: the ops past its end (then `take()` the rest). */
  end(): void {
    this.splitter.end();
    this.merger.end();
  }

  take(): Buffer | undefined {
    if (this.pending.length === 0) return undefined;
    const bytes = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = [];
    return bytes;
  }
}

/**
 * Streams a stored parent library file through a delta: `out` receives the new library's bytes a block at a time
 * (one block per piece of the parent read), and `pause` runs between pieces (see Slicer).
 */
export async function mergeDeltaFile(
  parentFile: string,
  delta: ParsedDelta,
  out: (bytes: Buffer) => Promise<void> | void,
  pause: () => Promise<void> | undefined = () => undefined,
  sizes: { readBytes?: number; pieceBytes?: number } = {},
): Promise<void> {
  const merge = new ParentFileMerge(parentFile, delta);
  const flush = async () => {
    const bytes = merge.take();
    if (bytes) await out(bytes);
  };
  await readFileChunks(
    parentFile,
    (chunk) => merge.write(chunk),
    async () => {
      await flush();
      await pause();
    },
    sizes,
  );
  merge.end();
  await flush();
}
