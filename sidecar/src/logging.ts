import pino, { type Logger } from 'pino';
import { DEFAULT_LOG_FILE_BYTES, DEFAULT_LOG_KEEP_FILES, type LogLevel } from './config';
import { maskIdNumbers } from './id-numbers';
import type { LogDestination } from './log-rotation';
import { OWNER_ONLY_FILE } from './owner-only';
import { maskPhoneNumbers } from './phone-numbers';

export type { Logger } from 'pino';
export { maskIdNumbers } from './id-numbers';

/** National and common HIS field names that carry a patient's name or an identity number. */
export const PATIENT_FIELDS: ReadonlySet<string> = new Set([
  'patn_id',
  'patn_name',
  'psn_no',
  'psn_name',
  'patient_name',
  'certno',
  'psn_cert_no',
  'idcard',
  'id_card',
  'mdtrt_cert_no',
]);

const CENSOR = '[redacted]';

/**
 * `text` with identity numbers masked, then cut to `max` characters: cut first, an 18-digit number could be left
 * as 17 digits, which no longer look like one and stay in clear.
 */
export function maskedAndCut(text: string, max: number): string {
  const masked = maskIdNumbers(text);
  return masked.length > max ? `${masked.slice(0, max)}…` : masked;
}

/**
 * What an error message quotes of the request: a value as quoteValue writes it (a JSON string, "…" when cut) and a
 * date (出生日期 … 晚于请求日期 …). The HIS sent them and is told them; a log line names the field and what was
 * expected only, as a value where the HIS mapped the wrong column may be the patient's name.
 */
const QUOTED_VALUE = /"(?:[^"\\]|\\.)*"…?|\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?/g;

/** An error message for a log line: the values it quotes dropped, identity and phone numbers masked, at most `max` long. */
export function errorForLog(message: string, max = 200): string {
  return maskedAndCut(maskPhoneNumbers(message.replace(QUOTED_VALUE, '[值略]')), max);
}

/**
 * A text for a log line: ID numbers masked, and phone numbers, which a doctor's 3103 reason may hold (「已电话联系家属
 * 13812345678」) and a gateway's message about that reason may quote back. Also for the request line's task id
 * (plugins/request-log.ts), which skips the redaction pass.
 */
export function maskedForLog(text: string): string {
  return maskPhoneNumbers(maskIdNumbers(text));
}

/**
 * Replaces patient fields at any depth, so a log call that passes a request fragment (or a whole envelope by
 * mistake) never prints them, and masks identity and phone numbers inside text and error messages (a gateway's
 * err_msg may quote one). A name inside free text cannot be recognised; the log holds no request text besides such
 * gateway messages. Copies only what it changes.
 */
export function redactPatientFields(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskedForLog(value);
  if (value instanceof Error) {
    const message = maskedForLog(value.message);
    const stack = value.stack === undefined ? undefined : maskedForLog(value.stack);
    if (message === value.message && stack === value.stack) return value;
    return { type: value.name, message, stack, code: (value as { code?: unknown }).code };
  }
  if (typeof value !== 'object' || value === null || depth > 12) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const redacted = redactPatientFields(item, depth + 1);
      if (redacted === item) return;
      copy ??= value.slice();
      copy[i] = redacted;
    });
    return copy ?? value;
  }
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const redacted = PATIENT_FIELDS.has(key) ? CENSOR : redactPatientFields(item, depth + 1);
    if (redacted === item) continue;
    copy ??= { ...(value as Record<string, unknown>) };
    copy[key] = redacted;
  }
  return copy ?? value;
}

export interface LoggingOptions {
  level: LogLevel;
  /** Append to this file instead of stdout. */
  file?: string;
  /** openLoggers: the file is rolled over at this size (and daily); default DEFAULT_LOG_FILE_BYTES. */
  maxFileBytes?: number;
  /** openLoggers: rolled-over files kept beside the one being written; default DEFAULT_LOG_KEEP_FILES. */
  keepFiles?: number;
}

export interface Loggers {
  /** For everything: patient fields are redacted. */
  logger: Logger;
  /**
   * For the one line per request only, whose fields are fixed (route, status, task id, timing); it skips the
   * redaction pass, which would otherwise run on every request. Its texts from the request (task id, infno,
   * err_msg) are made fit for the log where the line is built (plugins/request-log.ts, errorForLog).
   */
  requestLogger: Logger;
}

const LOG_WRITE_BYTES = 4096;
const LOG_FLUSH_MS = 500;

/**
 * Loggers writing to stdout, or appending to `file` as it is, never rolled over: for tools and tests. The sidecar
 * opens its loggers with openLoggers.
 */
export function createLoggers(options: LoggingOptions): Loggers {
  // Asynchronous writes keep logging off the request path; the destination is flushed on shutdown. Lines are
  // written 4 kB at a time (a write call per request line cost the request thread more than building the line), and
  // at least every half second, so a quiet workstation's log is never more than that behind.
  const destination = pino.destination({
    dest: options.file ?? 1,
    sync: false,
    mkdir: options.file !== undefined,
    mode: OWNER_ONLY_FILE,
    minLength: LOG_WRITE_BYTES,
    periodicFlush: LOG_FLUSH_MS,
  });
  return loggersOver(options.level, destination);
}

/**
 * The sidecar's loggers: stdout, or with `file` a file rolled over every day and at maxFileBytes, of which the
 * newest keepFiles rolled-over ones are kept (log-rotation.ts), written in the same blocks as createLoggers'.
 */
export async function openLoggers(options: LoggingOptions): Promise<Loggers> {
  if (options.file === undefined) return createLoggers(options);
  // Loaded only for a log file: stdout logging, the CLI and the worker threads (they import this module for its
  // redaction) need not load it.
  const { openRollingFile } = await import('./log-rotation');
  const destination = await openRollingFile({
    file: options.file,
    maxFileBytes: options.maxFileBytes ?? DEFAULT_LOG_FILE_BYTES,
    keepFiles: options.keepFiles ?? DEFAULT_LOG_KEEP_FILES,
    minLength: LOG_WRITE_BYTES,
    periodicFlush: LOG_FLUSH_MS,
  });
  return loggersOver(options.level, destination);
}

/** Both loggers over one destination, so their lines share its blocks and its order. */
function loggersOver(level: LogLevel, destination: LogDestination): Loggers {
  const common = { level, base: { name: 'prealert' }, timestamp: pino.stdTimeFunctions.isoTime };
  return {
    logger: pino(
      { ...common, formatters: { log: (object) => redactPatientFields(object) as Record<string, unknown> } },
      destination,
    ),
    requestLogger: pino(common, destination),
  };
}

/** The parts of a sonic-boom destination (pino.destination, log-rotation.ts) that flushLog uses. */
interface BufferedDestination {
  flush(cb: (error?: Error) => void): void;
  flushSync(): void;
  destroyed?: boolean;
  fd: number;
  /** sonic-boom's: an asynchronous write of a block is in flight. */
  _writing?: boolean;
  once(event: 'ready' | 'error', listener: () => void): unknown;
}

function bufferedDestination(stream: unknown): BufferedDestination | undefined {
  const s = stream as Partial<BufferedDestination> | null;
  return s && typeof s.flush === 'function' && typeof s.flushSync === 'function' && typeof s.fd === 'number'
    ? (s as BufferedDestination)
    : undefined;
}

/**
 * Resolves once every line `logger` has taken is written to its destination: for the last lines before the process
 * exits. `logger.flush(cb)` is not enough: sonic-boom calls back at the next 'drain', and when a block write is in
 * flight that comes as soon as that block is out, with the lines logged after it still in the buffer (below the
 * block size), so they were lost at exit. Here the flush waits for the write in flight, then, with none in flight,
 * writes what is left synchronously (flushSync: never while a write is in flight, which would reorder lines). Only
 * for shutdown: during normal operation the writes stay asynchronous, off the request path.
 */
export async function flushLog(logger: Logger): Promise<void> {
  const destination = bufferedDestination((logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym]);
  if (!destination) {
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
    return;
  }
  if (destination.destroyed) return;
  if (destination.fd < 0) {
    // Still opening: its first write waits for the file; a file that cannot be opened has nothing to flush.
    const opened = await new Promise<boolean>((resolve) => {
      destination.once('ready', () => resolve(true));
      destination.once('error', () => resolve(false));
    });
    if (!opened) return;
  }
  // A periodic flush may start another block write between the drain and this callback: wait for that one too.
  for (let attempt = 0; attempt < 100; attempt++) {
    const error = await new Promise<Error | undefined>((resolve) => destination.flush((e) => resolve(e ?? undefined)));
    if (destination.destroyed) return;
    if (error !== undefined && destination._writing) return; // the file failed (disk full): nothing more to do
    if (destination._writing) continue;
    try {
      destination.flushSync();
    } catch {
      // The file cannot be written (told on stderr by the destination's error listener): nothing more to do.
    }
    return;
  }
}

export function createLogger(options: LoggingOptions): Logger {
  return createLoggers(options).logger;
}
