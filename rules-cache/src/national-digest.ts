import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LibraryData } from '@prealert/core';
import { libraryLines, libraryText } from './bundle/library-lines';
import { sha256 } from './bundle/sha256';
import { NATIONAL_VERSION } from './national';

/** Written beside dist/index.js by the build (tsup.config.ts): the bundled library's digest, `{version, sha256}`. */
export const NATIONAL_DIGEST_FILE = 'national-digest.json';

/**
 * The sha256 of a library's file as a bundle of it carries it (the manifest's `library.sha256`): the same content
 * gives the same digest whoever builds it, so a library read from the NHSA files can be compared with a published one.
 */
export function librarySha256(data: LibraryData): string {
  return sha256(libraryText(libraryLines(data)));
}

let known: string | null | undefined;

/**
 * The sha256 of the national library this build bundles (see librarySha256), as its build computed it: the name
 * `nhsa-b1-17+r2026.01` stays while the reading of the NHSA files may change from one prealert build to the next,
 * and this tells them apart. Null where the build wrote no digest (the TypeScript sources run as they are, by tests):
 * computing it at start would cost a start some 0.1–0.5 s.
 */
export function nationalLibrarySha256(): string | null {
  if (known !== undefined) return known;
  known = null;
  try {
    const file = join(dirname(fileURLToPath(import.meta.url)), NATIONAL_DIGEST_FILE);
    const digest = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown; sha256?: unknown };
    if (digest.version === NATIONAL_VERSION && typeof digest.sha256 === 'string') known = digest.sha256;
  } catch {
    // No digest file: not a build (above).
  }
  return known;
}
