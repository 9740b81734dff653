import fs from 'node:fs';
import path from 'node:path';
import type { KnowledgePoint } from '@prealert/core';
import { BundleError } from './bundle-error';
import { expectDigest, LibraryReader } from './library-reader';
import { type BundleManifest, MANIFEST_FILE, readManifestUnverified } from './manifest';
import { sha256 } from './sha256';

/** The library of a bundle another one follows, as checked against its manifest. */
export interface ParentLibrary {
  /** The library file's lines without their newlines: what a delta is computed from. */
  lines: string[];
  knowledgePoints: KnowledgePoint[];
}

function readOrThrow(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw new BundleError(`cannot be read (${(error as NodeJS.ErrnoException).code})`, 'io', file);
  }
}

/**
 * The manifest of the bundle in `dir`, its signature unchecked: the publisher reads its own earlier bundle, which
 * nothing activates from here. Throws a BundleError naming the file; whether that stops the caller is its choice.
 */
export function readBundleManifest(dir: string): BundleManifest {
  const file = path.join(dir, MANIFEST_FILE);
  return readManifestUnverified(readOrThrow(file).toString('utf8'), file);
}

/**
 * The library `manifest` names in `dir`, its size and sha256 checked against the manifest before it is parsed (a
 * damaged file is said to be damaged, not reported by the line it breaks at). Throws a BundleError naming the file:
 * building a delta from it stops there, a review only notes that no comparison was made.
 */
export function readParentLibrary(dir: string, manifest: BundleManifest): ParentLibrary {
  const file = path.join(dir, manifest.library.file);
  const bytes = readOrThrow(file);
  expectDigest(file, { sha256: sha256(bytes), size: bytes.length }, manifest.library);
  const reader = new LibraryReader(file);
  reader.write(bytes);
  const knowledgePoints = reader.end().data.knowledgePoints;
  const lines = bytes.toString('utf8').split('\n');
  lines.pop();
  return { lines, knowledgePoints };
}
