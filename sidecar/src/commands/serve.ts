import type { Command } from 'commander';
import { type ServeCommandOptions, serveConfig } from '../serve-config';
import { createServer } from '../server';
import { loadSyncConfig } from '../sync/sync-config';
import { loadKeys } from '../sync/trusted-keys';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the sidecar (national 3101/3102/3103 endpoint, records, stats) on this workstation')
    .option('-p, --port <port>', 'port to listen on (0 = any free port; default 17311 or PREALERT_PORT)')
    .option('--host <host>', 'address to bind (default 127.0.0.1: loopback only)')
    .option('-d, --data-dir <dir>', 'data directory (default per OS, or PREALERT_DATA_DIR)')
    .option('-c, --config <file>', 'config file (default <data dir>/prealert.config.json)')
    .action(async (options: ServeCommandOptions) => {
      const config = serveConfig(options);
      // A bad sync setting (file or environment), a key file that cannot be read among them, is refused here, before
      // the data dir is locked or written: the sync itself reads the keys only inside createServer.
      const sync = loadSyncConfig(process.env, config.sync);
      loadKeys(sync.publicKeyFiles, sync.publicKeySetting);
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
      try {
        await server.listen();
      } catch (error) {
        // Without this the process stayed up with its database, workers and timers and listened nowhere: IT saw a
        // running sidecar, and the shim fell back to a port that may be another user's (RDS).
        // One line on the console (below) is what IT acts on; a log file keeps the reason too, with no stack.
        if (config.log.file !== undefined)
          server.logger.error(
            { code: (error as NodeJS.ErrnoException | null)?.code ?? null, host: config.host, port: config.port },
            listenFailure(error, config.host, config.port),
          );
        stopping = true;
        await server.close().catch(() => undefined);
        process.stderr.write(`prealert: ${listenFailure(error, config.host, config.port)}\n`);
        process.exit(1);
      }
    });
}

/** Why the sidecar cannot take its address, worded for IT. */
export function listenFailure(error: unknown, host: string, port: number): string {
  const code = (error as NodeJS.ErrnoException | null | undefined)?.code;
  if (code === 'EADDRINUSE')
    return `port ${port} on ${host} is already in use (another prealert sidecar, perhaps another user's on this machine, or another program): set PREALERT_PORT or "port" in the config to a free port, or 0 for any free port (the native shim finds it through the port file)`;
  if (code === 'EACCES') return `not allowed to listen on ${host}:${port}: choose a port above 1023`;
  if (code === 'EADDRNOTAVAIL') return `${host} is not an address of this machine: check PREALERT_HOST or "host"`;
  return `cannot listen on ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`;
}
