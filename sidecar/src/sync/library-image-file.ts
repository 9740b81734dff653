import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type LibraryImage, LibraryImageError, LibraryImageReader, type PackedReadResult } from '@prealert/rules-cache';
import { fsyncDir, fsyncDirAsync } from '../durable-files';

/**
 * A library image's file (rules-cache's library-image.ts) beside its stored version: written whole under a temp
 * name, flushed, then renamed into place, so a reader finds the old image, the new one or none, never half of one
 * (a crash leaves only the temp file, which the store removes at its next start). Read in blocks, each followed by
 * the caller's rest or pause, like a library file.
 */

/** Bytes read per block: the file is read straight into the image's buffer. */
const READ_BYTES = 1 << 20;

/** The temp name an image is written under; LastGoodStore.open removes what a crash left of these. */
function tempName(file: string): string {
  return `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

function unreadable(file: string, error: unknown): LibraryImageError {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT'
    ? new LibraryImageError('is missing', 'missing', file)
    : new LibraryImageError(`cannot be read (${code ?? (error as Error).message})`, 'unreadable', file);
}

/** Writes an image on the calling thread (the library worker's), resting between pieces; returns its size. */
export function writeImageFileSync(file: string, image: LibraryImage, rest: () => void): number {
  const temp = tempName(file);
  try {
    const fd = fs.openSync(temp, 'w', 0o600);
    try {
      for (const piece of image.pieces()) {
        let offset = 0;
        while (offset < piece.byteLength) offset += fs.writeSync(fd, piece, offset);
        rest();
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
  } catch (error) {
    // A full disk must not keep the bytes it did take: the records need them more than a cache does.
    fs.rmSync(temp, { force: true });
    throw error;
  }
  fsyncDir(path.dirname(file));
  return image.size;
}

/** writeImageFileSync on the thread pool, pausing between pieces: where no worker could be started. */
export async function writeImageFile(
  file: string,
  image: LibraryImage,
  pause: () => Promise<void> | undefined,
): Promise<number> {
  const temp = tempName(file);
  try {
    const handle = await fs.promises.open(temp, 'w', 0o600);
    try {
      for (const piece of image.pieces()) {
        let offset = 0;
        while (offset < piece.byteLength) offset += (await handle.write(piece, offset)).bytesWritten;
        await pause();
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(temp, file);
  } catch (error) {
    await fs.promises.rm(temp, { force: true });
    throw error;
  }
  await fsyncDirAsync(path.dirname(file));
  return image.size;
}

/**
 * Reads and checks an image on the calling thread, resting between blocks; on SharedArrayBuffers when `shared`.
 * Throws LibraryImageError (a missing file included) when the image is not to be used.
 */
export function readImageFileSync(
  file: string,
  key: Uint8Array,
  sha256: string,
  rest: () => void,
  shared: boolean,
): PackedReadResult {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    throw unreadable(file, error);
  }
  try {
    const reader = new LibraryImageReader(file, fs.fstatSync(fd).size, key, sha256, { shared });
    const block = Buffer.allocUnsafe(READ_BYTES);
    for (;;) {
      let n: number;
      try {
        n = fs.readSync(fd, block, 0, block.length, null);
      } catch (error) {
        throw unreadable(file, error);
      }
      if (n === 0) break;
      reader.write(block.subarray(0, n));
      rest();
    }
    return reader.end();
  } finally {
    fs.closeSync(fd);
  }
}

/** readImageFileSync on the thread pool, pausing between blocks: where no worker could be started. */
export async function readImageFile(
  file: string,
  key: Uint8Array,
  sha256: string,
  pause: () => Promise<void> | undefined,
): Promise<PackedReadResult> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, 'r');
  } catch (error) {
    throw unreadable(file, error);
  }
  try {
    const reader = new LibraryImageReader(file, (await handle.stat()).size, key, sha256);
    const block = Buffer.allocUnsafe(READ_BYTES);
    for (;;) {
      let n: number;
      try {
        ({ bytesRead: n } = await handle.read(block, 0, block.length, null));
      } catch (error) {
        throw unreadable(file, error);
      }
      if (n === 0) break;
      reader.write(block.subarray(0, n));
      await pause();
    }
    return reader.end();
  } finally {
    await handle.close();
  }
}
