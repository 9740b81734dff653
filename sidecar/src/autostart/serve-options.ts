import { DEFAULT_PORT, dataDirVariable, pathSetting, portArgument, portVariable } from '../config';

/**
 * The serve options a logon start runs with, and where each came from: given to `install`, or kept from the entry
 * already installed (an upgrade's bare `install` must not move the sidecar to the default data dir and port). The
 * installing terminal's PREALERT_DATA_DIR, _CONFIG, _PORT and _HOST are checked and named but not written: set for the
 * account or the machine, the logon session has them too, and so does the HIS's native shim, which finds the sidecar
 * through PREALERT_DATA_DIR; frozen into `--data-dir`, the sidecar would stay in the old folder after IT changed the
 * variable while the shim followed it, and every call would fail open unseen.
 */

export type ServeOptionName = 'dataDir' | 'config' | 'port' | 'host';

/** In the order they are written. */
const NAMES: readonly ServeOptionName[] = ['dataDir', 'config', 'port', 'host'];

export const SERVE_FLAGS: Readonly<Record<ServeOptionName, string>> = {
  dataDir: '--data-dir',
  config: '--config',
  port: '--port',
  host: '--host',
};

/** The flag without its dashes, for `--no-<option>`. */
const FLAG_NAMES: Readonly<Record<ServeOptionName, string>> = {
  dataDir: 'data-dir',
  config: 'config',
  port: 'port',
  host: 'host',
};

const VARIABLES: Readonly<Record<ServeOptionName, string>> = {
  dataDir: 'PREALERT_DATA_DIR',
  config: 'PREALERT_CONFIG',
  port: 'PREALERT_PORT',
  host: 'PREALERT_HOST',
};

/** Each option as written into the entry: a value, or absent. */
export type ServeOptions = Partial<Record<ServeOptionName, string>>;

/** What `install` was given: a value, `false` for `--no-<option>` (drop the kept one), or nothing. */
export type GivenOptions = Partial<Record<ServeOptionName, string | false>>;

/** The options of an installed entry's serve arguments, and any argument install does not write (not kept). */
export function readServeArgs(serveArgs: readonly string[]): { options: ServeOptions; notKept: string[] } {
  const options: ServeOptions = {};
  const notKept: string[] = [];
  let i = 0;
  while (i < serveArgs.length) {
    const flag = serveArgs[i] ?? '';
    const name = NAMES.find((n) => SERVE_FLAGS[n] === flag);
    const value = serveArgs[i + 1];
    if (name !== undefined && value !== undefined) {
      options[name] = value;
      i += 2;
    } else {
      notKept.push(flag);
      i += 1;
    }
  }
  return { options, notKept };
}

export function serveArgsOf(options: ServeOptions): string[] {
  const args: string[] = [];
  for (const name of NAMES) {
    const value = options[name];
    if (value !== undefined) args.push(SERVE_FLAGS[name], value);
  }
  return args;
}

/** The option from `install`'s command line, checked and made absolute as serve would read it. */
function givenValue(name: ServeOptionName, value: string, env: NodeJS.ProcessEnv): string {
  switch (name) {
    case 'dataDir':
    case 'config':
      return pathSetting(value, process.cwd(), SERVE_FLAGS[name], env);
    case 'port':
      return String(portArgument(value));
    case 'host':
      if (value.trim() === '') throw new Error('--host is empty: give an address such as 127.0.0.1');
      return value;
  }
}

/** The option the installing terminal's environment sets, as serve would read it (undefined: not set). */
function variableValue(name: ServeOptionName, env: NodeJS.ProcessEnv): string | undefined {
  switch (name) {
    case 'dataDir':
      return dataDirVariable(env);
    case 'config':
      return env.PREALERT_CONFIG ? pathSetting(env.PREALERT_CONFIG, process.cwd(), 'PREALERT_CONFIG', env) : undefined;
    case 'port': {
      const port = portVariable(env);
      return port === undefined ? undefined : String(port);
    }
    case 'host':
      return env.PREALERT_HOST || undefined;
  }
}

export interface ServePlan {
  options: ServeOptions;
  /** Lines for the install output: options taken from the environment or kept from the installed entry. */
  notes: string[];
}

/** Given options first (`--no-<option>` drops one), then the installed entry's; the environment's only noted. */
export function planServeOptions(
  given: GivenOptions,
  env: NodeJS.ProcessEnv,
  installed: readonly string[] | undefined,
): ServePlan {
  const kept = installed === undefined ? undefined : readServeArgs(installed);
  const options: ServeOptions = {};
  const inEnvironment = new Map<ServeOptionName, string>();
  const fromEntry: string[] = [];
  for (const name of NAMES) {
    const value = given[name];
    if (value === false) continue;
    if (value !== undefined) {
      options[name] = givenValue(name, value, env);
      continue;
    }
    // Read as serve reads it, so a value serve would refuse at every logon is refused now, naming the variable.
    const variable = variableValue(name, env);
    if (variable !== undefined) inEnvironment.set(name, variable);
    const old = kept?.options[name];
    if (old !== undefined) {
      options[name] = old;
      fromEntry.push(`${SERVE_FLAGS[name]} ${old}`);
    }
  }
  const notes: string[] = [];
  for (const [name, variable] of inEnvironment) {
    const written = options[name];
    if (written === undefined)
      notes.push(
        `${VARIABLES[name]} is set here and not written into the entry: a logon start reads it where it is set for the account or the machine, as the HIS's native shim does; if it is set only in this terminal, give ${SERVE_FLAGS[name]} instead`,
      );
    // An entry an earlier build wrote from the variable keeps its value over the variable's new one: say so, or the
    // sidecar stays in the old data dir while the shim follows the variable.
    else if (written !== variable && given[name] === undefined)
      notes.push(
        `warning: ${VARIABLES[name]} here is ${variable}, but the entry keeps ${SERVE_FLAGS[name]} ${written}, which wins over it: install again with --no-${FLAG_NAMES[name]} to follow the variable, or with ${SERVE_FLAGS[name]} to choose`,
      );
  }
  if (fromEntry.length > 0)
    notes.push(`kept from the installed entry: ${fromEntry.join(' ')} (drop one with --no-<option>, e.g. --no-port)`);
  if (kept !== undefined && kept.notKept.length > 0)
    notes.push(`not kept from the installed entry (install does not write them): ${kept.notKept.join(' ')}`);
  return { options, notes };
}

/** The port a logon start listens on when it is one fixed port, else undefined (0: any free port). */
export function fixedPort(options: ServeOptions): number | undefined {
  // Without --port, serve takes the config file's "port" or 17311; install does not read the config file.
  if (options.port === undefined) return DEFAULT_PORT;
  const port = Number(options.port);
  return port === 0 ? undefined : port;
}
