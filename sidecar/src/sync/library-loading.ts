import fs from 'node:fs';
import type { CompiledLibrary, LibraryData } from '@prealert/core';
import {
  BundleError,
  checkHeaderAgainstManifest,
  checkLibraryAgainstManifest,
  type PackedLibrary,
  readManifestUnverified,
  type Slicer,
  type TrustedKey,
  unpackLibrary,
  verifyManifest,
} from '@prealert/rules-cache';
import type { LibraryOrigin } from '../library-holder';
import { compileInSlices } from './compile-in-slices';
import type { LastGoodStore, Staging, StoredVersion } from './last-good-store';
import type { LibraryPacker } from './library-packer';

/** A library ready to activate, with what it was built from (see LibraryOrigin). */
export interface Unpacked {
  compiled: CompiledLibrary;
  origin: LibraryOrigin;
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

export async function compileBundled(loadBundled: () => LibraryData, slicer: Slicer): Promise<Unpacked> {
  const data = loadBundled();
  const { library } = await compileInSlices(data, () => slicer.pause());
  return { compiled: library, origin: { kind: 'data', data } };
}

/**
 * Reads a stored library back, checking it against its signed manifest as if it had just been received (with no
 * trusted key configured, the manifest is read unverified), and the manifest against the sha256 the store recorded.
 */
export async function loadStoredLibrary(
  entry: StoredVersion,
  store: LastGoodStore,
  trustedKeys: readonly TrustedKey[],
  openPacker: OpenPacker,
  slicer: Slicer,
): Promise<Unpacked> {
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
  const packer = await openPacker(files.library, manifest.library.size, slicer);
  try {
    const read = await packer.readFile(files.library);
    checkLibraryAgainstManifest(files.library, read, manifest);
    checkHeaderAgainstManifest(files.library, read.packed.meta, manifest);
    return unpacked(read.packed);
  } finally {
    await packer.close();
  }
}
