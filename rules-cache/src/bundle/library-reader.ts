import { createHash, type Hash } from 'node:crypto';
import type { KnowledgePoint, LibraryData, LibraryMeta, Rule } from '@prealert/core';
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

  constructor(
    private readonly file: string,
    private readonly maxBytes = Number.POSITIVE_INFINITY,
  ) {
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
      this.rulesHash.update(bytes).update('\n');
    } else {
      this.points.push(record.point);
      this.pointsHash.update(bytes).update('\n');
    }
  }

  end(): LibraryReadResult {
    this.splitter.end();
    if (!this.meta) throw new BundleError('is empty', 'truncated', this.file);
    return {
      data: { meta: this.meta, rules: this.rules, knowledgePoints: this.points },
      sha256: this.hash.digest('hex'),
      size: this.size,
      rules: this.rules.length,
      knowledgePoints: this.points.length,
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
