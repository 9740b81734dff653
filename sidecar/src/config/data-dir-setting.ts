/**
 * Which data dir the command line or the environment names, and the default one when none does: the data dir is
 * settled before the config file is looked for, as the file is looked for inside it.
 */
import path from 'node:path';
import { defaultDataDir, isAbsoluteAsTheShimReadsIt } from '../data-dir';
import { type EarlierReading, readByHomeNow } from '../earlier-data-dir';
import { NoHomeError } from '../home-dir';
import { ConfigError } from './config-error';
import type { ConfigSources, DataScope } from './config-types';
import { pathSetting } from './path-setting';

/**
 * The data dir --data-dir or PREALERT_DATA_DIR names (undefined: neither does), and how builds before e9f43b0 read
 * that setting when they read it differently (undefined: the same folder).
 */
export function namedDataDir(
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
export function relativeDataDirVariable(value: string, resolved: string): string {
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
export function defaultDir(env: NodeJS.ProcessEnv): string {
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
