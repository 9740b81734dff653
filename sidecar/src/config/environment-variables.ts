/** The PREALERT_* environment variables: applied over the config file, beneath the command line. */
import { isAbsoluteAsTheShimReadsIt } from '../data-dir';
import { readByHomeNow } from '../earlier-data-dir';
import { ConfigError } from './config-error';
import type { SidecarConfig } from './config-types';
import { relativeDataDirVariable } from './data-dir-setting';
import { pathSetting } from './path-setting';
import {
  checkPort,
  httpUrl,
  logLevel,
  onOff,
  origins,
  outputMaxChars,
  positiveInt,
  retentionDays,
  str,
  token,
} from './value-readers';

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

export function applyEnv(config: SidecarConfig, env: NodeJS.ProcessEnv): void {
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
