import fs from 'node:fs';
import type { CompiledLibrary, LibraryData } from '@prealert/core';
import {
  BundleError,
  type BundleManifest,
  checkHeaderAgainstManifest,
  checkLibraryAgainstManifest,
  LibraryImageError,
  type PackedLibrary,
  type PackedReadResult,
  readManifestUnverified,
  type Slicer,
  type TrustedKey,
  unpackLibrary,
  verifyManifest,
} from '@prealert/rules-cache';
import type { LibraryOrigin } from '../library-holder';
import type { Logger } from '../logging';
import { compileInSlices } from './compile-in-slices';
import type { LastGoodStore, Staging, StoredVersion } from './last-good-store';
import type { LibraryPacker } from './library-packer';

/** A library ready to activate, with what it was built from (see LibraryOrigin). */
export interface Unpacked {
  compiled: CompiledLibrary;
  origin: LibraryOrigin;
  /** The sha256 of its library file (see LibraryInfo.sha256). */
  sha256?: string | null;
  /** A stored version: read from its library image, or from its library file (then `read` is what to image). */
  readFrom?: 'image' | 'library';
}

/** A stored version read back (loadStoredLibrary). */
export interface StoredLoad extends Unpacked {
  readFrom: 'image' | 'library';
  read: PackedReadResult;
}

/** Library images (library-image-file.ts): the key they are written with, and where a refused one is logged. */
export interface ImageUse {
  key: Uint8Array;
  logger: Logger;
}

/** Opens a library packer as the sync configures it (worker or not, slices, rests): see library-packer. */
export type OpenPacker = (file: string, maxBytes: number, slicer: Slicer, staging?: Staging) => Promise<LibraryPacker>;

export function unpacked(packed: PackedLibrary): Unpacked {
  return { compiled: unpackLibrary(packed), origin: { kind: 'packed', packed } };
}

/** The national library shipped with prealert, as the store records it (no sha256). */
export function bundledEntry(compiled: CompiledLibrary, activatedAt: string): StoredVersion {
  return {
    version: compiled.meta.version,
    sha256: null,
    origin: 'bundled',
    created_at: compiled.meta.createdAt,
    activated_at: activatedAt,
  };
}

export async function compileBundled(
  loadBundled: () => LibraryData,
  slicer: Slicer,
  sha256: string | null,
): Promise<Unpacked> {
  const data = loadBundled();
  const { library } = await compileInSlices(data, () => slicer.pause());
  return { compiled: library, origin: { kind: 'data', data }, sha256 };
}

/**
 * Reads a stored library back, checking it against its signed manifest as if it had just been received (with no
 * trusted key configured, the manifest is read unverified), and the manifest against the sha256 the store recorded.
 * With `image`, the version's library image stands in for its library file when it is whole, written with this
 * installation's key and of that very library; any other image is logged, removed and the library file read.
 */
export async function loadStoredLibrary(
  entry: StoredVersion,
  store: LastGoodStore,
  trustedKeys: readonly TrustedKey[],
  openPacker: OpenPacker,
  slicer: Slicer,
  image?: ImageUse,
): Promise<StoredLoad> {
  const files = store.files(entry);
  if (!files) throw new Error(`${entry.version} has no stored files`);
  const text = fs.readFileSync(files.manifest);
  const manifest =
    trustedKeys.length > 0
      ? verifyManifest(text, trustedKeys, files.manifest).manifest
      : readManifestUnverified(text, files.manifest);
  // The library's bytes are checked against this manifest below, so the manifest must name the library recorded
  // when it was stored: with no trusted key, an edited library with a manifest written to match loaded silently.
  if (manifest.library.sha256 !== entry.sha256) {
    throw new BundleError(
      `names library ${manifest.library.sha256}, not the ${entry.sha256} recorded when it was stored`,
      'hash_mismatch',
      files.manifest,
    );
  }
  const fromImage = image && (await readImage(entry, files, manifest, image, openPacker, slicer));
  if (fromImage) return { ...unpacked(fromImage.packed), readFrom: 'image', read: fromImage };
  const packer = await openPacker(files.library, manifest.library.size, slicer);
  try {
    const read = await packer.readFile(files.library);
    checkLibraryAgainstManifest(files.library, read, manifest);
    checkHeaderAgainstManifest(files.library, read.packed.meta, manifest);
    return { ...unpacked(read.packed), readFrom: 'library', read };
  } finally {
    await packer.close();
  }
}

/**
 * The version's library image, or undefined when it is not to be used (logged once: at info when there is none,
 * at warn when one is refused, which is then removed so that it is written anew). An image failing is never the
 * version's damage: its library file is read instead, and only that can find the version damaged.
 */
async function readImage(
  entry: StoredVersion,
  files: { library: string; image: string },
  manifest: BundleManifest,
  image: ImageUse,
  openPacker: OpenPacker,
  slicer: Slicer,
): Promise<PackedReadResult | undefined> {
  if (!fs.existsSync(files.image)) {
    image.logger.info({ version: entry.version }, 'no library image; reading the library file');
    return undefined;
  }
  const packer = await openPacker(files.image, 0, slicer);
  try {
    const read = await packer.readImage(files.image, image.key, entry.sha256!);
    // An image is of the library whose sha256 it names: its figures are those the manifest signed.
    checkLibraryAgainstManifest(files.library, read, manifest);
    checkHeaderAgainstManifest(files.library, read.packed.meta, manifest);
    return read;
  } catch (error) {
    const problem =
      error instanceof LibraryImageError
        ? error.problem
        : error instanceof BundleError
          ? 'other_library'
          : 'unreadable';
    image.logger.warn(
      { version: entry.version, problem, err: (error as Error).message },
      'library image refused; reading the library file',
    );
    // An image that could not be read (a worker that stopped, a file held open) is kept for the next start to try.
    if (problem !== 'unreadable' && problem !== 'missing') {
      try {
        fs.rmSync(files.image, { force: true });
      } catch {
        // Written over by the next image, or refused again by the next start.
      }
    }
    return undefined;
  } finally {
    await packer.close();
  }
}
