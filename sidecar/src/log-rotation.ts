import fs from 'node:fs/promises';
import path from 'node:path';
import type pino from 'pino';
import pinoRoll from 'pino-roll';
import { OWNER_ONLY_DIR, OWNER_ONLY_FILE, restrictToOwnerAsync } from './owner-only';

export type LogDestination = ReturnType<typeof pino.destination>;

export interface RollingFileOptions {
  /** The configured log.file; the files written are named after it with the date and a number (see below). */
  file: string;
  /** A file is rolled over once it reaches this size (it is also rolled over at local midnight). */
  maxFileBytes: number;
  /** Rolled-over files kept beside the one being written. */
  keepFiles: number;
  /** sonic-boom's buffering, as for the stdout destination (logging.ts). */
  minLength: number;
  periodicFlush: number;
}

/** The date in the file names: prealert.log is written as prealert.2026-05-01.1.log, .2.log, … */
const DATE_FORMAT = 'yyyy-MM-dd';

/**
 * A sonic-boom destination that pino-roll rolls over every day and at maxFileBytes, deleting all but the newest
 * keepFiles rolled-over files (also those of earlier runs: removeOtherLogFiles). pino-roll opens a new file rather
 * than renaming the one in use, which on Windows fails while an editor or a virus scanner holds it open.
 *
 * pino-roll deletes old files only when it rolls over. A workstation switched off every evening never runs at
 * midnight, and under the size limit it would never roll over: each day would add a file for good. So the same
 * files are also swept once the first one is open (sweepRolledFiles).
 */
export async function openRollingFile(options: RollingFileOptions): Promise<LogDestination> {
  // Created here, owner-only, rather than by sonic-boom's mkdir (0755); a folder that exists is left as it is.
  await fs.mkdir(path.dirname(options.file), { recursive: true, mode: OWNER_ONLY_DIR });
  const destination = await pinoRoll({
    file: options.file,
    size: `${options.maxFileBytes}b`,
    frequency: 'daily',
    dateFormat: DATE_FORMAT,
    limit: { count: options.keepFiles, removeOtherLogFiles: true },
    mkdir: true,
    mode: OWNER_ONLY_FILE,
    sync: false,
    minLength: options.minLength,
    periodicFlush: options.periodicFlush,
  });
  // A file that cannot be opened or rolled over (disk full, folder removed) must not end the sidecar, as an
  // 'error' event without a listener would: it is told on stderr, where a service manager keeps it.
  let errorsTold = 0;
  destination.on('error', (error: unknown) => {
    if (errorsTold++ < 10) process.stderr.write(`prealert: log file ${options.file}: ${String(error)}\n`);
  });
  destination.once('ready', () => void sweepRolledFiles(options.file, options.keepFiles + 1));
  return destination;
}

/**
 * Deletes all but the newest `keep` of the files pino-roll writes for `file` (by date, then number), and returns
 * the names deleted. A file that cannot be deleted (open in another program on Windows) is left for the next time.
 */
export async function sweepRolledFiles(file: string, keep: number): Promise<string[]> {
  const dir = path.dirname(file);
  const pattern = rolledFilePattern(file);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const rolled = names
    .map((name) => ({ name, match: pattern.exec(name) }))
    .filter((f): f is { name: string; match: RegExpExecArray } => f.match !== null)
    .map(({ name, match }) => ({ name, day: match[1]!, number: Number(match[2]) }))
    .sort((a, b) => (a.day === b.day ? a.number - b.number : a.day < b.day ? -1 : 1));
  // Files an earlier prealert created readable by all are made owner-only, as new ones are created.
  await Promise.all(rolled.map((f) => restrictToOwnerAsync(path.join(dir, f.name))));
  const deleted: string[] = [];
  for (const old of rolled.slice(0, Math.max(0, rolled.length - keep))) {
    try {
      await fs.unlink(path.join(dir, old.name));
      deleted.push(old.name);
    } catch {
      // Held open elsewhere, or already gone.
    }
  }
  return deleted;
}

/**
 * The names pino-roll gives `file`'s files: its name without the last extension, the date, a number, and that
 * extension ("log" when the name has none; none when it is a single character), as pino-roll's sanitizeFile does.
 */
function rolledFilePattern(file: string): RegExp {
  let base = path.basename(file);
  let extension = 'log';
  const dot = base.lastIndexOf('.');
  if (dot >= 0) {
    const own = base.slice(dot + 1);
    base = base.slice(0, dot);
    if (own.length > 1) extension = own;
    else if (own.length === 1) extension = '';
  }
  const tail = extension === '' ? '' : `\\.${escapeRegExp(extension)}`;
  return new RegExp(`^${escapeRegExp(base)}\\.(\\d{4}-\\d{2}-\\d{2})\\.(\\d+)${tail}$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
