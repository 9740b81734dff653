/**
 * The values a setting has when nothing sets it, and the bounds that go with them (a reader refuses less than the
 * minimum): kept apart from the readers so the numbers and their reasons are found in one place.
 */
import type { SidecarConfig } from './config-types';

export const CONFIG_FILE_NAME = 'prealert.config.json';
export const DEFAULT_PORT = 17311;
/** A 4 MiB body over a slow hospital network arrives in seconds; 30 s is a client that stopped sending. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** A busy workstation logs a few MB a day at info (a line per request): two weeks in at most 15 files of 10 MiB. */
export const DEFAULT_LOG_FILE_BYTES = 10 * 1024 * 1024;
export const DEFAULT_LOG_KEEP_FILES = 14;

/**
 * Days of detailed records kept by default: 医保办 reads the figures for the current and the previous year, and the
 * per-day summaries of pruned days (store/pruned-figures.ts) keep /v1/stats whole for those; the detail (tasks,
 * result bodies, each reminder and decision) is needed for a 3103 and for looking up an answer, which a year and a
 * month covers with room for late corrections. About 200 MB on a busy workstation (0.5 MB a day).
 */
export const DEFAULT_RETENTION_DAYS = 400;
/**
 * The shortest retention allowed besides 0 (keep for ever): the platform's daily figures are recomputed for the last
 * 30 days (outbox/daily-figures.ts), and a 3103 the native shim spooled while the sidecar was down must still find
 * its reminder when it is replayed.
 */
export const MIN_RETENTION_DAYS = 31;
/** The `output` size of 3101-3103.md §1.2 (| output | 交易输出 | 40000 |): the bound may be raised, not lowered. */
export const SPEC_OUTPUT_CHARS = 40_000;

export function defaults(dataDir: string): SidecarConfig {
  return {
    host: '127.0.0.1',
    port: DEFAULT_PORT,
    dataDir,
    dataScope: 'user',
    bodyLimitBytes: 4 * 1024 * 1024,
    requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
    outputMaxChars: SPEC_OUTPUT_CHARS,
    admdvs: '000000',
    corsOrigins: [],
    allowRemoteNational: false,
    log: { level: 'info', maxFileBytes: DEFAULT_LOG_FILE_BYTES, keepFiles: DEFAULT_LOG_KEEP_FILES },
    records: { retentionDays: DEFAULT_RETENTION_DAYS },
    upstream: { timeoutMs: 800, headers: {}, maxBodyBytes: 1024 * 1024, retryMinMs: 1_000, retryMaxMs: 5 * 60_000 },
    platform: { headers: {}, retryMinMs: 1_000, retryMaxMs: 5 * 60_000, timeoutMs: 10_000 },
    evaluator: {},
    analysisThread: true,
  };
}
