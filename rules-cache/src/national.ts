import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LibraryData } from '@prealert/core';
import { buildLibrary } from './build-library';
import { formatIssues, type RecordSource } from './published-record';
import { readPublishedJson } from './read-published-json';
import type { FrameworkRule } from './rule-catalogue';

/** The national batches as NHSA published them, in publication order. */
export const NATIONAL_BATCH_FILES = [
  'first_batch_knowledge_points.json',
  'batches_2_8_knowledge_points.json',
  'batches_9_17_knowledge_points.json',
] as const;
export const NATIONAL_REVISION_FILE = 'revision_2026_01_knowledge_points.json';
export const FRAMEWORK_FILE = 'rule_framework_1_0.json';

/** Versions of the embedded national library: as published, and with NHSA's 2026-01 re-issue applied. */
export const NATIONAL_VERSION_PUBLISHED = 'nhsa-b1-17';
export const NATIONAL_VERSION = 'nhsa-b1-17+r2026.01';

/** rules-cache/national, found from this module both in src/ (tests) and dist/ (runtime). */
export function nationalDataDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'national');
}

export function readFramework(dir = nationalDataDir()): FrameworkRule[] {
  const parsed = JSON.parse(readFileSync(join(dir, FRAMEWORK_FILE), 'utf8')) as { rules: FrameworkRule[] };
  return parsed.rules;
}

function readSource(dir: string, file: string): RecordSource {
  const result = readPublishedJson(readFileSync(join(dir, file), 'utf8'), file);
  if (!result.ok) throw new Error(`embedded national library is damaged:\n${formatIssues(result.issues)}`);
  return result.value;
}

/**
 * The national library that ships with prealert: batches 1–17 with the 2026-01 revision applied (or, with
 * `withRevision: false`, exactly as first published). Synchronous: it is read once at start.
 */
export function loadNationalLibrary(options: { withRevision?: boolean; dir?: string } = {}): LibraryData {
  const dir = options.dir ?? nationalDataDir();
  const withRevision = options.withRevision !== false;
  const result = buildLibrary({
    meta: {
      version: withRevision ? NATIONAL_VERSION : NATIONAL_VERSION_PUBLISHED,
      region: 'national',
      createdAt: withRevision ? '2026-01-28T00:00:00+08:00' : '2026-06-29T00:00:00+08:00',
      description: withRevision
        ? 'NHSA 两库 knowledge points, batches 1–17, with the 2026-01 re-issue applied'
        : 'NHSA 两库 knowledge points, batches 1–17 as published',
      ...(withRevision ? { parentVersion: NATIONAL_VERSION_PUBLISHED } : {}),
    },
    sources: NATIONAL_BATCH_FILES.map((f) => readSource(dir, f)),
    revisions: withRevision ? [readSource(dir, NATIONAL_REVISION_FILE)] : [],
    framework: readFramework(dir),
  });
  if (!result.ok) throw new Error(`embedded national library is damaged:\n${formatIssues(result.issues)}`);
  return result.value;
}
