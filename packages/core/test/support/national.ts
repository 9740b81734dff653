import { type CompiledLibrary, compileLibrary } from '@prealert/core';
import { loadNationalLibrary } from '@prealert/rules-cache';

let compiled: CompiledLibrary | undefined;

/** The real embedded national library (batches 1–17 + 2026-01 revision), compiled once per test file. */
export function nationalLibrary(): CompiledLibrary {
  compiled ??= compileLibrary(loadNationalLibrary());
  return compiled;
}
