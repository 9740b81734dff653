/** A knowledge point as NHSA publishes it (the shape of ../shared/data/nhsa/*.json `knowledge_points[]`). */
export interface PublishedRecord {
  batch?: number;
  published_at?: string;
  rule_name: string;
  gz_code?: string | null;
  item_type?: string;
  item_name: string;
  limit_type: string;
  limit_value?: string | null;
  basis?: string;
  detect_logic?: string;
  codes: string[];
  effective_from?: string;
  effective_to?: string;
}

/** A problem in a source, located by file and row (1-based: array index + 1 for JSON, line number for CSV). */
export interface ImportIssue {
  file: string;
  row: number;
  field?: string;
  message: string;
}

/**
 * `notes`: what was imported but is worth a look (a record that contradicts itself, read one way on purpose); unlike
 * issues they do not refuse the import.
 */
export type ImportResult<T> = { ok: true; value: T; notes?: ImportIssue[] } | { ok: false; issues: ImportIssue[] };

export function formatIssues(issues: readonly ImportIssue[]): string {
  return issues.map((i) => `${i.file}:${i.row}${i.field ? ` ${i.field}` : ''}: ${i.message}`).join('\n');
}

/** Records of one source file plus the rows they came from, for error reports. */
export interface RecordSource {
  file: string;
  /** `codeRows`: the row of each of `codes` (a CSV's rows of one point), where it is not the record's own row. */
  records: { row: number; record: PublishedRecord; codeRows?: number[] }[];
  /** A local CSV: its rows are kept and re-sorted by hand, so nothing may hang on their order (ids of its points). */
  local?: boolean;
  /**
   * Records the file says it left out (`meta.left_out` of the 2026-01 re-issue: points whose limit could not be joined
   * unambiguously): they are not in it, so the originals stand, and the import reports the count.
   */
  leftOut?: number;
  /** What reading the file noticed but imported anyway (a 备注 column left out): reported with the build's notes. */
  notes?: ImportIssue[];
}
