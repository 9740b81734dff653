/**
 * The library image (src/bundle/library-image.ts) of the real national library, written to a real file and read
 * back: it evaluates as the library file does, and anything but a whole image written with the same key, of the
 * expected library and of this format, is refused with the reason a start logs.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  LIBRARY_IMAGE_FORMAT,
  type LibraryImageProblem,
  LibraryImageReader,
  LibraryReader,
  libraryImage,
  libraryLines,
  libraryText,
  loadNationalLibrary,
  type PackedReadResult,
  unpackLibrary,
} from '../src/index';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-image-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const key = randomBytes(32);
const libraryBytes = Buffer.from(libraryText(libraryLines(loadNationalLibrary())));

function readLibrary(shared = false): PackedReadResult {
  const reader = new LibraryReader('library.ndjson', libraryBytes.length, { packed: true, shared });
  reader.write(libraryBytes);
  return reader.endPacked();
}

const read = readLibrary();

function writeImage(name: string, from = read, withKey: Uint8Array = key): string {
  const file = path.join(dir, name);
  const image = libraryImage(from, withKey);
  const pieces = [...image.pieces()];
  fs.writeFileSync(file, Buffer.concat(pieces));
  expect(fs.statSync(file).size).toBe(image.size);
  return file;
}

/** Reads an image file in pieces of `chunk` bytes, as a caller feeding it block by block does. */
function readImage(file: string, sha256 = read.sha256, withKey: Uint8Array = key, chunk = 7777): PackedReadResult {
  const bytes = fs.readFileSync(file);
  const reader = new LibraryImageReader(file, bytes.length, withKey, sha256);
  for (let offset = 0; offset < bytes.length; offset += chunk) reader.write(bytes.subarray(offset, offset + chunk));
  return reader.end();
}

function problemOf(action: () => unknown): LibraryImageProblem | undefined {
  try {
    action();
  } catch (error) {
    return (error as { problem?: LibraryImageProblem }).problem;
  }
  return undefined;
}

describe('a library image', () => {
  it('reads back as the library file it was made from: same digest, same points for every code', () => {
    const file = writeImage('national.image');
    const back = readImage(file);
    const { packed, ...digest } = back;
    const { packed: original, ...originalDigest } = read;
    expect(digest).toEqual(originalDigest);
    expect(packed.meta).toEqual(original.meta);
    expect(packed.rules).toEqual(original.rules);
    expect(packed.pointCount).toBe(original.pointCount);
    expect(packed.pointCount).toBe(loadNationalLibrary().knowledgePoints.length);
    // /v1/status reports what the points can check from these figures: a start from the image must report the same.
    expect(packed.coverage).toEqual(original.coverage);
    expect(packed.coverage.indicationTextOnly).toBeGreaterThan(0);
    const fromImage = unpackLibrary(packed);
    const fromFile = unpackLibrary(original);
    expect(fromImage.codeCount).toBe(fromFile.codeCount);
    for (const code of new Set(loadNationalLibrary().knowledgePoints.flatMap((kp) => kp.codes))) {
      expect(fromImage.lookup(code), code).toEqual(fromFile.lookup(code));
    }
  });

  it('is written from shared arrays as from plain ones, and read onto a SharedArrayBuffer when asked', () => {
    const file = writeImage('shared.image', readLibrary(true));
    expect(fs.readFileSync(file).equals(fs.readFileSync(writeImage('plain.image')))).toBe(true);
    const bytes = fs.readFileSync(file);
    const reader = new LibraryImageReader(file, bytes.length, key, read.sha256, { shared: true });
    reader.write(bytes);
    const back = reader.end();
    expect(back.packed.pointBytes.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(back.packed.table.slots.buffer).toBe(back.packed.pointBytes.buffer);
  });

  it('is refused when written with another key: another installation, or a file made to look like one', () => {
    const file = writeImage('foreign.image', read, randomBytes(32));
    expect(problemOf(() => readImage(file))).toBe('integrity');
  });

  it('is refused when one byte of a point changed, or the header was edited', () => {
    const file = writeImage('flipped.image');
    const bytes = fs.readFileSync(file);
    const point = bytes.length - 1000;
    bytes[point] = bytes[point]! ^ 1;
    fs.writeFileSync(file, bytes);
    expect(problemOf(() => readImage(file))).toBe('integrity');

    const edited = fs.readFileSync(writeImage('edited.image'));
    const at = edited.indexOf('"version":"nhsa-b1-17+r2026.01"');
    expect(at).toBeGreaterThan(0);
    edited.write('"version":"nhsa-b1-17+r2026.02"', at);
    fs.writeFileSync(file, edited);
    expect(problemOf(() => readImage(file))).toBe('integrity');
  });

  it('is refused as cut off when shorter than its prefix says, before its bytes are read', () => {
    const whole = fs.readFileSync(writeImage('truncated.image'));
    const file = path.join(dir, 'truncated.image');
    fs.writeFileSync(file, whole.subarray(0, whole.length - 4096));
    expect(problemOf(() => readImage(file))).toBe('truncated');
    fs.writeFileSync(file, whole.subarray(0, 40));
    expect(problemOf(() => readImage(file))).toBe('truncated');
    fs.writeFileSync(file, whole.subarray(0, 10));
    expect(problemOf(() => readImage(file))).toBe('truncated');
  });

  it('is refused when of another format version, or not an image at all', () => {
    const bytes = fs.readFileSync(writeImage('other-format.image'));
    bytes.writeUInt32LE(LIBRARY_IMAGE_FORMAT + 1, 8);
    const file = path.join(dir, 'other-format.image');
    fs.writeFileSync(file, bytes);
    expect(problemOf(() => readImage(file))).toBe('other_format');
    expect(() => readImage(file)).toThrow(`is of image format ${LIBRARY_IMAGE_FORMAT + 1}, this build reads 1`);
    fs.writeFileSync(file, libraryBytes.subarray(0, 4096));
    expect(problemOf(() => readImage(file))).toBe('other_format');
  });

  it('is refused when it is the whole image of another library than the one expected', () => {
    const file = writeImage('other-library.image');
    expect(problemOf(() => readImage(file, 'f'.repeat(64)))).toBe('other_library');
    expect(() => readImage(file, 'f'.repeat(64))).toThrow(`is the image of library ${read.sha256}, not of ffff`);
  });
});
