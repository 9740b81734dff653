import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config';
import { CAUSES } from '../data-dir-access';
import { ComplianceFigures } from '../stats/compliance-figures';
import { figuresCsv } from '../stats/figures-csv';
import { figuresTable } from '../stats/figures-table';
import {
  addStatsQueryOptions,
  type StatsQueryOptions,
  statsFormat,
  statsQueryFromOptions,
} from '../stats/stats-query-options';
import { DATABASE_FILE_NAME, openDatabase } from '../store/database';
import { FiguresWithPrunedDays } from '../store/pruned-figures';

interface StatsOptions extends StatsQueryOptions {
  dataDir?: string;
  config?: string;
}

export function registerStats(program: Command): void {
  const stats = program
    .command('stats')
    .description("compliance figures (提醒人次, 提醒金额, 遵从人次, 遵从金额, 遵从率) from this workstation's records");
  addStatsQueryOptions(stats)
    .option('-d, --data-dir <dir>', 'data directory (default per OS, or PREALERT_DATA_DIR)')
    .option('-c, --config <file>', 'config file')
    .action((options: StatsOptions) => {
      const format = statsFormat(options.format);
      const config = loadConfig({ configFile: options.config, overrides: { dataDir: options.dataDir } });
      const query = statsQueryFromOptions(options);
      // Read-only, so it can run beside a serving sidecar (WAL lets readers and the writer proceed together).
      let db: ReturnType<typeof openDatabase>;
      try {
        db = openDatabase(config.dataDir, { readonly: true });
      } catch (error) {
        throw new Error(openFailure(config.dataDir, error));
      }
      try {
        // Days the records retention pruned are served from their kept figures, as /v1/stats serves them.
        const prunedKept = db
          .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'pruned_figures'")
          .pluck()
          .get();
        const figures = prunedKept ? new FiguresWithPrunedDays(db) : new ComplianceFigures(db);
        const report = figures.report(query.from, query.to, query.by, query.filter);
        if (format === 'json') process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else if (format === 'csv') process.stdout.write(figuresCsv(report));
        else process.stdout.write(`${figuresTable(report)}\n`);
      } finally {
        db.close();
      }
    });
}

/**
 * Why the records database could not be opened, in one line. Run by an account that may not read it (IT or 医保办
 * staff as themselves, on a machine-wide install), it said "no records database": they concluded there were no
 * records. SQLite says only "unable to open database file", so the file is asked directly.
 */
function openFailure(dataDir: string, error: unknown): string {
  const file = path.join(dataDir, DATABASE_FILE_NAME);
  let code: string | undefined;
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch (access) {
    code = (access as NodeJS.ErrnoException).code;
  }
  if (code === 'EACCES' || code === 'EPERM') {
    let who = '';
    try {
      // POSIX only: Windows reports uid 0 for every file.
      if (process.platform !== 'win32') who = ` (uid ${fs.statSync(file).uid}, the file's owner)`;
    } catch {
      // The folder itself is closed to this account (a data dir made 0700 by an earlier prealert).
    }
    const admin = process.platform === 'win32' ? 'an administrator' : 'root';
    return `cannot read ${file}: ${code} (${CAUSES[code]}); run stats as the account prealert runs as${who}, or as ${admin}`;
  }
  // Said alone, this read as "no reminders yet" to 医保办 staff who ran stats without the folder the workstation's
  // sidecar was started with (`--data-dir ~/d`, a machine-wide /var/lib/prealert): it names where to look.
  if (code === 'ENOENT')
    return `no records database in ${dataDir} (${file} does not exist); give the folder the sidecar keeps its records in with --data-dir (its /v1/status names it as where.data_dir)`;
  return `cannot open the records database ${file}: ${(error as Error).message}`;
}
