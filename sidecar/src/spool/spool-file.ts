/**
 * One file of the native shim's 3103 spool (native-shim/src/spool.c): an ASCII head, a blank line, then the
 * request body exactly as the shim would have sent it, in the charset the head names.
 *
 *   prealert-spool 1
 *   infno: 3103
 *   charset: utf-16le
 *   time_ms: 1763891234567
 *   length: 123
 *
 *   <body>
 */
export interface SpooledRequest {
  infno: string;
  charset: string;
  /** When the shim failed open: the decision's time, not the replay's. */
  spooledAt: Date;
  body: Buffer;
}

export const SPOOL_FILE_SUFFIX = '.req';
export const SPOOL_TEMP_SUFFIX = '.tmp';

const MAGIC = 'prealert-spool 1';
const HEAD_LIMIT = 1024;

export class SpoolFileError extends Error {
  override name = 'SpoolFileError';
}

/** Parses a spool file; throws SpoolFileError naming what is wrong with it. */
export function parseSpoolFile(bytes: Buffer): SpooledRequest {
  const end = bytes.subarray(0, HEAD_LIMIT).indexOf('\n\n');
  if (end < 0) throw new SpoolFileError('no head: the file does not start with a spool head and a blank line');
  const lines = bytes.subarray(0, end).toString('latin1').split('\n');
  if (lines[0] !== MAGIC) throw new SpoolFileError(`first line is not "${MAGIC}"`);
  const fields = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new SpoolFileError(`head line "${line.slice(0, 40)}" is not "name: value"`);
    fields.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const infno = fields.get('infno') ?? '';
  if (!/^[0-9A-Za-z]{1,8}$/.test(infno)) throw new SpoolFileError(`infno "${infno}" is not 1-8 letters or digits`);
  const charset = fields.get('charset') ?? '';
  if (charset === '') throw new SpoolFileError('charset is missing');
  const time = Number(fields.get('time_ms'));
  if (!Number.isSafeInteger(time) || time <= 0) throw new SpoolFileError('time_ms is not a positive integer');
  const length = Number(fields.get('length'));
  const body = bytes.subarray(end + 2);
  if (!Number.isSafeInteger(length) || length !== body.length) {
    throw new SpoolFileError(
      `length ${fields.get('length') ?? '(missing)'} does not match the ${body.length} body bytes`,
    );
  }
  return { infno, charset, spooledAt: new Date(time), body };
}
