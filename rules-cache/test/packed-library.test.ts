import { compileLibrary, type LibraryData, libraryCoverage } from '@prealert/core';
import { describe, expect, it } from 'vitest';
import {
  BundleError,
  LibraryReader,
  libraryLines,
  libraryText,
  loadNationalLibrary,
  packedLibraryBuffers,
  unpackLibrary,
} from '../src/index';

const national = loadNationalLibrary();

function readPacked(data: LibraryData, chunk = 65536) {
  const bytes = Buffer.from(libraryText(libraryLines(data)));
  const reader = new LibraryReader('library.ndjson', bytes.length, { packed: true });
  for (let offset = 0; offset < bytes.length; offset += chunk) reader.write(bytes.subarray(offset, offset + chunk));
  return reader.endPacked();
}

/** compileLibrary over the same file read into objects: a library file holds its points sorted by id. */
function compiledFromFile(data: LibraryData) {
  const bytes = Buffer.from(libraryText(libraryLines(data)));
  const reader = new LibraryReader('library.ndjson', bytes.length);
  reader.write(bytes);
  return compileLibrary(reader.end().data);
}

describe('a packed library', () => {
  it('finds, for every national code, the same points in the same order as compileLibrary', () => {
    const { packed, knowledgePoints } = readPacked(national, 1000);
    const lazy = unpackLibrary(packed);
    const whole = compiledFromFile(national);
    expect(knowledgePoints).toBe(national.knowledgePoints.length);
    expect(lazy.knowledgePointCount).toBe(whole.knowledgePointCount);
    expect(lazy.codeCount).toBe(whole.codeCount);
    expect(lazy.ruleLevel).toEqual(whole.ruleLevel);
    // What /v1/status says the points can check, counted as they were read: no point is decoded for it.
    expect(lazy.coverage).toEqual(libraryCoverage(national.knowledgePoints));
    expect(whole.coverage).toEqual(lazy.coverage);
    const codes = new Set(national.knowledgePoints.flatMap((kp) => kp.codes));
    let shared = 0;
    for (const code of codes) {
      const expected = whole.lookup(code);
      if (Array.isArray(expected)) shared++;
      expect(lazy.lookup(code), code).toEqual(expected);
      // The second lookup answers from what the first decoded: the very same entries.
      expect(lazy.lookup(code)).toBe(lazy.lookup(code));
    }
    expect(shared).toBeGreaterThan(10);
    expect(lazy.lookup('XNOT0000000000000000000')).toBeUndefined();
    expect(lazy.lookup('')).toBeUndefined();
  });

  it('shares one entry between the codes of a point and names a code repeated by one point once', () => {
    const [first, second] = national.knowledgePoints.filter((kp) => kp.codes.length >= 2);
    const data: LibraryData = {
      ...national,
      knowledgePoints: [
        { ...first!, codes: [first!.codes[0]!, first!.codes[1]!, first!.codes[0]!] },
        { ...second!, codes: [first!.codes[1]!] },
      ],
    };
    const lazy = unpackLibrary(readPacked(data).packed);
    const a = lazy.lookup(first!.codes[0]!);
    const b = lazy.lookup(first!.codes[1]!);
    expect(Array.isArray(a)).toBe(false);
    expect(a).toEqual(compiledFromFile(data).lookup(first!.codes[0]!));
    expect(b).toEqual(compiledFromFile(data).lookup(first!.codes[1]!));
    expect(Array.isArray(b) && b.find((e) => e.kp.id === first!.id)).toBe(a);
  });

  it('refuses a point whose rule the library does not have, naming its line, as compiling would', () => {
    const point = { ...national.knowledgePoints[0]!, ruleId: 'NO-SUCH-RULE' };
    const data: LibraryData = { ...national, knowledgePoints: [point] };
    expect(() => compileLibrary(data)).toThrow(/unknown rule NO-SUCH-RULE/);
    let error: unknown;
    try {
      readPacked(data);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BundleError);
    expect((error as BundleError).code).toBe('bad_content');
    expect((error as Error).message).toMatch(/library\.ndjson:\d+: knowledge point .* names unknown rule NO-SUCH-RULE/);
  });

  it('travels as transferable buffers only: a structured clone with them transferred evaluates the same', () => {
    const { packed } = readPacked(national);
    const moved = structuredClone(packed, { transfer: packedLibraryBuffers(packed) });
    expect(packed.pointBytes.byteLength).toBe(0);
    const code = national.knowledgePoints[5]!.codes[0]!;
    expect(unpackLibrary(moved).lookup(code)).toEqual(compiledFromFile(national).lookup(code));
  });
});
