import pino, { type Logger } from 'pino';
import type { LogLevel } from './config';

export type { Logger } from 'pino';

/** National and common HIS field names that carry a patient's name or an identity number. */
export const PATIENT_FIELDS: ReadonlySet<string> = new Set([
  'patn_id',
  'patn_name',
  'psn_no',
  'psn_name',
  'certno',
  'psn_cert_no',
  'idcard',
  'id_card',
  'mdtrt_cert_no',
]);

const CENSOR = '[redacted]';

/**
 * Replaces patient fields at any depth, so a log call that passes a request fragment (or a whole envelope by
 * mistake) never prints them. Copies only what it changes.
 */
export function redactPatientFields(value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null || depth > 12 || value instanceof Error) return value;
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
}

export interface Loggers {
  /** For everything: patient fields are redacted. */
  logger: Logger;
  /**
   * For the one line per request only, whose fields are fixed (route, status, task id, timing) and can never
   * hold patient data; it skips the redaction pass, which would otherwise run on every request.
   */
  requestLogger: Logger;
}

export function createLoggers(options: LoggingOptions): Loggers {
  // Asynchronous writes keep logging off the request path; the destination is flushed on shutdown.
  const destination = pino.destination({ dest: options.file ?? 1, sync: false, mkdir: options.file !== undefined });
  const common = { level: options.level, base: { name: 'prealert' }, timestamp: pino.stdTimeFunctions.isoTime };
  return {
    logger: pino(
      { ...common, formatters: { log: (object) => redactPatientFields(object) as Record<string, unknown> } },
      destination,
    ),
    requestLogger: pino(common, destination),
  };
}

export function createLogger(options: LoggingOptions): Logger {
  return createLoggers(options).logger;
}
