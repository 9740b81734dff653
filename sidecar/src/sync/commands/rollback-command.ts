import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { readPortFile } from '../../port-file';
import { LastGoodStore } from '../last-good-store';
import type { ActivationReport } from '../library-sync';
import { callSidecar, isNotRunning } from './sidecar-client';

interface RollbackOptions {
  url?: string;
  token?: string;
  dataDir?: string;
  config?: string;
}

function loopbackFor(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

export function registerRollback(program: Command): void {
  program
    .command('rollback')
    .description('reactivate the previous library version (on the running sidecar, or for its next start)')
    .option('--url <url>', 'sidecar to roll back (default: the one of this data directory)')
    .option('--token <token>', 'admin token (default PREALERT_ADMIN_TOKEN or the config file)')
    .option('-d, --data-dir <dir>', 'data directory (default per OS, or PREALERT_DATA_DIR)')
    .option('-c, --config <file>', 'config file')
    .action(async (options: RollbackOptions) => {
      const config = loadConfig({ configFile: options.config, overrides: { dataDir: options.dataDir } });
      const port = readPortFile(config.dataDir)?.port ?? config.port;
      const url = options.url ?? `http://${loopbackFor(config.host)}:${port}`;
      const token = options.token ?? config.adminToken;
      const answer = await callSidecar<{ report: ActivationReport }>(url, '/v1/admin/rollback', {
        method: 'POST',
        ...(token ? { token } : {}),
        timeoutMs: 120_000,
      });
      if (answer.body?.report && !answer.error) {
        const r = answer.body.report;
        process.stdout.write(`rolled back ${url}: ${r.version_before} -> ${r.version} (${r.duration_ms} ms)\n`);
        return;
      }
      if (!isNotRunning(answer) || options.url) throw new Error(`${url}: ${answer.error}`);
      // Nothing listens: change the data directory's state so the next start runs the previous version.
      const store = new LastGoodStore(config.dataDir);
      store.open();
      const { from, to } = store.swapForRollback(new Date().toISOString(), { offline: true });
      process.stdout.write(
        `the sidecar of ${config.dataDir} is not running; its next start uses ${to.version} instead of ${from.version} (and logs this rollback)\n`,
      );
    });
}
