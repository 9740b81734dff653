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

export class StatsQueryError extends Error {
  override name = 'StatsQueryError';
}

/**
 * Reads from/to/by with the defaults (the last 30 days up to today, Asia/Shanghai, by day) and the optional
 * rule/dept/doctor filter (dept and doctor trimmed, as they are stored).
 */
export function parseStatsQuery(
  query: StatsQuery,
  now = Date.now(),
): { from: string; to: string; by: StatsDimension; filter: StatsFilter } {
  const to = query.to ?? shanghaiDay(now);
  if (!isDay(to)) throw new StatsQueryError(`to must be a date yyyy-MM-dd (got "${to}")`);
  const from = query.from ?? addDays(to, -29);
  if (!isDay(from)) throw new StatsQueryError(`from must be a date yyyy-MM-dd (got "${from}")`);
  if (from > to) throw new StatsQueryError(`from (${from}) is after to (${to})`);
  const by = (query.by ?? 'day') as StatsDimension;
  if (!STATS_DIMENSIONS.includes(by))
    throw new StatsQueryError(`by must be one of ${STATS_DIMENSIONS.join(', ')} (got "${by}")`);
  const filter: StatsFilter = {};
  for (const name of ['rule', 'dept', 'doctor'] as const) {
    const given = query[name];
    if (given === undefined) continue;
    if (typeof given !== 'string') throw new StatsQueryError(`${name} must be one code of at most 64 characters`);
    // Department and doctor codes are stored trimmed (store/staff-fields.ts): `D001 ` copied from a fixed-width
    // HIS column must find them, not only the rows stored padded before that. Rule ids are the library's own.
    const value = name === 'rule' ? given : given.trim();
    if (value === '' || value.length > 64)
      throw new StatsQueryError(`${name} must be one code of at most 64 characters`);
    filter[name] = value;
  }
  return { from, to, by, filter };
}
