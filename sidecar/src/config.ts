import fs from 'node:fs';
import path from 'node:path';
import { checkEvaluatorConfig, type EvaluatorConfig } from '@prealert/core';
import { defaultDataDir, isAbsoluteAsTheShimReadsIt } from './data-dir';
import { type EarlierReading, readByHomeNow, settleDataDir } from './earlier-data-dir';
import { NoHomeError, userHome } from './home-dir';
import { SYNC_FILE_KEYS, type SyncFileKey, type SyncFileSettings } from './sync/sync-file-keys';
import { wholeNumber, wholeNumberArgument } from './whole-number';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

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

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface ConfigSources {
  env?: NodeJS.ProcessEnv;
  /** `--config`; otherwise PREALERT_CONFIG, otherwise prealert.config.json in the data dir when present. */
  configFile?: string;
  /** Command-line overrides; they win over everything. */
  overrides?: { port?: number; host?: string; dataDir?: string };
}

/**
 * `--port` as the command line gives it: digits alone (wholeNumberArgument), from 0 to 65535. Number() took `0x10`,
 * `1e3` and `" 80 "`, and the sidecar listened on a port nobody had written.
 */
export function portArgument(value: string): number {
  return checkPort(value, '--port', wholeNumberArgument);
}

function defaults(dataDir: string): SidecarConfig {
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

/** Defaults < config file < environment < command line. */
export function loadConfig(sources: ConfigSources = {}): SidecarConfig {
  const env = sources.env ?? process.env;
  const scope = dataScope(env.PREALERT_DATA_SCOPE);
  // PREALERT_DATA_DIR set but empty (a template's blank) is the default, never the current folder.
  const named = namedDataDir(sources, env);
  // Settled before the config file is looked for: an earlier build looked for it in the folder it used.
  const settled = named.earlier && settleDataDir(() => named.dir ?? defaultDir(env), named.earlier);
  const chosenDir = settled?.moved ? settled.dataDir : named.dir;
  const explicitFile = sources.configFile ?? env.PREALERT_CONFIG;
  const file = explicitFile
    ? pathSetting(explicitFile, process.cwd(), sources.configFile !== undefined ? '--config' : 'PREALERT_CONFIG', env)
    : path.join(chosenDir ?? defaultDir(env), CONFIG_FILE_NAME);
  const raw = explicitFile || fs.existsSync(file) ? readConfigFile(file) : undefined;

  const config = defaults('');
  config.dataScope = scope;
  if (raw !== undefined) {
    applyFile(config, raw, file, env);
    config.configFile = file;
  }
  applyEnv(config, env);
  // The home is looked up only when nothing names the data dir: one that cannot be found matters to no one else.
  config.dataDir = chosenDir ?? (raw?.dataDir !== undefined ? config.dataDir : defaultDir(env));
  // Not moved under an empty PREALERT_DATA_DIR, the file may still name the data dir: the notice's folder may not be it.
  if (settled !== undefined && (settled.moved || named.dir !== undefined)) config.dataDirNotice = settled.notice;
  if (chosenDir === undefined && typeof raw?.dataDir === 'string' && readByHomeNow(raw.dataDir)) {
    const setting = `${path.basename(file)}: dataDir`;
    const earlierDir = path.resolve(path.dirname(file), raw.dataDir);
    const fromFile = settleDataDir(() => config.dataDir, { setting, value: raw.dataDir, earlierDir });
    if (fromFile !== undefined) {
      config.dataDir = fromFile.dataDir;
      config.dataDirNotice = fromFile.notice;
    }
  }
  const o = sources.overrides ?? {};
  if (o.host !== undefined) config.host = o.host;
  if (o.port !== undefined) config.port = checkPort(o.port, '--port');
  return config;
}

/**
 * The data dir --data-dir or PREALERT_DATA_DIR names (undefined: neither does), and how builds before e9f43b0 read
 * that setting when they read it differently (undefined: the same folder).
 */
function namedDataDir(
  sources: ConfigSources,
  env: NodeJS.ProcessEnv,
): { dir: string | undefined; earlier: EarlierReading | undefined } {
  const given = sources.overrides?.dataDir;
  const setting = given !== undefined ? '--data-dir' : 'PREALERT_DATA_DIR';
  const value = given ?? env.PREALERT_DATA_DIR;
  if (value === undefined) return { dir: undefined, earlier: undefined };
  // An empty PREALERT_DATA_DIR: the default now, the current folder before (an empty --data-dir is still that folder).
  if (value === '' && given === undefined)
    return { dir: undefined, earlier: { setting, value, earlierDir: process.cwd() } };
  const dir = pathSetting(value, process.cwd(), setting, env);
  if (given === undefined && !readByHomeNow(value) && !isAbsoluteAsTheShimReadsIt(value))
    throw new ConfigError(relativeDataDirVariable(value, dir));
  if (!readByHomeNow(value)) return { dir, earlier: undefined };
  return { dir, earlier: { setting, value, earlierDir: path.resolve(process.cwd(), value) } };
}

/**
 * PREALERT_DATA_DIR is set machine-wide for the sidecar and the HIS alike, and the native shim refuses a relative one
 * (it keeps its default data dir and logs config_problem): read here against the sidecar's working folder, the two
 * disagreed, and the shim found no port file or token and spooled 3103s where this sidecar never replays them. A
 * relative --data-dir is the user's own choice on a command line and still means the folder prealert is started from.
 */
function relativeDataDirVariable(value: string, resolved: string): string {
  return `PREALERT_DATA_DIR must be an absolute path, not ${JSON.stringify(value)}: the native shim does not read a relative one and would look for the port file and spool 3103 decisions elsewhere; ${absoluteHint(value, resolved)}`;
}

/**
 * What to write instead. A value that only looks relative because of how it was set would be sent to a folder that
 * makes no sense (`<cwd>\"C:\ProgramData\prealert"`): a Windows `set X="…"` keeps its quotes, a template's
 * `%ProgramData%` may reach the service unexpanded, and a pasted value may carry spaces.
 */
function absoluteHint(value: string, resolved: string): string {
  if (/^\s|\s$/.test(value)) return 'it has spaces around it: write the folder without them';
  if (/^["']|["']$/.test(value))
    return 'it is in quotes (a Windows `set NAME="…"` keeps them): write the folder without them';
  if (/%[^%\s]+%/.test(value)) return 'it holds a %VARIABLE% that was not expanded: write the folder itself';
  return `set it to ${resolved} (that folder, from where prealert was started) or another absolute path`;
}

/** The OS's default data dir, or one line saying why there is none (no absolute home to put it under). */
function defaultDir(env: NodeJS.ProcessEnv): string {
  try {
    return defaultDataDir(process.platform, env);
  } catch (error) {
    if (!(error instanceof NoHomeError)) throw error;
    throw new ConfigError(
      `${error.message}, so the default data dir cannot be placed (a relative one would change with the folder prealert is started from): give one with --data-dir or PREALERT_DATA_DIR, or set HOME`,
    );
  }
}

export function dataScope(value: string | undefined): DataScope {
  // Empty (a template's blank) is the default, as an empty PREALERT_DATA_DIR is.
  if (value === undefined || value === '' || value === 'user') return 'user';
  if (value === 'machine') return 'machine';
  throw new ConfigError(
    `PREALERT_DATA_SCOPE must be machine (one sidecar for every account, data in /var/lib/prealert or %ProgramData%\\prealert) or user (the default), not ${JSON.stringify(value)}`,
  );
}

/**
 * A path setting as an absolute path: relative ones against `base` (the config file's folder, or the current one
 * for the environment and the command line). A leading `~/` (or `~` alone) is the home of the account prealert runs
 * as, as a shell would have made it: IT writes it by habit in the config file, a unit file or a .desktop Exec= line
 * where no shell expands it, and it was taken as a folder named `~` beside the config file, where nobody looks for
 * the records and the shim finds no port file. `~name` (another account's home) is refused in one line naming the
 * setting: which account prealert runs as is not what the writer had in mind.
 */
export function pathSetting(value: string, base: string, name: string, env: NodeJS.ProcessEnv): string {
  if (readByHomeNow(value)) {
    let home: string;
    try {
      home = userHome(process.platform, env);
    } catch (error) {
      throw new ConfigError(
        `${name}: ${JSON.stringify(value)} starts with ~, but ${(error as Error).message}: give an absolute path`,
      );
    }
    return path.resolve(home, value.slice(2));
  }
  if (value.startsWith('~'))
    throw new ConfigError(
      `${name}: ${JSON.stringify(value)} starts with ~ and a name: another account's home is not looked up; give an absolute path (or ./${value} for a folder of that name)`,
    );
  return path.resolve(base, value);
}

/**
 * The settings a config file alone gives (defaults for the rest), without the environment or command line: what the
 * file itself holds, as a check of the file (config-file-access.ts) needs. Throws ConfigError as loadConfig does.
 */
export function fileSettings(file: string): SidecarConfig {
  const config = defaults(path.dirname(file));
  applyFile(config, readConfigFile(file), file, process.env);
  return config;
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (!isRecord(parsed)) throw new ConfigError(`config file ${file} must hold a JSON object`);
  return parsed;
}

const FILE_KEYS = new Set([
  'host',
  'port',
  'dataDir',
  'bodyLimitBytes',
  'requestTimeoutMs',
  'outputMaxChars',
  'admdvs',
  'corsOrigins',
  'adminToken',
  'shimToken',
  'allowRemoteNational',
  'log',
  'records',
  'upstream',
  'platform',
  'evaluator',
  'analysisThread',
  'sync',
  '$schema',
]);

/** The keys each nested block takes: a misspelt one ("timeoutMS") would otherwise be ignored without a word. */
const BLOCK_KEYS: Record<string, ReadonlySet<string>> = {
  log: new Set(['level', 'file', 'maxFileBytes', 'keepFiles']),
  records: new Set(['retentionDays']),
  upstream: new Set(['url', 'timeoutMs', 'headers', 'maxBodyBytes', 'tif', 'retryMinMs', 'retryMaxMs']),
  'upstream.tif': new Set(['paasId', 'token']),
  platform: new Set(['url', 'headers', 'retryMinMs', 'retryMaxMs', 'timeoutMs']),
  sync: new Set(Object.keys(SYNC_FILE_KEYS)),
};

function block(value: unknown, name: string, field: (name: string) => string): Record<string, unknown> {
  const result = record(value, field(name));
  const known = BLOCK_KEYS[name]!;
  for (const key of Object.keys(result)) {
    if (!known.has(key)) {
      throw new ConfigError(`${field(`${name}.${key}`)} is not a known setting (${[...known].join(', ')})`);
    }
  }
  return result;
}

function applyFile(config: SidecarConfig, raw: Record<string, unknown>, file: string, env: NodeJS.ProcessEnv): void {
  const field = (name: string) => `${path.basename(file)}: ${name}`;
  for (const key of Object.keys(raw)) {
    if (!FILE_KEYS.has(key)) throw new ConfigError(`${field(key)} is not a known setting`);
  }
  if (raw.host !== undefined) config.host = str(raw.host, field('host'));
  if (raw.port !== undefined) config.port = checkPort(raw.port, field('port'));
  if (raw.dataDir !== undefined)
    config.dataDir = pathSetting(str(raw.dataDir, field('dataDir')), path.dirname(file), field('dataDir'), env);
  if (raw.bodyLimitBytes !== undefined)
    config.bodyLimitBytes = positiveInt(raw.bodyLimitBytes, field('bodyLimitBytes'));
  if (raw.requestTimeoutMs !== undefined)
    config.requestTimeoutMs = positiveInt(raw.requestTimeoutMs, field('requestTimeoutMs'));
  if (raw.outputMaxChars !== undefined)
    config.outputMaxChars = outputMaxChars(raw.outputMaxChars, field('outputMaxChars'));
  if (raw.admdvs !== undefined) config.admdvs = admdvs(raw.admdvs, field('admdvs'));
  if (raw.corsOrigins !== undefined)
    config.corsOrigins = origins(strings(raw.corsOrigins, field('corsOrigins')), field('corsOrigins'));
  if (raw.adminToken !== undefined) config.adminToken = token(raw.adminToken, field('adminToken'));
  if (raw.shimToken !== undefined) config.shimToken = token(raw.shimToken, field('shimToken'));
  if (raw.allowRemoteNational !== undefined)
    config.allowRemoteNational = onOff(raw.allowRemoteNational, field('allowRemoteNational'));
  if (raw.log !== undefined) {
    const log = block(raw.log, 'log', field);
    if (log.level !== undefined) config.log.level = logLevel(log.level, field('log.level'));
    if (log.file !== undefined)
      config.log.file = logFile(
        pathSetting(str(log.file, field('log.file')), path.dirname(file), field('log.file'), env),
        field('log.file'),
      );
    if (log.maxFileBytes !== undefined)
      config.log.maxFileBytes = logFileBytes(log.maxFileBytes, field('log.maxFileBytes'));
    if (log.keepFiles !== undefined) config.log.keepFiles = positiveInt(log.keepFiles, field('log.keepFiles'));
  }
  if (raw.records !== undefined) {
    const records = block(raw.records, 'records', field);
    if (records.retentionDays !== undefined)
      config.records.retentionDays = retentionDays(records.retentionDays, field('records.retentionDays'));
  }
  if (raw.upstream !== undefined) {
    const up = block(raw.upstream, 'upstream', field);
    if (up.url !== undefined) config.upstream.url = httpUrl(up.url, field('upstream.url'));
    if (up.timeoutMs !== undefined) config.upstream.timeoutMs = positiveInt(up.timeoutMs, field('upstream.timeoutMs'));
    if (up.headers !== undefined) config.upstream.headers = headers(up.headers, field('upstream.headers'));
    if (up.maxBodyBytes !== undefined)
      config.upstream.maxBodyBytes = positiveInt(up.maxBodyBytes, field('upstream.maxBodyBytes'));
    if (up.retryMinMs !== undefined)
      config.upstream.retryMinMs = positiveInt(up.retryMinMs, field('upstream.retryMinMs'));
    if (up.retryMaxMs !== undefined)
      config.upstream.retryMaxMs = positiveInt(up.retryMaxMs, field('upstream.retryMaxMs'));
    if (up.tif !== undefined) {
      const tif = block(up.tif, 'upstream.tif', field);
      config.upstream.tif = {
        paasId: str(tif.paasId, field('upstream.tif.paasId')),
        token: str(tif.token, field('upstream.tif.token')),
      };
    }
  }
  if (raw.platform !== undefined) {
    const pf = block(raw.platform, 'platform', field);
    if (pf.url !== undefined) config.platform.url = httpUrl(pf.url, field('platform.url'));
    if (pf.headers !== undefined) config.platform.headers = headers(pf.headers, field('platform.headers'));
    if (pf.retryMinMs !== undefined)
      config.platform.retryMinMs = positiveInt(pf.retryMinMs, field('platform.retryMinMs'));
    if (pf.retryMaxMs !== undefined)
      config.platform.retryMaxMs = positiveInt(pf.retryMaxMs, field('platform.retryMaxMs'));
    if (pf.timeoutMs !== undefined) config.platform.timeoutMs = positiveInt(pf.timeoutMs, field('platform.timeoutMs'));
  }
  if (raw.evaluator !== undefined) {
    const errors = checkEvaluatorConfig(record(raw.evaluator, field('evaluator')), 'evaluator');
    if (errors.length > 0) {
      const first = errors[0]!;
      const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
      throw new ConfigError(`${field(first.path)} ${first.message}${more}`);
    }
    config.evaluator = raw.evaluator as Partial<EvaluatorConfig>;
  }
  if (raw.analysisThread !== undefined) config.analysisThread = onOff(raw.analysisThread, field('analysisThread'));
  if (raw.sync !== undefined)
    config.sync = syncSettings(block(raw.sync, 'sync', field), path.dirname(file), field, env);
}

/**
 * The sync block as the PREALERT_SYNC_* variables would hold it, so sync-config.ts reads both alike and a bad value
 * is refused there naming this file's key; pubkey (one path or a list) is resolved against the config file's folder,
 * as dataDir and log.file are.
 */
function syncSettings(
  sync: Record<string, unknown>,
  base: string,
  field: (name: string) => string,
  env: NodeJS.ProcessEnv,
): SyncFileSettings {
  const settings: SyncFileSettings = { values: {} };
  for (const key of Object.keys(sync) as SyncFileKey[]) {
    const setting = field(`sync.${key}`);
    const value = sync[key];
    if (key === 'pubkey') {
      const files = typeof value === 'string' ? [value] : strings(value, setting);
      if (files.length === 0 || files.some((f) => f.trim() === ''))
        throw new ConfigError(`${setting} must be the path of a PEM public key, or a list of such paths`);
      settings.publicKeyFiles = { files: files.map((f) => pathSetting(f.trim(), base, setting, env)), setting };
      continue;
    }
    // true/false as JSON writes them, for the on/off keys (requireSafeKey): read as the variable's "true"/"false".
    if (
      !(typeof value === 'string' && value.trim() !== '') &&
      !(typeof value === 'number' && Number.isFinite(value)) &&
      typeof value !== 'boolean'
    )
      throw new ConfigError(
        `${setting} must be a non-empty string, a number or true/false (got ${JSON.stringify(value)})`,
      );
    settings.values[SYNC_FILE_KEYS[key]] = { value: String(value), setting };
  }
  return settings;
}

/** PREALERT_PORT as serve reads it (undefined: unset). */
export function portVariable(env: NodeJS.ProcessEnv): number | undefined {
  // Set but empty (a deployment template's blank) is a mistake, not the default port: said, not guessed.
  if (env.PREALERT_PORT !== undefined && env.PREALERT_PORT.trim() === '')
    throw new ConfigError(
      'PREALERT_PORT is set but empty: give a port from 0 to 65535 (0 = any free port), or unset it for the default 17311',
    );
  return env.PREALERT_PORT ? checkPort(env.PREALERT_PORT, 'PREALERT_PORT') : undefined;
}

/** PREALERT_DATA_DIR as serve reads it: undefined when unset or empty (the default), refused when relative. */
export function dataDirVariable(env: NodeJS.ProcessEnv): string | undefined {
  const value = env.PREALERT_DATA_DIR;
  if (value === undefined || value === '') return undefined;
  const dir = pathSetting(value, process.cwd(), 'PREALERT_DATA_DIR', env);
  if (!readByHomeNow(value) && !isAbsoluteAsTheShimReadsIt(value))
    throw new ConfigError(relativeDataDirVariable(value, dir));
  return dir;
}

function applyEnv(config: SidecarConfig, env: NodeJS.ProcessEnv): void {
  if (env.PREALERT_HOST) config.host = env.PREALERT_HOST;
  const port = portVariable(env);
  if (port !== undefined) config.port = port;
  if (env.PREALERT_ADMIN_TOKEN) config.adminToken = token(env.PREALERT_ADMIN_TOKEN, 'PREALERT_ADMIN_TOKEN');
  if (env.PREALERT_SHIM_TOKEN) config.shimToken = token(env.PREALERT_SHIM_TOKEN, 'PREALERT_SHIM_TOKEN');
  if (env.PREALERT_ALLOW_REMOTE_NATIONAL)
    config.allowRemoteNational = onOff(env.PREALERT_ALLOW_REMOTE_NATIONAL, 'PREALERT_ALLOW_REMOTE_NATIONAL');
  if (env.PREALERT_LOG_LEVEL) config.log.level = logLevel(env.PREALERT_LOG_LEVEL, 'PREALERT_LOG_LEVEL');
  if (env.PREALERT_RECORDS_RETENTION_DAYS)
    config.records.retentionDays = retentionDays(
      env.PREALERT_RECORDS_RETENTION_DAYS,
      'PREALERT_RECORDS_RETENTION_DAYS',
    );
  if (env.PREALERT_REQUEST_TIMEOUT_MS)
    config.requestTimeoutMs = positiveInt(env.PREALERT_REQUEST_TIMEOUT_MS, 'PREALERT_REQUEST_TIMEOUT_MS');
  if (env.PREALERT_OUTPUT_MAX_CHARS)
    config.outputMaxChars = outputMaxChars(env.PREALERT_OUTPUT_MAX_CHARS, 'PREALERT_OUTPUT_MAX_CHARS');
  if (env.PREALERT_CORS_ORIGINS !== undefined) {
    config.corsOrigins = origins(
      env.PREALERT_CORS_ORIGINS.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      'PREALERT_CORS_ORIGINS',
    );
  }
  if (env.PREALERT_UPSTREAM_URL) config.upstream.url = httpUrl(env.PREALERT_UPSTREAM_URL, 'PREALERT_UPSTREAM_URL');
  if (env.PREALERT_UPSTREAM_PAAS_ID || env.PREALERT_UPSTREAM_PAAS_TOKEN) {
    config.upstream.tif = {
      paasId: str(env.PREALERT_UPSTREAM_PAAS_ID, 'PREALERT_UPSTREAM_PAAS_ID'),
      token: str(env.PREALERT_UPSTREAM_PAAS_TOKEN, 'PREALERT_UPSTREAM_PAAS_TOKEN'),
    };
  }
  if (env.PREALERT_PLATFORM_URL) config.platform.url = httpUrl(env.PREALERT_PLATFORM_URL, 'PREALERT_PLATFORM_URL');
  if (env.PREALERT_ANALYSIS_THREAD)
    config.analysisThread = onOff(env.PREALERT_ANALYSIS_THREAD, 'PREALERT_ANALYSIS_THREAD');
}

function onOff(value: unknown, name: string): boolean {
  if (value === true || value === 'on' || value === '1' || value === 'true') return true;
  if (value === false || value === 'off' || value === '0' || value === 'false') return false;
  throw new ConfigError(`${name} must be on or off (true/false, 1/0), not ${JSON.stringify(value)}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function record(value: unknown, name: string): Record<string, unknown> {
  if (!isRecord(value)) throw new ConfigError(`${name} must be an object`);
  return value;
}
function str(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new ConfigError(`${name} must be a non-empty string`);
  return value;
}
function strings(value: unknown, name: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new ConfigError(`${name} must be an array of strings`);
  }
  return value as string[];
}
function positiveInt(value: unknown, name: string): number {
  const n = wholeNumber(value);
  if (n === undefined || n <= 0) throw new ConfigError(`${name} must be a positive integer`);
  return n;
}
/** A log file rolled over at a few kB would leave only minutes of history in keepFiles files. */
const MIN_LOG_FILE_BYTES = 64 * 1024;
/** A log file of a terabyte is no limit anyway; a larger number (1e21 and up) would be written with an exponent. */
const MAX_LOG_FILE_BYTES = 2 ** 40;
function logFileBytes(value: unknown, name: string): number {
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
function logFile(resolved: string, name: string): string {
  const checked = resolved.replace(/^[A-Za-z]:/, '');
  if (/[<>"|?*\0:]/.test(checked)) {
    throw new ConfigError(
      `${name} must not hold < > " | ? * : or NUL (but a drive letter's ":"): the log rotation refuses such a path (got ${JSON.stringify(resolved)})`,
    );
  }
  return resolved;
}
/** The `output` size of 3101-3103.md §1.2 (| output | 交易输出 | 40000 |): the bound may be raised, not lowered. */
const SPEC_OUTPUT_CHARS = 40_000;
function outputMaxChars(value: unknown, name: string): number {
  const n = wholeNumber(value);
  if (n === undefined || (n !== 0 && n < SPEC_OUTPUT_CHARS)) {
    throw new ConfigError(
      `${name} must be 0 (no bound) or a whole number of characters of at least ${SPEC_OUTPUT_CHARS} (got ${JSON.stringify(value)})`,
    );
  }
  return n;
}
function retentionDays(value: unknown, name: string): number {
  const n = wholeNumber(value);
  if (n === undefined || (n !== 0 && n < MIN_RETENTION_DAYS)) {
    throw new ConfigError(
      `${name} must be 0 (keep for ever) or a whole number of days of at least ${MIN_RETENTION_DAYS} (got ${JSON.stringify(value)})`,
    );
  }
  return n;
}
function checkPort(value: unknown, name: string, read: (value: string) => number | undefined = wholeNumber): number {
  const n = typeof value === 'string' ? read(value) : wholeNumber(value);
  if (n === undefined || n < 0 || n > 65535) {
    throw new ConfigError(`${name} must be an integer from 0 to 65535 (got ${JSON.stringify(value)})`);
  }
  return n;
}
function token(value: unknown, name: string): string {
  const t = str(value, name);
  // A short token is guessable by any local process, which is the threat the token exists for.
  if (t.length < 16) throw new ConfigError(`${name} must be at least 16 characters`);
  if (/[\r\n]/.test(t)) throw new ConfigError(`${name} must be a single line`);
  return t;
}
function logLevel(value: unknown, name: string): LogLevel {
  if (typeof value !== 'string' || !LOG_LEVELS.includes(value as LogLevel)) {
    throw new ConfigError(`${name} must be one of ${LOG_LEVELS.join(', ')}`);
  }
  return value as LogLevel;
}
function admdvs(value: unknown, name: string): string {
  if (typeof value !== 'string' || !/^\d{6}$/.test(value))
    throw new ConfigError(`${name} must be a 6-digit 医保区划 code`);
  return value;
}
function httpUrl(value: unknown, name: string): string {
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
function origins(values: string[], name: string): string[] {
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
function headers(value: unknown, name: string): Record<string, string> {
  const h = record(value, name);
  for (const [k, v] of Object.entries(h)) {
    if (typeof v !== 'string') throw new ConfigError(`${name}.${k} must be a string`);
  }
  return h as Record<string, string>;
}
