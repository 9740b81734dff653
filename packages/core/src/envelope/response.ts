import type { ResponseEnvelope } from './national-types';

export interface ResponseOptions {
  receivedAt: Date;
  /** 接收方医保区划 (6 digits) that prefixes inf_refmsgid. */
  admdvs?: string;
  /** 流水号; callers pass a counter so ids are unique within a process. */
  serial?: number;
  respondedAt?: Date;
}

/** yyyyMMddHHmmssSSS in Shanghai time, as refmsg_time / respond_time are written. */
export function compactTimestamp(at: Date, withMillis = true): string {
  const d = new Date(at.getTime() + 8 * 3600 * 1000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const base = `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
  return withMillis ? `${base}${p(d.getUTCMilliseconds(), 3)}` : base;
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
  return { infcode: -1, ...header(opts), err_msg: message, output: {} };
}
