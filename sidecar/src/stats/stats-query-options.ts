import type { Command } from 'commander';
import { parseStatsQuery, type StatsQuery } from './stats-query';

/*
 * What `prealert stats` and `prealert fleet stats` both take: the range, the dimension, the filters and the format.
 * One declaration, so a 医保办 who learnt one command's options finds the same words, defaults and refusals in the
 * other, and a change to one cannot leave the other behind.
 */

/** The options as commander hands them to the action, under their option names: the query's, and the format. */
export interface StatsQueryOptions extends StatsQuery {
  format: string;
}

export type StatsFormat = 'table' | 'csv' | 'json';

const FORMATS: readonly StatsFormat[] = ['table', 'csv', 'json'];

/** The resolved query: the range with its defaults filled in, the dimension and the filter. */
export type ResolvedStatsQuery = ReturnType<typeof parseStatsQuery>;

/** Declares --from, --to, --by, --rule, --dept, --doctor and --format on the command, in the order --help lists them. */
export function addStatsQueryOptions(command: Command): Command {
  return command
    .option('--from <yyyy-MM-dd>', 'first day (default: 29 days before --to)')
    .option('--to <yyyy-MM-dd>', 'last day (default: today, Asia/Shanghai)')
    .option('--by <dimension>', 'day | week | month | quarter | rule | dept | doctor (weeks ISO, Monday first)', 'day')
    .option('--rule <rule_id>', 'only this rule')
    .option('--dept <code>', 'only this department')
    .option('--doctor <code>', 'only this doctor')
    .option('--format <format>', 'table | csv | json', 'table');
}

function isStatsFormat(format: string): format is StatsFormat {
  return (FORMATS as readonly string[]).includes(format);
}

/** The --format given, or an Error naming the option and what was typed. */
export function statsFormat(format: string): StatsFormat {
  if (!isStatsFormat(format)) throw new Error(`--format must be table, csv or json (got "${format}")`);
  return format;
}

/**
 * The query the options ask for, the range resolved (so every host of a fleet counts the same days), or a
 * StatsQueryError naming the option as typed (`--from`), before anything is opened or called.
 */
export function statsQueryFromOptions(options: StatsQueryOptions, now: number = Date.now()): ResolvedStatsQuery {
  return parseStatsQuery(
    {
      from: options.from,
      to: options.to,
      by: options.by,
      rule: options.rule,
      dept: options.dept,
      doctor: options.doctor,
    },
    now,
    'cli',
  );
}
