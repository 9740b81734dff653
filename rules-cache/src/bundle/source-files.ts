import fs from 'node:fs';
import path from 'node:path';
import type { LibraryData, LibraryMeta } from '@prealert/core';
import { buildLibrary } from '../build-library';
import { readFramework } from '../national';
import type { ImportIssue, ImportResult, RecordSource } from '../published-record';
import { readCsv } from '../read-csv';
import { readPublishedJson } from '../read-published-json';
import { decodeText } from '../text-encoding';

/**
 * A published JSON batch (UTF-8) or a local CSV, by extension. A CSV is decoded by its bytes (UTF-8 with or without
 * BOM, UTF-16 with BOM, else GBK/GB18030 as Excel saves 「CSV (逗号分隔)」 on Chinese Windows); when such a file has
 * bad rows, the report says first which encoding it was read in.
 */
function readSourceFile(file: string): ImportResult<RecordSource> {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    return {
      ok: false,
      issues: [{ file, row: 0, message: `无法读取文件 (${(error as NodeJS.ErrnoException).code ?? String(error)})` }],
    };
  }
  if (path.extname(file).toLowerCase() !== '.csv') return readPublishedJson(bytes.toString('utf8'), file);
  const decoded = decodeText(bytes);
  if (!decoded.ok) return { ok: false, issues: [{ file, row: 0, message: decoded.message }] };
  const result = readCsv(decoded.text, file);
  if (result.ok || decoded.encoding === 'utf-8') return result;
  const name = decoded.encoding === 'gb18030' ? 'GBK/GB18030' : decoded.encoding.toUpperCase();
  return { ok: false, issues: [{ file, row: 0, message: `文件不是 UTF-8，按 ${name} 编码读取` }, ...result.issues] };
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
