import fs from 'node:fs';
import path from 'node:path';
import { compileLibrary, type LibraryCoverage, type LibraryData, libraryCoverage } from '@prealert/core';
import { BundleError } from './bundle-error';
import { applyDelta, type DeltaChanges, DeltaReader } from './delta';
import { readFileChunks } from './file-chunks';
import type { TrustedKey } from './keys';
import { expectDigest, type LibraryDigest, LibraryReader } from './library-reader';
import { type BundleManifest, MANIFEST_FILE, verifyManifest } from './manifest';
import { readBundleManifest, readParentLibrary } from './parent-library';
import { reviewAgainstParent, sameVersionProblem } from './parent-review';

export interface BundleVerification {
  manifest: BundleManifest;
  keyId: string;
  library: LibraryDigest & { codes: number };
  /** What its points can check (text only, on a fallback, by a setting): for the person rolling it out. */
  coverage: LibraryCoverage;
  delta?: {
    changes: DeltaChanges;
    /** Whether the delta was applied to its parent and gave exactly the full library. */
    applied: boolean;
    /** Why it was not applied (the parent library is not at hand). */
    note?: string;
  };
  /** What the person publishing it should look at against the parent (--parent); none means nothing to say. */
  warnings: string[];
}

/** Checks that the library a manifest names is exactly what it claims: bytes, counts, section hashes. */
export function checkLibraryAgainstManifest(file: string, digest: LibraryDigest, manifest: BundleManifest): void {
  expectDigest(file, digest, manifest.library);
  const entry = manifest.library;
  const mismatch = (what: string) => {
    throw new BundleError(`${what} does not match the signed manifest`, 'hash_mismatch', file);
  };
  if (digest.rules !== entry.rules || digest.rulesSha256 !== entry.rules_sha256) mismatch('the rules section');
  if (
    digest.knowledgePoints !== entry.knowledge_points ||
    digest.knowledgePointsSha256 !== entry.knowledge_points_sha256
  ) {
    mismatch('the knowledge points section');
  }
}

/** Checks the manifest-to-library link the other way: the library header says the same version and region. */
export function checkHeaderAgainstManifest(
  file: string,
  meta: { version: string; region: string; createdAt: string },
  manifest: BundleManifest,
): void {
  if (meta.version !== manifest.version || meta.region !== manifest.region || meta.createdAt !== manifest.created_at) {
    throw new BundleError(
      `header (${meta.version}, ${meta.region}, ${meta.createdAt}) differs from the manifest (${manifest.version}, ${manifest.region}, ${manifest.created_at})`,
      'bad_content',
      file,
    );
  }
}

async function readLines(file: string): Promise<string[]> {
  const text = await fs.promises.readFile(file, 'utf8');
  const lines = text.split('\n');
  lines.pop();
  return lines;
}

/** The library of another bundle directory, if it is the delta's parent. */
function findParentLibrary(dirs: string[], sha256: string): string | undefined {
  for (const dir of dirs) {
    try {
      const manifest = readBundleManifest(dir);
      if (manifest.library.sha256 === sha256) return path.join(dir, manifest.library.file);
    } catch {
      // Not a bundle directory.
    }
    const guess = path.join(dir, `library-${sha256.slice(0, 16)}.ndjson`);
    if (fs.existsSync(guess)) return guess;
  }
  return undefined;
}

/**
 * The bundle against the one it follows. A parent directory that holds no readable manifest has nothing to say
 * here (it may hold only the parent's library, for the delta), and one holding this very bundle (published in place,
 * `--parent ./served --out ./served`) is no parent of it.
 */
function reviewParent(parentDir: string, manifest: BundleManifest, points: LibraryData['knowledgePoints']): string[] {
  let parent: BundleManifest;
  try {
    parent = readBundleManifest(parentDir);
  } catch {
    return [];
  }
  if (parent.version === manifest.version && parent.library.sha256 === manifest.library.sha256) return [];
  const problem = sameVersionProblem(
    { version: parent.version, ...parent.library },
    { version: manifest.version, ...manifest.library },
  );
  const warnings = problem ? [problem] : [];
  try {
    const { knowledgePoints } = readParentLibrary(parentDir, parent);
    warnings.push(
      ...reviewAgainstParent(
        { version: parent.version, knowledgePoints },
        { version: manifest.version, knowledgePoints: points },
      ),
    );
  } catch (error) {
    // The bundle itself is fine; only the comparison cannot be made.
    warnings.push(`parent ${parent.version} not compared: ${(error as Error).message}`);
  }
  return warnings;
}

/**
 * Verifies a bundle directory as a sidecar would: signature by a trusted key, then every file's size and sha256,
 * then that the library parses and compiles, and that the delta applied to its parent gives the full library.
 */
export async function verifyBundleDir(
  dir: string,
  trusted: readonly TrustedKey[],
  options: { parentDir?: string } = {},
): Promise<BundleVerification> {
  const manifestFile = path.join(dir, MANIFEST_FILE);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(manifestFile);
  } catch (error) {
    throw new BundleError(`cannot be read (${(error as NodeJS.ErrnoException).code})`, 'io', manifestFile);
  }
  const { manifest, keyId } = verifyManifest(bytes, trusted, manifestFile);

  const libraryFile = path.join(dir, manifest.library.file);
  const reader = new LibraryReader(manifest.library.file, manifest.library.size);
  await readFileChunks(libraryFile, (chunk) => reader.write(chunk));
  const read = reader.end();
  checkLibraryAgainstManifest(manifest.library.file, read, manifest);
  checkHeaderAgainstManifest(manifest.library.file, read.data.meta, manifest);
  let codes: number;
  try {
    codes = compileLibrary(read.data).codeCount;
  } catch (error) {
    throw new BundleError(`does not compile: ${(error as Error).message}`, 'bad_content', manifest.library.file);
  }
  const { data: _data, ...digest } = read;
  const result: BundleVerification = {
    manifest,
    keyId,
    library: { ...digest, codes },
    coverage: libraryCoverage(read.data.knowledgePoints),
    warnings: [],
  };
  if (options.parentDir) result.warnings.push(...reviewParent(options.parentDir, manifest, read.data.knowledgePoints));

  if (manifest.delta) {
    const entry = manifest.delta;
    const deltaReader = new DeltaReader(entry.file, entry.size);
    await readFileChunks(path.join(dir, entry.file), (chunk) => deltaReader.write(chunk));
    const delta = deltaReader.end();
    expectDigest(entry.file, delta, entry);
    const h = delta.header;
    if (
      h.from_sha256 !== entry.from_sha256 ||
      h.to_sha256 !== manifest.library.sha256 ||
      h.to_version !== manifest.version
    ) {
      throw new BundleError('its header does not match the manifest (from/to)', 'bad_content', entry.file);
    }
    const parentFile = findParentLibrary(options.parentDir ? [options.parentDir, dir] : [dir], entry.from_sha256);
    if (!parentFile) {
      result.delta = {
        changes: delta.changes,
        applied: false,
        note: `parent ${entry.from_version} not at hand (--parent <dir>)`,
      };
    } else {
      const applied = new LibraryReader(`${entry.file} applied`);
      await applyDelta(await readLines(parentFile), delta, (line) => applied.write(Buffer.from(`${line}\n`, 'utf8')));
      checkLibraryAgainstManifest(`${entry.file} applied to ${entry.from_version}`, applied.end(), manifest);
      result.delta = { changes: delta.changes, applied: true };
    }
  }
  return result;
}
