import { libraryImage, type PackedReadResult, Slicer } from '@prealert/rules-cache';
import { freeBytes, shownBytes } from '../disk-space';
import type { Logger } from '../logging';
import { DOWNLOAD_MARGIN_BYTES } from './download-space';
import type { LastGoodStore, StoredVersion } from './last-good-store';
import type { LibraryPacker } from './library-packer';

// Apart from LibrarySync: writing an image is a cache's side job, run after an activation or a rollback, never a
// step of one. The class schedules it (one at a time with them) and holds the packer so that stop can close it.

/** What writing an image needs of the sync. */
export interface ImageWriting {
  /** The image key (library-image-key.ts); none: no image is written. */
  key: Uint8Array | undefined;
  /** Whether the sync is stopping: an image is then neither written nor its failure logged. */
  stopped: () => boolean;
  store: LastGoodStore;
  logger: Logger;
  sliceMs: number;
  restMs: number;
  openPacker: (file: string, maxBytes: number, slicer: Slicer) => Promise<LibraryPacker>;
  /** The packer writing the image now, and undefined once it is done. */
  setWriter: (packer: LibraryPacker | undefined) => void;
}

/**
 * The library image beside a stored version (library-image-file.ts), so the next start reads a few buffers rather
 * than every line. Only a cache: a disk without room for it beside the records' margin gets none, and a write
 * that fails (the disk filled meanwhile) leaves no partial file; either is logged, and the next start reads the
 * library file as before and tries again.
 */
export async function writeLibraryImage(
  ctx: ImageWriting,
  entry: StoredVersion,
  read: PackedReadResult,
): Promise<void> {
  const key = ctx.key;
  // Replaced meanwhile (activations came in between): its directory is gone or going.
  if (!key || ctx.stopped() || !ctx.store.keeps(entry)) return;
  const files = ctx.store.files(entry)!;
  const size = libraryImage(read, key).size;
  const free = freeBytes(ctx.store.dir);
  if (free !== undefined && free < size + DOWNLOAD_MARGIN_BYTES) {
    ctx.logger.warn(
      { version: entry.version, bytes: size, free },
      `library image not written: it needs ${shownBytes(size)} and ${shownBytes(DOWNLOAD_MARGIN_BYTES)} are kept for the records, ${shownBytes(free)} are free; the next start reads the library file`,
    );
    return;
  }
  const started = performance.now();
  let packer: LibraryPacker | undefined;
  try {
    packer = await ctx.openPacker(files.image, 0, new Slicer(ctx.sliceMs, ctx.restMs));
    ctx.setWriter(packer);
    const bytes = await packer.writeImage(files.image, key, read);
    ctx.logger.info(
      { version: entry.version, bytes, ms: Math.round(performance.now() - started) },
      'library image written',
    );
  } catch (error) {
    if (!ctx.stopped()) {
      ctx.logger.warn(
        { err: error, version: entry.version },
        'library image could not be written; the next start reads the library file',
      );
    }
  } finally {
    ctx.setWriter(undefined);
    await packer?.close();
  }
}
