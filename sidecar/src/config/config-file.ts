/** The config file (prealert.config.json): read, its keys checked, and its settings applied over the defaults. */
import fs from 'node:fs';
import path from 'node:path';
import { checkEvaluatorConfig, type EvaluatorConfig } from '@prealert/core';
import { SYNC_FILE_KEYS, type SyncFileKey, type SyncFileSettings } from '../sync/sync-file-keys';
import { ConfigError } from './config-error';
import type { SidecarConfig } from './config-types';
import { defaults } from './defaults';
import { pathSetting } from './path-setting';
import {
  admdvs,
  checkPort,
  headers,
  httpUrl,
  isRecord,
  logFile,
  logFileBytes,
  logLevel,
  onOff,
  origins,
  outputMaxChars,
  positiveInt,
  record,
  retentionDays,
  str,
  strings,
  token,
} from './value-readers';

/**
 * The settings a config file alone gives (defaults for the rest), without the environment or command line: what the
 * file itself holds, as a check of the file (config-file-access.ts) needs. Throws ConfigError as loadConfig does.
 */
export function fileSettings(file: string): SidecarConfig {
  const config = defaults(path.dirname(file));
  applyFile(config, readConfigFile(file), file, process.env);
  return config;
}

export function readConfigFile(file: string): Record<string, unknown> {
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

export function applyFile(
  config: SidecarConfig,
  raw: Record<string, unknown>,
  file: string,
  env: NodeJS.ProcessEnv,
): void {
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
