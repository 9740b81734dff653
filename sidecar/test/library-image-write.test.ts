/**
 * Writing a library image (src/sync/library-image-file.ts) on a disk that fills up: a real tmpfs, the real library
 * worker (dist/packing-worker.js) and the in-thread fallback, the real national library. The write fails naming
 * the full disk, gives back every byte it took (no temp file stays), and the image written before is untouched.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  LibraryImageReader,
  LibraryReader,
  libraryLines,
  libraryText,
  loadNationalLibrary,
  type PackedReadResult,
  Slicer,
} from '@prealert/rules-cache';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging';
import { openLibraryPacker } from '../src/sync/library-packer';
import { fillDisk, smallDisk } from './sync-support';

const logger = createLogger({ level: 'silent' });
const libraryBytes = Buffer.from(libraryText(libraryLines(loadNationalLibrary())));

function packedNational(shared: boolean): PackedReadResult {
  const reader = new LibraryReader('library.ndjson', libraryBytes.length, { packed: true, shared });
  reader.write(libraryBytes);
  return reader.endPacked();
}

const freeOn = (dir: string) => {
  const s = fs.statfsSync(dir);
  return s.bavail * s.bsize;
};

describe('a library image written on a disk that fills up', () => {
  for (const useWorker of [true, false]) {
    const where = useWorker ? 'worker' : 'in-thread';
    it(`fails with ENOSPC, leaves no temp file and keeps the image before (${where})`, async (ctx) => {
      const disk = smallDisk(8 * 1024 * 1024);
      if (!disk) return ctx.skip();
      try {
        // As the sidecar has it: shared where a worker read the library.
        const read = packedNational(useWorker);
        const key = randomBytes(32);
        const file = path.join(disk.dir, 'library.image');
        const open = () => openLibraryPacker({ file, maxBytes: 0, slicer: new Slicer(2, 0), logger, useWorker });
        const first = await open();
        expect(first.where).toBe(where);
        const size = await first.writeImage(file, key, read);
        await first.close();
        expect(fs.statSync(file).size).toBe(size);
        expect(size).toBeGreaterThan(2 * 1024 * 1024);

        // Half an image's room left: the next write runs out of disk part way.
        fillDisk(disk.dir, Math.floor(size / 2));
        const before = freeOn(disk.dir);
        const second = await open();
        await expect(second.writeImage(file, key, read)).rejects.toMatchObject({ code: 'ENOSPC' });
        await second.close();
        expect(fs.readdirSync(disk.dir).sort()).toEqual(['filler', 'library.image']);
        expect(freeOn(disk.dir)).toBe(before);
        const bytes = fs.readFileSync(file);
        const reader = new LibraryImageReader(file, bytes.length, key, read.sha256);
        reader.write(bytes);
        expect(reader.end().packed.pointCount).toBe(read.packed.pointCount);
      } finally {
        disk.release();
      }
    }, 60_000);
  }
});
