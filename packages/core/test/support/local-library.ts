import { type CompiledLibrary, compileLibrary } from '@prealert/core';
import { buildLibrary, readCsv, readFramework } from '@prealert/rules-cache';

/** A hospital's local library from rows in the CSV form (with its header), on the 79-rule framework, compiled. */
export function localLibrary(csv: string): CompiledLibrary {
  const source = readCsv(csv, 'local.csv');
  if (!source.ok) throw new Error(JSON.stringify(source.issues));
  const built = buildLibrary({
    meta: { version: 'local-1', region: 'H11010100001', createdAt: '2026-11-20T00:00:00+08:00' },
    sources: [source.value],
    framework: readFramework(),
    seedRules: false,
  });
  if (!built.ok) throw new Error(JSON.stringify(built.issues));
  return compileLibrary(built.value);
}
