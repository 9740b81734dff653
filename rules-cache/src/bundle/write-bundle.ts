import type { KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { LibraryData } from '@prealert/core';
import { BundleError } from './bundle-error';
import { type DeltaChanges, diffLibraries } from './delta';
import { libraryLines, libraryText } from './library-lines';
import { LibraryReader } from './library-reader';
import {
  BUNDLE_FORMAT,
  BUNDLE_TYPE,
  type BundleManifest,
  MANIFEST_FILE,
  manifestText,
  type SignedManifest,
  signManifest,
  VERSION_PATTERN,
} from './manifest';
import { type ParentLibrary, readBundleManifest, readParentLibrary } from './parent-library';
import { reviewAgainstParent, sameVersionProblem } from './parent-review';
import { sha256 } from './sha256';

export interface WriteBundleOptions {
  library: LibraryData;
  privateKey: KeyObject;
  /** The bundle directory, as a static server or CDN will serve it. May be the directory of the parent. */
  outDir: string;
  /** A bundle directory whose library is the parent: a delta from it is written next to the full library. */
  parentDir?: string;
}

export interface WrittenBundle {
  dir: string;
  manifest: SignedManifest;
  libraryFile: string;
  deltaFile?: string;
  changes?: DeltaChanges;
  /** Files of older bundles removed from the directory. */
  removed: string[];
  /** What to look at before publishing, against the parent (fewer national points, points gone); empty: nothing. */
  warnings: string[];
}

const PAYLOAD_FILE = /^(library|delta)-[0-9a-f-]+\.ndjson$/;

/** Writes a file so that a reader (a static server, a CDN pulling from it) sees the old bytes or the new, never half. */
function writeAtomically(file: string, bytes: Uint8Array | string): void {
  const temp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(temp, 'w', 0o644);
  try {
    fs.writeSync(fd, typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
}

/** The parent of a delta: a build cannot go on without it, so any failure to read or check it is thrown. */
function readParent(dir: string): { manifest: BundleManifest } & ParentLibrary {
  const manifest = readBundleManifest(dir);
  return { manifest, ...readParentLibrary(dir, manifest) };
}

/**
 * Writes a signed bundle directory: the full library, a delta from the parent when one is given, and manifest.json
 * last. Payload files are named by their hash and never change, so caches may keep them forever and a client
 * that read the previous manifest still finds its files; only manifest.json is revalidated (ETag).
 */
export function writeBundle(options: WriteBundleOptions): WrittenBundle {
  const { library, privateKey, outDir } = options;
  if (!VERSION_PATTERN.test(library.meta.version)) {
    throw new BundleError(
      'must start with a letter or digit and use only letters, digits and . _ + - (at most 64)',
      'bad_manifest',
      `version ${JSON.stringify(library.meta.version)}`,
    );
  }
  const parent = options.parentDir ? readParent(options.parentDir) : undefined;
  const lines = libraryLines(library);
  const text = Buffer.from(libraryText(lines), 'utf8');
  // Reading back what is about to be signed proves it parses, and gives the figures the manifest vouches for.
  const reader = new LibraryReader('library');
  reader.write(text);
  const digest = reader.end();
  const libraryFile = `library-${digest.sha256.slice(0, 16)}.ndjson`;
  if (parent) {
    const problem = sameVersionProblem(
      { version: parent.manifest.version, ...parent.manifest.library },
      {
        version: library.meta.version,
        sha256: digest.sha256,
        rules_sha256: digest.rulesSha256,
        knowledge_points_sha256: digest.knowledgePointsSha256,
      },
    );
    // Before anything is written: the directory may be the parent's, which a platform is serving.
    if (problem) throw new BundleError(problem, 'bad_manifest');
  }

  let deltaEntry: BundleManifest['delta'] = null;
  let deltaBytes: Buffer | undefined;
  let changes: DeltaChanges | undefined;
  if (parent && parent.manifest.library.sha256 !== digest.sha256) {
    const delta = diffLibraries(
      { lines: parent.lines, version: parent.manifest.version, sha256: parent.manifest.library.sha256 },
      { lines, version: library.meta.version, sha256: digest.sha256 },
    );
    deltaBytes = Buffer.from(libraryText(delta.lines), 'utf8');
    changes = delta.changes;
    deltaEntry = {
      file: `delta-${parent.manifest.library.sha256.slice(0, 12)}-${digest.sha256.slice(0, 12)}.ndjson`,
      sha256: sha256(deltaBytes),
      size: deltaBytes.length,
      from_version: parent.manifest.version,
      from_sha256: parent.manifest.library.sha256,
      changes,
    };
  }

  const manifest: BundleManifest = {
    type: BUNDLE_TYPE,
    format: BUNDLE_FORMAT,
    version: library.meta.version,
    region: library.meta.region,
    created_at: library.meta.createdAt,
    parent_version: library.meta.parentVersion ?? parent?.manifest.version ?? null,
    ...(library.meta.description ? { description: library.meta.description } : {}),
    library: {
      file: libraryFile,
      sha256: digest.sha256,
      size: digest.size,
      rules: digest.rules,
      knowledge_points: digest.knowledgePoints,
      rules_sha256: digest.rulesSha256,
      knowledge_points_sha256: digest.knowledgePointsSha256,
    },
    delta: deltaEntry,
  };
  const signed = signManifest(manifest, privateKey);

  fs.mkdirSync(outDir, { recursive: true });
  const previous = readPreviousManifest(outDir);
  writeAtomically(path.join(outDir, libraryFile), text);
  if (deltaEntry && deltaBytes) writeAtomically(path.join(outDir, deltaEntry.file), deltaBytes);
  writeAtomically(path.join(outDir, MANIFEST_FILE), manifestText(signed));

  const keep = new Set([libraryFile, deltaEntry?.file, previous?.library.file, previous?.delta?.file]);
  const removed: string[] = [];
  for (const name of fs.readdirSync(outDir)) {
    if (PAYLOAD_FILE.test(name) && !keep.has(name)) {
      fs.rmSync(path.join(outDir, name), { force: true });
      removed.push(name);
    }
  }
  return {
    dir: outDir,
    manifest: signed,
    libraryFile,
    ...(deltaEntry ? { deltaFile: deltaEntry.file } : {}),
    ...(changes ? { changes } : {}),
    removed,
    warnings: parent
      ? reviewAgainstParent(
          { version: parent.manifest.version, knowledgePoints: parent.knowledgePoints },
          { version: library.meta.version, knowledgePoints: library.knowledgePoints },
        )
      : [],
  };
}

function readPreviousManifest(dir: string): BundleManifest | undefined {
  try {
    return readBundleManifest(dir);
  } catch {
    return undefined;
  }
}
