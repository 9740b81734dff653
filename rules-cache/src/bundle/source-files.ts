import fs from 'node:fs';
import path from 'node:path';
import type { LibraryData, LibraryMeta } from '@prealert/core';
import { buildLibrary } from '../build-library';
import { readFramework } from '../national';
import type { ImportIssue, ImportResult, RecordSource } from '../published-record';
import { readCsv } from '../read-csv';
import { readPublishedJson } from '../read-published-json';

/** A published JSON batch or a local CSV, by extension. */
function readSourceFile(file: string): ImportResult<RecordSource> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    return {
      ok: false,
      issues: [{ file, row: 0, message: `无法读取文件 (${(error as NodeJS.ErrnoException).code ?? String(error)})` }],
    };
  }
  return path.extname(file).toLowerCase() === '.csv' ? readCsv(text, file) : readPublishedJson(text, file);
}

export interface LibraryFromFilesOptions {
  meta: LibraryMeta;
  sources: readonly string[];
  revisions?: readonly string[];
}

/**
 * Reads every source and revision file and builds the library. Issues of all files are collected (file and row
 * each), and any issue means no library: nothing half-built can be signed.
 */
export function libraryFromFiles(options: LibraryFromFilesOptions): ImportResult<LibraryData> {
  const issues: ImportIssue[] = [];
  const read = (files: readonly string[]) =>
    files.flatMap((file) => {
      const result = readSourceFile(file);
      if (result.ok) return [result.value];
      issues.push(...result.issues);
      return [];
    });
  const sources = read(options.sources);
  const revisions = read(options.revisions ?? []);
  if (options.sources.length === 0) issues.push({ file: '(none)', row: 0, message: '至少需要一个来源文件 (--source)' });
  if (issues.length > 0) return { ok: false, issues };
  return buildLibrary({ meta: options.meta, sources, revisions, framework: readFramework() });
}
