import { loadConfig, portArgument, type SidecarConfig } from './config';

/** `serve`'s options as its command line (or a logon entry's serve arguments) gives them. */
export interface ServeCommandOptions {
  port?: string;
  host?: string;
  dataDir?: string;
  config?: string;
}

/**
 * The configuration `serve` runs with for these options: one reading shared by `serve` and `autostart status`, so
 * status probes the very host, port and data dir the logon start would take (config file and environment included).
 */
export function serveConfig(options: ServeCommandOptions, env: NodeJS.ProcessEnv = process.env): SidecarConfig {
  return loadConfig({
    env,
    configFile: options.config,
    overrides: {
      port: options.port === undefined ? undefined : portArgument(options.port),
      host: options.host,
      dataDir: options.dataDir,
    },
  });
}
