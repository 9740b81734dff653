import { dataScope } from '../config';
import { SYNC_FILE_KEYS } from '../sync/sync-file-keys';
import { fixedPort, type ServeOptions } from './serve-options';

/** What `autostart install` refuses or warns about in the session it runs in. */

/** A machine-wide sidecar is a service for every account: a per-user logon entry would start one per doctor. */
export function refuseMachineScope(env: NodeJS.ProcessEnv): void {
  if (dataScope(env.PREALERT_DATA_SCOPE) === 'machine')
    throw new Error(
      "PREALERT_DATA_SCOPE=machine is a sidecar for every account, run as a service, not at one account's logon: install it as a service (a systemd unit, a Windows service), or unset PREALERT_DATA_SCOPE for a per-user start",
    );
}

/**
 * A Remote Desktop or Citrix session on Windows: Windows names it `RDP-Tcp#N` or `ICA-…` in SESSIONNAME (`Console`
 * at the machine itself). Read from the environment only: no shell-out, no registry. Linux has no such cheap sign.
 */
export function terminalServerSession(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): boolean {
  return platform === 'win32' && /^(RDP|ICA)-/i.test(env.SESSIONNAME ?? '');
}

/**
 * The warning for a logon start on one fixed port: on a machine several doctors log on to, the second sidecar
 * cannot bind it, exits with no port file, and its doctor's shim fails open unseen (the window is hidden).
 */
export function fixedPortWarning(
  options: ServeOptions,
  platform: NodeJS.Platform,
  env: NodeJS.ProcessEnv,
): string | undefined {
  const port = fixedPort(options);
  if (port === undefined) return undefined;
  const which =
    options.port === undefined ? `port ${port} (unless the config file sets "port")` : `the fixed port ${port}`;
  const where = terminalServerSession(platform, env)
    ? `this is a Remote Desktop session (SESSIONNAME=${env.SESSIONNAME ?? ''}): every doctor's sidecar on this server`
    : "on a terminal server (several doctors on one machine) every doctor's sidecar";
  return `warning: the logon start listens on ${which}; ${where} would try it and all but the first would exit unseen: install with --port 0 and give each account its own shimToken (sidecar/README.md, Starting at logon)`;
}

/** Variables that set serve but have no serve option: a logon session has them only if set beyond this terminal. */
function unseenVariables(env: NodeJS.ProcessEnv): string[] {
  const written = ['PREALERT_DATA_DIR', 'PREALERT_CONFIG', 'PREALERT_PORT', 'PREALERT_HOST', 'PREALERT_DATA_SCOPE'];
  return Object.keys(env)
    .filter((name) => name.startsWith('PREALERT_') && !written.includes(name) && env[name] !== '')
    .sort();
}

/** The config file key (dotted for a nested one) each variable without a serve option stands for. */
const CONFIG_KEYS: Readonly<Record<string, string>> = {
  PREALERT_ADMIN_TOKEN: 'adminToken',
  PREALERT_SHIM_TOKEN: 'shimToken',
  PREALERT_ALLOW_REMOTE_NATIONAL: 'allowRemoteNational',
  PREALERT_ANALYSIS_THREAD: 'analysisThread',
  PREALERT_CORS_ORIGINS: 'corsOrigins',
  PREALERT_LOG_LEVEL: 'log.level',
  PREALERT_OUTPUT_MAX_CHARS: 'outputMaxChars',
  PREALERT_RECORDS_RETENTION_DAYS: 'records.retentionDays',
  PREALERT_REQUEST_TIMEOUT_MS: 'requestTimeoutMs',
  PREALERT_UPSTREAM_URL: 'upstream.url',
  PREALERT_UPSTREAM_PAAS_ID: 'upstream.tif.paasId',
  PREALERT_UPSTREAM_PAAS_TOKEN: 'upstream.tif.token',
  PREALERT_PLATFORM_URL: 'platform.url',
  ...Object.fromEntries(Object.entries(SYNC_FILE_KEYS).map(([key, variable]) => [variable, `sync.${key}`])),
};

/** Read by prealert but with no config file key: a logon start simply runs without them. */
const NO_CONFIG_KEY = new Set(['PREALERT_WIDGET_DIST', 'PREALERT_TEST_PAUSE_BEFORE_COMMIT_MS']);

/**
 * One line per variable the logon session will not have, saying where its setting goes instead. Only names, never
 * values: a token or key set in this terminal is not copied into the launcher (anyone may read it there) nor echoed.
 */
export function unseenVariableHints(env: NodeJS.ProcessEnv): string[] {
  return unseenVariables(env).map((name) => {
    const key = CONFIG_KEYS[name];
    const start = `warning: ${name} is set here, a logon start has it only where it is set for the account or the machine, and serve has no option for it`;
    if (key !== undefined) return `${start}: put it in the config file as ${key} (sidecar/README.md, Configuration)`;
    if (NO_CONFIG_KEY.has(name)) return `${start} and the config file no key: the logon start runs without it`;
    return `${start}: prealert reads no variable of that name (misspelt?)`;
  });
}
