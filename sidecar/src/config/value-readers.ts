/**
 * One reader per kind of value, shared by the config file and the environment: each checks a value and throws a
 * ConfigError naming the setting it came from (`name`), so a bad value is refused alike wherever it was written.
 */
import { wholeNumber } from '../whole-number';
import { ConfigError } from './config-error';
import { LOG_LEVELS, type LogLevel } from './config-types';
import { MIN_RETENTION_DAYS, SPEC_OUTPUT_CHARS } from './defaults';

export function onOff(value: unknown, name: string): boolean {
  if (value === true || value === 'on' || value === '1' || value === 'true') return true;
  if (value === false || value === 'off' || value === '0' || value === 'false') return false;
  throw new ConfigError(`${name} must be on or off (true/false, 1/0), not ${JSON.stringify(value)}`);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
export function record(value: unknown, name: string): Record<string, unknown> {
  if (!isRecord(value)) throw new ConfigError(`${name} must be an object`);
  return value;
}
export function str(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new ConfigError(`${name} must be a non-empty string`);
  return value;
}
export function strings(value: unknown, name: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new ConfigError(`${name} must be an array of strings`);
  }
  return value as string[];
}
export function positiveInt(value: unknown, name: string): number {
  const n = wholeNumber(value);
  if (n === undefined || n <= 0) throw new ConfigError(`${name} must be a positive integer`);
  return n;
}
/** A log file rolled over at a few kB would leave only minutes of history in keepFiles files. */
const MIN_LOG_FILE_BYTES = 64 * 1024;
/** A log file of a terabyte is no limit anyway; a larger number (1e21 and up) would be written with an exponent. */
const MAX_LOG_FILE_BYTES = 2 ** 40;
export function logFileBytes(value: unknown, name: string): number {
  const n = wholeNumber(value);
  if (n === undefined || n < MIN_LOG_FILE_BYTES || n > MAX_LOG_FILE_BYTES) {
    throw new ConfigError(
      `${name} must be an integer from ${MIN_LOG_FILE_BYTES} to ${MAX_LOG_FILE_BYTES} (got ${JSON.stringify(value)})`,
    );
  }
  return n;
}
/**
 * The log file's path, resolved against the config file's folder: none of < > " | ? * or NUL, and no ":" but a
 * drive letter's, which Windows refuses in a file name. Refused here, the error names the field instead of the
 * sidecar failing to open its log at start.
 */
export function logFile(resolved: string, name: string): string {
  const checked = resolved.replace(/^[A-Za-z]:/, '');
  if (/[<>"|?*\0:]/.test(checked)) {
    throw new ConfigError(
      `${name} must not hold < > " | ? * : or NUL (but a drive letter's ":"): the log rotation refuses such a path (got ${JSON.stringify(resolved)})`,
    );
  }
  return resolved;
}
export function outputMaxChars(value: unknown, name: string): number {
  const n = wholeNumber(value);
  if (n === undefined || (n !== 0 && n < SPEC_OUTPUT_CHARS)) {
    throw new ConfigError(
      `${name} must be 0 (no bound) or a whole number of characters of at least ${SPEC_OUTPUT_CHARS} (got ${JSON.stringify(value)})`,
    );
  }
  return n;
}
export function retentionDays(value: unknown, name: string): number {
  const n = wholeNumber(value);
  if (n === undefined || (n !== 0 && n < MIN_RETENTION_DAYS)) {
    throw new ConfigError(
      `${name} must be 0 (keep for ever) or a whole number of days of at least ${MIN_RETENTION_DAYS} (got ${JSON.stringify(value)})`,
    );
  }
  return n;
}
export function checkPort(
  value: unknown,
  name: string,
  read: (value: string) => number | undefined = wholeNumber,
): number {
  const n = typeof value === 'string' ? read(value) : wholeNumber(value);
  if (n === undefined || n < 0 || n > 65535) {
    throw new ConfigError(`${name} must be an integer from 0 to 65535 (got ${JSON.stringify(value)})`);
  }
  return n;
}
export function token(value: unknown, name: string): string {
  const t = str(value, name);
  // A short token is guessable by any local process, which is the threat the token exists for.
  if (t.length < 16) throw new ConfigError(`${name} must be at least 16 characters`);
  if (/[\r\n]/.test(t)) throw new ConfigError(`${name} must be a single line`);
  return t;
}
export function logLevel(value: unknown, name: string): LogLevel {
  if (typeof value !== 'string' || !LOG_LEVELS.includes(value as LogLevel)) {
    throw new ConfigError(`${name} must be one of ${LOG_LEVELS.join(', ')}`);
  }
  return value as LogLevel;
}
export function admdvs(value: unknown, name: string): string {
  if (typeof value !== 'string' || !/^\d{6}$/.test(value))
    throw new ConfigError(`${name} must be a 6-digit 医保区划 code`);
  return value;
}
export function httpUrl(value: unknown, name: string): string {
  const s = str(value, name);
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw new ConfigError(`${name} must be an absolute http(s) URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${name} must be an http(s) URL`);
  return s;
}
/**
 * Each an origin exactly as a browser sends it in `Origin` (it is matched as a string), or "*" ("null" is refused on
 * its own: it is not one page's origin). Anything else — a
 * trailing slash, a path, no scheme, an upper-case host, a default port — can never match and would look like a
 * working setting while every call from the station is refused. Origins are no secret: the value is named.
 */
export function origins(values: string[], name: string): string[] {
  for (const value of values) {
    if (value === '*') continue;
    // A file:// page sends "null", but so does every sandboxed iframe on any web site: listing it would let them all in.
    if (value === 'null')
      throw new ConfigError(
        `${name}: "null" is refused: every sandboxed iframe, on any web site, sends Origin null, as a file:// page does; serve the doctor station over http(s) and list that origin`,
      );
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value) continue;
    const suggestion =
      url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:')
        ? `; did you mean "${url.origin}"?`
        : '';
    throw new ConfigError(
      `${name}: ${JSON.stringify(value)} is not an origin: scheme://host[:port] as the browser sends it (no path, no trailing slash), or "*"${suggestion}`,
    );
  }
  return values;
}
export function headers(value: unknown, name: string): Record<string, string> {
  const h = record(value, name);
  for (const [k, v] of Object.entries(h)) {
    if (typeof v !== 'string') throw new ConfigError(`${name}.${k} must be a string`);
  }
  return h as Record<string, string>;
}
