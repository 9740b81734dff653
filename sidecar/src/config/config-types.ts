/**
 * The shape of the sidecar's settings once read, and what loadConfig is given: types only (and the log levels they
 * name), so every part of config/ can name them without importing the code that fills them in.
 */
import type { EvaluatorConfig } from '@prealert/core';
import type { SyncFileSettings } from '../sync/sync-file-keys';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface UpstreamGatewayConfig {
  /** Provincial gateway base URL or full callService URL; 3101/3102 are also sent there when set. */
  url?: string;
  /** The whole budget for the upstream answer; the local answer never waits longer than this. */
  timeoutMs: number;
  /** Static headers the gateway needs. */
  headers: Record<string, string>;
  /**
   * Largest 3101/3102 answer read from the gateway, in bytes (default 1 MiB; the spec bounds output at 40,000
   * characters). A larger one is refused (content-length) or abandoned at the cap, and the local answer goes out.
   */
  maxBodyBytes: number;
  /** The national TIF gateway's credentials: each request is then signed (x-tif-* headers, tif-signature.ts). */
  tif?: { paasId: string; token: string };
  /** The 3103 outbox's first retry after a failed delivery to the gateway; doubles per failure up to retryMaxMs. */
  retryMinMs: number;
  retryMaxMs: number;
}

export interface PlatformConfig {
  /** 数据归集 receiver; dispositions and daily figures are forwarded when set, kept local otherwise. */
  url?: string;
  headers: Record<string, string>;
  retryMinMs: number;
  retryMaxMs: number;
  /** Per delivery: a platform that does not answer in this time counts as unreachable. */
  timeoutMs: number;
}

/** `user`: the data dir is this account's own; `machine` (PREALERT_DATA_SCOPE): one sidecar serves every account. */
export type DataScope = 'user' | 'machine';

export interface SidecarConfig {
  host: string;
  port: number;
  dataDir: string;
  /**
   * PREALERT_DATA_SCOPE. With `machine` the HIS runs as other accounts than the sidecar: on POSIX they may pass
   * through the data dir to read the port file and drop 3103s into its spool (machine-scope-sharing.ts).
   */
  dataScope: DataScope;
  /**
   * Set when the data dir setting is read differently since e9f43b0 (`~`, an empty PREALERT_DATA_DIR) and a records
   * database is found under the earlier reading: the warn line the start logs (earlier-data-dir.ts).
   */
  dataDirNotice?: string;
  /** The config file that was read, if any. */
  configFile?: string;
  /** Largest accepted request body in bytes (the national envelope allows 40000 characters of input). */
  bodyLimitBytes: number;
  /**
   * How long a request may take to arrive whole, headers and body (PREALERT_REQUEST_TIMEOUT_MS). fastify's default
   * (0, none) also switched off node's own: a client that sent the headers of a 5 MB body and then stopped held its
   * connection and the body buffered so far for as long as it stayed open. Then: HTTP 408 and the connection closed.
   */
  requestTimeoutMs: number;
  /**
   * Longest 3101/3102 `output` answered over HTTP, in characters (PREALERT_OUTPUT_MAX_CHARS; 0 = no bound): the spec
   * gives the field 40000 (3101-3103.md §1.2), and a HIS may hold it in a buffer of that size (output-length-fit.ts).
   */
  outputMaxChars: number;
  /** 医保区划 used in inf_refmsgid when the request does not carry mdtrtarea_admvs. */
  admdvs: string;
  /** Origins a browser (B/S doctor station) may call from; empty = no cross-origin access. "*" = any. */
  corsOrigins: string[];
  /** Enables /v1/admin/* when set. */
  adminToken?: string;
  /** When set, /v1/yb/* requires X-Prealert-Token and the token is written to the port file for the shim. */
  shimToken?: string;
  /**
   * Listening beyond loopback (host), national calls from other machines are refused unless this is on: with it,
   * any machine that reaches the port reads doctors' reasons (prior_dspo) and changes their decisions (3103)
   * without a token. Off by default: the HIS calls its own workstation's sidecar over loopback.
   */
  allowRemoteNational: boolean;
  log: {
    level: LogLevel;
    file?: string;
    /** With `file`: the file is rolled over at this size, and every day (logging.ts). */
    maxFileBytes: number;
    /** With `file`: rolled-over files kept beside the one being written; older ones are deleted. */
    keepFiles: number;
  };
  /** The records database (store/retention.ts). */
  records: {
    /** Days of detailed records kept (0 = for ever); older ones are pruned daily, each day's figures kept. */
    retentionDays: number;
  };
  upstream: UpstreamGatewayConfig;
  platform: PlatformConfig;
  evaluator: Partial<EvaluatorConfig>;
  /**
   * Evaluate 3101/3102 on a worker thread beside the request thread (default on). Off: the request thread does
   * everything, as it also does whenever the worker is not available.
   */
  analysisThread: boolean;
  /**
   * The config file's `sync` block, read by sync-config.ts beneath the PREALERT_SYNC_* variables: a sidecar started
   * at logon or as a service has no terminal environment, and without these it could neither poll nor take a push.
   */
  sync?: SyncFileSettings;
}

export interface ConfigSources {
  env?: NodeJS.ProcessEnv;
  /** `--config`; otherwise PREALERT_CONFIG, otherwise prealert.config.json in the data dir when present. */
  configFile?: string;
  /** Command-line overrides; they win over everything. */
  overrides?: { port?: number; host?: string; dataDir?: string };
}
