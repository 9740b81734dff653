import fs from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { OWNER_ONLY_DIR, OWNER_ONLY_FILE, restrictToOwnerAsync } from './owner-only';
import { shanghaiDay } from './stats/days';

export type LogDestination = ReturnType<typeof pino.destination>;

export interface RollingFileOptions {
  /** The configured log.file; the files written are named after it with the day and a number (see below). */
  file: string;
  /** A file is rolled over once it reaches this size (and when a line of the next China day comes). */
  maxFileBytes: number;
  /** Rolled-over files kept beside the one being written. */
  keepFiles: number;
  /** sonic-boom's buffering, as for the stdout destination (logging.ts). */
  minLength: number;
  periodicFlush: number;
  /** Epoch ms now; the clock the day in the file names is read from (tests move it past midnight). */
  now?: () => number;
}

/**
 * A sonic-boom destination written as `<name>.<day>.<n>.<extension>`, whose day is the Asia/Shanghai day (as every
 * day in prealert, stats/days.ts) of the lines it holds: the day is read at each write, and the first line of a new
 * day opens that day's file .1. A file is also rolled over at maxFileBytes (.2, .3, … of the same day). All but the
 * newest keepFiles rolled-over files are deleted at each roll-over and once at the start (sweepRolledFiles), also
 * those of earlier runs: a workstation switched off every evening never runs at midnight.
 *
 * pino-roll did this before, from a timer set for the process's local midnight: a timer that fired late (a machine
 * asleep over midnight, a clock put right) or a machine not set to China time named files for the wrong day. A new
 * file is opened rather than the one in use renamed, which on Windows fails while an editor or a virus scanner holds
 * it open.
 */
export async function openRollingFile(options: RollingFileOptions): Promise<LogDestination> {
  const now = options.now ?? Date.now;
  // Created here, owner-only, rather than by sonic-boom's mkdir (0755); a folder that exists is left as it is.
  await fs.mkdir(path.dirname(options.file), { recursive: true, mode: OWNER_ONLY_DIR });
  const naming = rolledFileNaming(options.file);
  let day = shanghaiDay(now());
  let dayEnds = nextShanghaiMidnight(now());
  // A restart the same day goes on with the day's last file, as long as it has room.
  let number = Math.max(1, ...(await rolledFiles(options.file)).filter((f) => f.day === day).map((f) => f.number));
  let fileName = naming.name(day, number);
  let size = await fs.stat(fileName).then(
    (s) => s.size,
    () => 0,
  );
  if (size >= options.maxFileBytes) {
    fileName = naming.name(day, ++number);
    size = 0;
  }
  const destination = pino.destination({
    dest: fileName,
    append: true,
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

  /**
   * Lines of a new day written while the previous day's last block goes out: held, so that they land in their
   * day's file rather than at the end of the previous one (sonic-boom writes its whole buffer to the file it has open).
   */
  let held: string[] | undefined;
  /** The file sonic-boom has open (or is opening): fileName, unless a roll-over waits for the last block to go out. */
  let writingTo = fileName;
  let closed = false;
  destination.once('close', () => {
    closed = true;
  });
  const write = destination.write.bind(destination);
  // A flush asked for while lines are held (a logger.flush, flushLog at shutdown) is done once they are written.
  let flushesAfterHeld: (() => void)[] = [];
  const flush = destination.flush.bind(destination);
  destination.flush = (cb?: (error?: Error) => void): void => {
    if (held === undefined) flush(cb);
    else flushesAfterHeld.push(() => flush(cb));
  };
  /** Opens fileName once what was written before is out, then writes what was held for it. */
  const rollOver = (): void => {
    const next = fileName;
    flush((error) => {
      if (error !== undefined && error !== null) destination.emit('error', error);
      else if (!closed) {
        // Swept once the new file exists (sonic-boom opens it asynchronously): else it is not counted, and one file
        // too many is kept.
        destination.once('ready', () => void sweepRolledFiles(options.file, options.keepFiles + 1));
        try {
          destination.reopen(next);
          writingTo = next;
        } catch (reopenError) {
          destination.emit('error', reopenError);
        }
      }
      if (next !== fileName) return; // a later roll-over is on its way, and its lines with it
      const lines = held ?? [];
      held = undefined;
      for (const line of lines) if (!closed) write(line);
      const flushes = flushesAfterHeld;
      flushesAfterHeld = [];
      for (const after of flushes) after();
    });
  };
  // Shutdown (flushLog) cannot wait for the next day's file to open: held lines go to the file in use rather than
  // being lost.
  const flushSync = destination.flushSync.bind(destination);
  destination.flushSync = (): void => {
    const lines = held ?? [];
    held = undefined;
    for (const line of lines) write(line);
    flushSync();
  };
  destination.write = (data: string): boolean => {
    const at = now();
    if (at >= dayEnds) {
      day = shanghaiDay(at);
      dayEnds = nextShanghaiMidnight(at);
      number = 1;
      fileName = naming.name(day, number);
      size = 0;
      held ??= [];
      rollOver();
    }
    if (held !== undefined) {
      held.push(data);
      return true;
    }
    return write(data);
  };
  destination.on('write', (written: number) => {
    // Bytes still going to the file being left are not the next one's.
    if (writingTo !== fileName) return;
    size += written;
    if (size < options.maxFileBytes) return;
    size = 0;
    fileName = naming.name(day, ++number);
    rollOver();
  });
  return destination;
}

const SHANGHAI_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;

/** The epoch ms at which the Asia/Shanghai day after `epochMs`'s begins (China keeps UTC+8 all year). */
function nextShanghaiMidnight(epochMs: number): number {
  return Math.floor((epochMs + SHANGHAI_OFFSET_MS) / DAY_MS + 1) * DAY_MS - SHANGHAI_OFFSET_MS;
}

/**
 * Deletes all but the newest `keep` of the files written for `file` (by day, then number), and returns the names
 * deleted. A file that cannot be deleted (open in another program on Windows) is left for the next time.
 */
export async function sweepRolledFiles(file: string, keep: number): Promise<string[]> {
  const dir = path.dirname(file);
  const rolled = await rolledFiles(file);
  // Files an earlier prealert created readable by all are made owner-only, as new ones are created; so is the single
  // log.file an earlier build wrote itself (request lines, task_ids), which is kept as it is, never swept: it is not
  // one of the rolled files keepFiles counts, and it holds the only record of that build's runs.
  await Promise.all([file, ...rolled.map((f) => path.join(dir, f.name))].map((f) => restrictToOwnerAsync(f)));
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

interface RolledFile {
  name: string;
  day: string;
  number: number;
}

/** The files written for `file` in its folder, oldest first (by day, then number); none when it cannot be read. */
async function rolledFiles(file: string): Promise<RolledFile[]> {
  const { pattern } = rolledFileNaming(file);
  let names: string[];
  try {
    names = await fs.readdir(path.dirname(file));
  } catch {
    return [];
  }
  return names
    .map((name) => ({ name, match: pattern.exec(name) }))
    .filter((f): f is { name: string; match: RegExpExecArray } => f.match !== null)
    .map(({ name, match }) => ({ name, day: match[1]!, number: Number(match[2]) }))
    .sort((a, b) => (a.day === b.day ? a.number - b.number : a.day < b.day ? -1 : 1));
}

/**
 * How `file`'s files are named: its name without the last extension, the day, a number, and that extension ("log"
 * when the name has none; none when it is a single character), as pino-roll named them before, so that the files
 * of earlier prealerts are found, continued and swept.
 */
function rolledFileNaming(file: string): { name: (day: string, n: number) => string; pattern: RegExp } {
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
  return {
    name: (day, n) => path.join(path.dirname(file), `${base}.${day}.${n}${extension === '' ? '' : `.${extension}`}`),
    pattern: new RegExp(`^${escapeRegExp(base)}\\.(\\d{4}-\\d{2}-\\d{2})\\.(\\d+)${tail}$`),
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
