import type { Command } from 'commander';
import { loadConfig } from '../config';
import { createServer } from '../server';

interface ServeOptions {
  port?: string;
  host?: string;
  dataDir?: string;
  config?: string;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the sidecar (national 3101/3102/3103 endpoint, records, stats) on this workstation')
    .option('-p, --port <port>', 'port to listen on (0 = any free port; default 17311 or PREALERT_PORT)')
    .option('--host <host>', 'address to bind (default 127.0.0.1: loopback only)')
    .option('-d, --data-dir <dir>', 'data directory (default per OS, or PREALERT_DATA_DIR)')
    .option('-c, --config <file>', 'config file (default <data dir>/prealert.config.json)')
    .action(async (options: ServeOptions) => {
      const config = loadConfig({
        configFile: options.config,
        overrides: {
          port: options.port === undefined ? undefined : Number(options.port),
          host: options.host,
          dataDir: options.dataDir,
        },
      });
      const server = await createServer({ config });
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        server.logger.info({ signal }, 'stopping');
        server.close().then(
          () => process.exit(0),
          (error: unknown) => {
            server.logger.error({ err: error }, 'error while stopping');
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
      await server.listen();
    });
}
