/**
 * The PREALERT_SYNC_* durations and byte limit are read as written, like every other number setting: plain decimal
 * digits (a fraction for the seconds ones, which tests and slow links use: 0.5), spaces around allowed. Number() used
 * to take 0x10 and 1e3 as well, so a typo set a poll interval or a download limit nobody wrote.
 */
import { describe, expect, it } from 'vitest';
import { loadSyncConfig } from '../src/sync/sync-config';

const SECONDS = [
  'PREALERT_SYNC_INTERVAL_S',
  'PREALERT_SYNC_MAX_AGE_S',
  'PREALERT_SYNC_RETRY_MIN_S',
  'PREALERT_SYNC_RETRY_MAX_S',
  'PREALERT_SYNC_TIMEOUT_S',
  'PREALERT_SYNC_DOWNLOAD_DEADLINE_S',
  'PREALERT_SYNC_MAX_CLOCK_SKEW_S',
] as const;
const WHOLE = ['PREALERT_SYNC_ACTIVATION_REST_MS', 'PREALERT_TEST_PAUSE_BEFORE_COMMIT_MS', 'PREALERT_SYNC_MAX_BYTES'];

describe('PREALERT_SYNC_* numbers', () => {
  it('takes plain digits, a fraction of a second and surrounding spaces', () => {
    const config = loadSyncConfig({
      PREALERT_SYNC_INTERVAL_S: ' 300 ',
      PREALERT_SYNC_RETRY_MIN_S: '0.5',
      PREALERT_SYNC_RETRY_MAX_S: '2',
      PREALERT_SYNC_TIMEOUT_S: '1.25',
      PREALERT_SYNC_MAX_AGE_S: '0',
      PREALERT_SYNC_DOWNLOAD_DEADLINE_S: '1800',
      PREALERT_SYNC_MAX_CLOCK_SKEW_S: '0',
      PREALERT_SYNC_ACTIVATION_REST_MS: ' 2',
      PREALERT_TEST_PAUSE_BEFORE_COMMIT_MS: '60000',
      PREALERT_SYNC_MAX_BYTES: '1048576 ',
    });
    expect(config).toMatchObject({
      intervalMs: 300_000,
      retryMinMs: 500,
      retryMaxMs: 2_000,
      timeoutMs: 1_250,
      downloadDeadlineMs: 1_800_000,
      maxClockSkewMs: 0,
      activationRestMs: 2,
      testPauseBeforeCommitMs: 60_000,
      maxBundleBytes: 1_048_576,
    });
    expect(config.maxAgeMs).toBeUndefined();
  });

  for (const name of SECONDS) {
    it.each(['0x10', '1e3', '+5', '.5', '5.', '-1', '5 s', 'Infinity'])(`refuses ${name}=%j, naming it`, (raw) => {
      expect(() => loadSyncConfig({ [name]: raw })).toThrow(
        new RegExp(
          `^${name} must be a (positive|non-negative) number of seconds in plain digits such as 300 or 0\\.5 \\(got ${JSON.stringify(raw).replace(/[.+]/g, '\\$&')}\\)$`,
        ),
      );
    });
  }

  for (const name of WHOLE) {
    it.each(['0x10', '1e3', '+5', '1.5', '-1', '2 ms'])(`refuses ${name}=%j, naming it`, (raw) => {
      expect(() => loadSyncConfig({ [name]: raw })).toThrow(
        new RegExp(
          `^${name} must be a (positive|non-negative) whole number of (bytes|milliseconds) in plain digits \\(got ${JSON.stringify(raw).replace(/[.+]/g, '\\$&')}\\)$`,
        ),
      );
    });
  }
});
