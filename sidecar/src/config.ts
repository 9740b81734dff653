/**
 * The sidecar's settings: loadConfig layers defaults < config file < environment < command line. The parts are in
 * config/, one concept each; this file is the entry every importer uses.
 */
import fs from 'node:fs';
import path from 'node:path';
import { applyFile, readConfigFile } from './config/config-file';
import type { ConfigSources, SidecarConfig } from './config/config-types';
import { dataScope, defaultDir, namedDataDir } from './config/data-dir-setting';
import { CONFIG_FILE_NAME, defaults } from './config/defaults';
import { applyEnv } from './config/environment-variables';
import { pathSetting } from './config/path-setting';
import { checkPort } from './config/value-readers';
import { readByHomeNow, settleDataDir } from './earlier-data-dir';
import { wholeNumberArgument } from './whole-number';

export { ConfigError } from './config/config-error';
export { fileSettings } from './config/config-file';
export type {
  ConfigSources,
  DataScope,
  LogLevel,
  PlatformConfig,
  SidecarConfig,
  UpstreamGatewayConfig,
} from './config/config-types';
export { dataScope } from './config/data-dir-setting';
export {
  CONFIG_FILE_NAME,
  DEFAULT_LOG_FILE_BYTES,
  DEFAULT_LOG_KEEP_FILES,
  DEFAULT_PORT,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_RETENTION_DAYS,
  MIN_RETENTION_DAYS,
} from './config/defaults';
export { dataDirVariable, portVariable } from './config/environment-variables';
export { pathSetting } from './config/path-setting';

/**
 * `--port` as the command line gives it: digits alone (wholeNumberArgument), from 0 to 65535. Number() took `0x10`,
 * `1e3` and `" 80 "`, and the sidecar listened on a port nobody had written.
 */
export function portArgument(value: string): number {
  return checkPort(value, '--port', wholeNumberArgument);
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
