import { cutToChars } from '../evaluate/national-text-length';
import { ERR_MSG_CHARS } from './error-list';
import type { ResponseEnvelope } from './national-types';

export interface ResponseOptions {
  receivedAt: Date;
  /** 接收方医保区划 (6 digits) that prefixes inf_refmsgid. */
  admdvs?: string;
  /** 流水号; callers pass a counter so ids are unique within a process. */
  serial?: number;
  respondedAt?: Date;
}

const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

// Every answer writes three timestamps, and the answers of one second share their first fourteen digits: the
// digits of the last second formatted are kept.
let lastSecond = Number.NaN;
let lastSecondText = '';

/** yyyyMMddHHmmss of the second that starts at `second` × 1000 ms since the epoch, in Shanghai time. */
function secondText(second: number): string {
  if (second !== lastSecond) {
    const d = new Date(second * 1000 + SHANGHAI_OFFSET_MS);
    lastSecondText = `${d.getUTCFullYear()}${pad2(d.getUTCMonth() + 1)}${pad2(d.getUTCDate())}${pad2(d.getUTCHours())}${pad2(d.getUTCMinutes())}${pad2(d.getUTCSeconds())}`;
    lastSecond = second;
  }
  return lastSecondText;
}

/** yyyyMMddHHmmssSSS in Shanghai time, as refmsg_time / respond_time are written. */
export function compactTimestamp(at: Date, withMillis = true): string {
  const ms = at.getTime();
  const second = Math.floor(ms / 1000);
  const base = secondText(second);
  if (!withMillis) return base;
  const milli = ms - second * 1000;
  return `${base}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}`;
}

function header(opts: ResponseOptions) {
  const respondedAt = opts.respondedAt ?? new Date();
  const admdvs = (opts.admdvs ?? '000000').padEnd(6, '0').slice(0, 6);
  const serial = String((opts.serial ?? 0) % 1e10).padStart(10, '0');
  return {
    inf_refmsgid: `${admdvs}${compactTimestamp(opts.receivedAt, false)}${serial}`,
    refmsg_time: compactTimestamp(opts.receivedAt),
    respond_time: compactTimestamp(respondedAt),
  };
}

export function successEnvelope<T>(output: T, opts: ResponseOptions): ResponseEnvelope<T> {
  return { infcode: 0, ...header(opts), err_msg: '', output };
}

export function errorEnvelope(message: string, opts: ResponseOptions): ResponseEnvelope<Record<string, never>> {
  // Every failure's text passes here: whatever its producer, err_msg stays within the contract's 字符 200.
  return { infcode: -1, ...header(opts), err_msg: cutToChars(message, ERR_MSG_CHARS), output: {} };
}
