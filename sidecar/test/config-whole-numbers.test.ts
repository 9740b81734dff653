/**
 * Whole-number settings take plain decimal digits (review-session F7): PREALERT_OUTPUT_MAX_CHARS took 0x9c40, 1e5 and
 * 50000.0 as numbers, and so did PREALERT_PORT, PREALERT_RECORDS_RETENTION_DAYS and every count a config file quotes
 * as a string, as they were all read by Number(). A typo like 4e4, or a hex value, is refused naming the setting, as
 * 40000.5 already was. Digits with spaces around them (a Windows `set X=17311 ` keeps the trailing one) are taken as
 * they always were.
 */

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { tempDataDir } from './helpers/test-server';

/** Written with a number, a sign, a fraction, an exponent or a base: a count nobody writes that way on purpose. */
const NOT_PLAIN_DIGITS = [
  '0x9c40',
  '0X9C40',
  '1e5',
  '4e4',
  '+50000',
  '50000.0',
  '5_0000',
  '50 000',
  '５００００',
  'Infinity',
];

function fromEnv(name: string, value: string) {
  return () => loadConfig({ env: { PREALERT_DATA_DIR: tempDataDir(), [name]: value } });
}

function fromFile(settings: Record<string, unknown>) {
  const dir = tempDataDir();
  fs.writeFileSync(path.join(dir, 'prealert.config.json'), JSON.stringify(settings));
  return () => loadConfig({ env: { PREALERT_DATA_DIR: dir } });
}

describe('PREALERT_OUTPUT_MAX_CHARS', () => {
  it.each(NOT_PLAIN_DIGITS)('refuses %j, naming the variable and what it takes', (value) => {
    expect(fromEnv('PREALERT_OUTPUT_MAX_CHARS', value)).toThrow(
      `PREALERT_OUTPUT_MAX_CHARS must be 0 (no bound) or a whole number of characters of at least 40000 (got ${JSON.stringify(value)})`,
    );
  });

  it('takes plain digits, with spaces around them or leading zeros', () => {
    expect(fromEnv('PREALERT_OUTPUT_MAX_CHARS', '50000')().outputMaxChars).toBe(50_000);
    expect(fromEnv('PREALERT_OUTPUT_MAX_CHARS', ' 50000 ')().outputMaxChars).toBe(50_000);
    expect(fromEnv('PREALERT_OUTPUT_MAX_CHARS', '050000')().outputMaxChars).toBe(50_000);
    expect(fromEnv('PREALERT_OUTPUT_MAX_CHARS', '0')().outputMaxChars).toBe(0);
  });

  it('refuses a quoted 1e5 in the config file too, and takes a JSON number', () => {
    expect(fromFile({ outputMaxChars: '1e5' })).toThrow(
      /prealert\.config\.json: outputMaxChars must be 0 .*\(got "1e5"\)/,
    );
    expect(fromFile({ outputMaxChars: '65536' })().outputMaxChars).toBe(65_536);
    expect(fromFile({ outputMaxChars: 1e5 })().outputMaxChars).toBe(100_000);
  });
});

describe('the other whole-number settings, read by the same parser', () => {
  it.each(NOT_PLAIN_DIGITS.map((v) => v.replace('50000', '17312').replace('9c40', '4000')))(
    'PREALERT_PORT refuses %j',
    (value) => {
      expect(fromEnv('PREALERT_PORT', value)).toThrow(
        `PREALERT_PORT must be an integer from 0 to 65535 (got ${JSON.stringify(value)})`,
      );
    },
  );

  it('PREALERT_PORT takes plain digits, with spaces around them', () => {
    expect(fromEnv('PREALERT_PORT', '17312')().port).toBe(17_312);
    expect(fromEnv('PREALERT_PORT', '17312 ')().port).toBe(17_312);
  });

  it.each(['1e2', '0x190', '400.0', '+400'])('PREALERT_RECORDS_RETENTION_DAYS refuses %j', (value) => {
    expect(fromEnv('PREALERT_RECORDS_RETENTION_DAYS', value)).toThrow(
      `PREALERT_RECORDS_RETENTION_DAYS must be 0 (keep for ever) or a whole number of days of at least 31 (got ${JSON.stringify(value)})`,
    );
  });

  it('PREALERT_RECORDS_RETENTION_DAYS takes plain digits, with spaces around them', () => {
    expect(fromEnv('PREALERT_RECORDS_RETENTION_DAYS', '90')().records.retentionDays).toBe(90);
    expect(fromEnv('PREALERT_RECORDS_RETENTION_DAYS', ' 90')().records.retentionDays).toBe(90);
  });

  it('refuses a count the config file quotes unless it is plain digits, naming the field', () => {
    expect(fromFile({ bodyLimitBytes: '0x400000' })).toThrow(
      /^prealert\.config\.json: bodyLimitBytes must be a positive integer$/,
    );
    expect(fromFile({ log: { keepFiles: '1e1' } })).toThrow(/prealert\.config\.json: log\.keepFiles must be/);
    expect(fromFile({ log: { maxFileBytes: '1e6' } })).toThrow(/prealert\.config\.json: log\.maxFileBytes must be/);
    expect(fromFile({ port: '0x4000' })).toThrow(/prealert\.config\.json: port must be an integer/);
    expect(fromFile({ upstream: { timeoutMs: '8e2' } })).toThrow(/prealert\.config\.json: upstream\.timeoutMs must be/);
    const quoted = fromFile({ bodyLimitBytes: '4194304', log: { keepFiles: ' 7 ' }, upstream: { timeoutMs: '900' } })();
    expect([quoted.bodyLimitBytes, quoted.log.keepFiles, quoted.upstream.timeoutMs]).toEqual([4_194_304, 7, 900]);
  });

  it('refuses a number too large to be exact', () => {
    expect(fromFile({ platform: { timeoutMs: '9007199254740993' } })).toThrow(/platform\.timeoutMs must be/);
  });
});
