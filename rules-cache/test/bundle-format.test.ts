import { createHash } from 'node:crypto';
import {
  BundleError,
  canonicalJson,
  LibraryReader,
  libraryLines,
  libraryText,
  loadNationalLibrary,
  scanKey,
} from '@prealert/rules-cache';
import { beforeAll, describe, expect, it } from 'vitest';

const national = loadNationalLibrary();
let lines: string[];
let bytes: Buffer;

beforeAll(() => {
  lines = libraryLines(national);
  bytes = Buffer.from(libraryText(lines), 'utf8');
});

function readAll(chunks: Uint8Array[]) {
  const reader = new LibraryReader('library.ndjson');
  for (const chunk of chunks) reader.write(chunk);
  return reader.end();
}

function errorOf(fn: () => unknown): BundleError {
  try {
    fn();
  } catch (error) {
    if (error instanceof BundleError) return error;
    throw error;
  }
  throw new Error('expected a BundleError');
}

describe('canonical JSON', () => {
  it('gives the same bytes whatever the key order, and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 'x'], c: null }, e: undefined })).toBe(
      '{"a":{"c":null,"d":[1,"x"]},"b":1}',
    );
    expect(canonicalJson({ a: { c: null, d: [1, 'x'] }, b: 1 })).toBe(
      canonicalJson({ b: 1, a: { d: [1, 'x'], c: null } }),
    );
  });

  it('refuses values JSON cannot carry, naming where', () => {
    expect(() => canonicalJson({ a: [1, Number.NaN] })).toThrow('$.a[1]');
  });
});

describe('library file', () => {
  it('is a header then the rules then the points, each sorted by id', () => {
    expect(lines[0]).toMatch(/^\{"format":"prealert-library\/1","meta":\{/);
    expect(lines.length).toBe(1 + national.rules.length + national.knowledgePoints.length);
    const keys = lines.slice(1).map((l) => scanKey(l)!);
    expect(keys.every(Boolean)).toBe(true);
    for (let i = 1; i < keys.length; i++) {
      const [a, b] = [keys[i - 1]!, keys[i]!];
      expect(a.section < b.section || (a.section === b.section && a.id < b.id)).toBe(true);
    }
  });

  it('reads back to the same library, and hashes the same however the bytes are chunked', () => {
    const whole = readAll([bytes]);
    expect(whole.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(whole.rules).toBe(national.rules.length);
    expect(whole.knowledgePoints).toBe(national.knowledgePoints.length);
    expect(whole.data.meta).toEqual(national.meta);
    const byId = new Map(national.knowledgePoints.map((kp) => [kp.id, kp]));
    for (const kp of whole.data.knowledgePoints) expect(kp).toEqual(byId.get(kp.id));

    // Odd chunk sizes cut lines and multi-byte characters (the data is full of Chinese) anywhere.
    const chunks: Uint8Array[] = [];
    for (let at = 0, size = 1; at < bytes.length; at += size, size = ((size * 7 + 3) % 9001) + 1) {
      chunks.push(bytes.subarray(at, at + size));
    }
    const chunked = readAll(chunks);
    expect(chunked.sha256).toBe(whole.sha256);
    expect(chunked.knowledgePointsSha256).toBe(whole.knowledgePointsSha256);
    expect(chunked.data.knowledgePoints.length).toBe(whole.data.knowledgePoints.length);
  });

  it('recognises a cut-off file', () => {
    const error = errorOf(() => readAll([bytes.subarray(0, bytes.length - 100)]));
    expect(error.code).toBe('truncated');
    expect(error.message).toMatch(/cut off/);
  });

  it('names the line of a record out of order, and of a malformed record', () => {
    const swapped = [...lines];
    [swapped[5], swapped[6]] = [swapped[6]!, swapped[5]!];
    const order = errorOf(() => readAll([Buffer.from(libraryText(swapped))]));
    expect(order.code).toBe('bad_content');
    expect(order.message).toContain('library.ndjson:7');

    const broken = [...lines];
    const point = JSON.parse(broken[100]!) as { id: string; kp: { codes: unknown } };
    point.kp.codes = [];
    broken[100] = canonicalJson(point);
    const bad = errorOf(() => readAll([Buffer.from(libraryText(broken))]));
    expect(bad.message).toContain('library.ndjson:101 kp.codes');

    const badSeverity = [...lines];
    const severe = JSON.parse(badSeverity[100]!) as { id: string; kp: { severity?: unknown } };
    severe.kp.severity = 4;
    badSeverity[100] = canonicalJson(severe);
    const wrong = errorOf(() => readAll([Buffer.from(libraryText(badSeverity))]));
    expect(wrong.message).toContain('library.ndjson:101 kp.severity');
  });
});
