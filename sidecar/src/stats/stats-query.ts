import { STATS_DIMENSIONS, type StatsDimension, type StatsFilter } from './compliance-figures';
import { addDays, isDay, shanghaiDay } from './days';

export interface StatsQuery {
  from?: string;
  to?: string;
  by?: string;
  rule?: string;
  dept?: string;
  doctor?: string;
}

/** Every field a figures query reads (StatsQuery's keys). */
const QUERY_FIELDS = ['from', 'to', 'by', 'rule', 'dept', 'doctor'] as const satisfies readonly (keyof StatsQuery)[];

/**
 * What a page's library appends to every GET to defeat caches: jQuery's `cache: false` `_=1764547200000`, ExtJS's
 * `_dc=…` (common in B/S HIS), a hand-written `_t=…`. Not a misspelt filter: a name starting with `_` is let through.
 */
const isCacheBuster = (name: string): boolean => name.startsWith('_');

export class StatsQueryError extends Error {
  override name = 'StatsQueryError';
}

/**
 * How a refusal names a field: `from` for `/v1/stats?from=`, `--from` for `prealert stats --from`. A 医保办 who typed
 * `--from 2026-12` must find the option in the message as typed, and be shown the form that works where they are.
 */
export type StatsQueryForm = 'http' | 'cli';

const YEAR_MONTH = /^(\d{4})-(\d{2})$/;

/** The range of one month, written as the query is given: a month typed where a day belongs is the usual slip. */
function monthHint(value: string, form: StatsQueryForm): string {
  const month = YEAR_MONTH.exec(value);
  if (month === null || Number(month[2]) < 1 || Number(month[2]) > 12) return '';
  const first = `${value}-01`;
  // Day 0 of the next month is this month's last day.
  const last = new Date(Date.UTC(Number(month[1]), Number(month[2]), 0)).toISOString().slice(0, 10);
  return form === 'cli'
    ? `; a month is its first and last day: --from ${first} --to ${last}`
    : `; a month is its first and last day: from=${first}&to=${last}`;
}

/**
 * Reads from/to/by with the defaults (the last 30 days up to today, Asia/Shanghai, by day) and the optional
 * rule/dept/doctor filter (dept and doctor trimmed, as they are stored).
 */
export function parseStatsQuery(
  query: StatsQuery,
  now = Date.now(),
  form: StatsQueryForm = 'http',
): { from: string; to: string; by: StatsDimension; filter: StatsFilter } {
  const field = (name: string): string => (form === 'cli' ? `--${name}` : name);
  const unknown = Object.keys(query).filter(
    (name) => !isCacheBuster(name) && !(QUERY_FIELDS as readonly string[]).includes(name),
  );
  // A misspelt filter (`department=A03`, `doctor_code=D001`) was dropped in silence: the report then counted every
  // department, under a heading the 医保办 took for one. The CLI's options parser refuses its own unknown ones.
  if (unknown.length > 0)
    throw new StatsQueryError(
      `unknown ${unknown.length === 1 ? 'field' : 'fields'} ${unknown.map((name) => `"${name}"`).join(', ')}: ` +
        `the figures take ${QUERY_FIELDS.join(', ')}`,
    );
  const to = query.to ?? shanghaiDay(now);
  if (!isDay(to))
    throw new StatsQueryError(`${field('to')} must be a date yyyy-MM-dd (got "${to}")${monthHint(to, form)}`);
  const from = query.from ?? addDays(to, -29);
  if (!isDay(from))
    throw new StatsQueryError(`${field('from')} must be a date yyyy-MM-dd (got "${from}")${monthHint(from, form)}`);
  if (from > to) throw new StatsQueryError(`${field('from')} (${from}) is after ${field('to')} (${to})`);
  const by = (query.by ?? 'day') as StatsDimension;
  if (!STATS_DIMENSIONS.includes(by))
    throw new StatsQueryError(`${field('by')} must be one of ${STATS_DIMENSIONS.join(', ')} (got "${by}")`);
  const filter: StatsFilter = {};
  for (const name of ['rule', 'dept', 'doctor'] as const) {
    const given = query[name];
    if (given === undefined) continue;
    if (typeof given !== 'string')
      throw new StatsQueryError(`${field(name)} must be one code of at most 64 characters`);
    // Department and doctor codes are stored trimmed (store/staff-fields.ts): `D001 ` copied from a fixed-width
    // HIS column must find them, not only the rows stored padded before that. Rule ids are the library's own.
    const value = name === 'rule' ? given : given.trim();
    // Blank is not "too long": say what to do instead, as leaving the filter out is what gives everyone's figures.
    if (value === '')
      throw new StatsQueryError(
        `${field(name)} is blank: give one code, or leave ${field(name)} out to count them all`,
      );
    if (value.length > 64) throw new StatsQueryError(`${field(name)} must be one code of at most 64 characters`);
    filter[name] = value;
  }
  return { from, to, by, filter };
}
