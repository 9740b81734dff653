import type { StatsReport } from './compliance-figures';

/**
 * The download's name, with the filter in it: prealert-stats-day-doctor-D0101-2026-11-01-2026-11-30.csv. A 医保办
 * exporting one file per department otherwise got …(1).csv, …(2).csv that could not be told apart, each named
 * like the whole hospital's. A code is written with the characters a file name and the header can carry (others
 * become _).
 */
export function csvFileName(report: Pick<StatsReport, 'by' | 'from' | 'to' | 'filter'>): string {
  const filter = (['rule', 'dept', 'doctor'] as const)
    .filter((dimension) => report.filter[dimension] !== undefined)
    .map((dimension) => `-${dimension}-${String(report.filter[dimension]).replace(/[^A-Za-z0-9._]/g, '_')}`)
    .join('');
  return `prealert-stats-${report.by}${filter}-${report.from}-${report.to}.csv`;
}
