import fs from 'node:fs';
import path from 'node:path';
import Table from 'cli-table3';
import type { Command } from 'commander';
import { tableStyle } from '../../commands/terminal-colour';
import { loadConfig } from '../../config';
import { readPortFile } from '../../port-file';
import { positiveCountArgument } from '../../whole-number';
import { LastGoodStore, noPreviousVersion, STORE_DIR } from '../last-good-store';
import type { ActivationReport } from '../library-sync';
import { mapConcurrently, readHostsFile } from './hosts-file';
import { callSidecar, FLEET_TOKEN_FROM, isNotRunning, LOCAL_TOKEN_FROM, type SidecarAnswer } from './sidecar-client';

interface RollbackOptions {
  url?: string;
  hosts?: string;
  concurrency: string;
  token?: string;
  dataDir?: string;
  config?: string;
  reactivateHeldBack?: boolean;
}

type RollbackAnswer = SidecarAnswer<{ report: ActivationReport }>;

function loopbackFor(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function rollbackAt(
  url: string,
  portFrom: string | undefined,
  token: string | undefined,
  reactivateHeldBack: boolean,
  tokenFrom: string,
): Promise<RollbackAnswer> {
  return callSidecar<{ report: ActivationReport }>(
    url,
    `/v1/admin/rollback${reactivateHeldBack ? '?reactivate_held_back=1' : ''}`,
    { method: 'POST', ...(token ? { token } : {}), timeoutMs: 120_000, portFrom, tokenFrom },
  );
}

/** Every host of a hosts file rolled back at once (undoing a fleet roll-out), one table row per host. */
async function rollbackFleet(options: RollbackOptions & { hosts: string }): Promise<void> {
  const concurrency = positiveCountArgument(options.concurrency, '--concurrency');
  const token = options.token ?? process.env.PREALERT_ADMIN_TOKEN;
  if (!token) throw new Error('an admin token is needed: --token or PREALERT_ADMIN_TOKEN');
  const hosts = readHostsFile(options.hosts);
  const answers = await mapConcurrently(hosts, concurrency, (host) =>
    rollbackAt(host.url, host.portFrom, token, options.reactivateHeldBack ?? false, FLEET_TOKEN_FROM),
  );
  const table = new Table({ ...tableStyle(), head: ['host', 'before', 'after', 'result'] });
  let done = 0;
  answers.forEach((answer, i) => {
    const report = answer.error ? undefined : answer.body?.report;
    if (report) done++;
    table.push([
      hosts[i]!.name,
      report?.version_before ?? '-',
      report?.version ?? '-',
      report ? 'rolled back' : (answer.error ?? 'no report'),
    ]);
  });
  process.stdout.write(`${table.toString()}\n${done}/${hosts.length} hosts rolled back\n`);
  if (done < hosts.length) process.exitCode = 1;
}

/**
 * --url as IT types it, checked before any call: undici's own "notaurl: ERR_INVALID_URL: Invalid URL" named no
 * option, and an ftp:// or mailto: one failed later with a message about the protocol instead.
 */
function checkSidecarUrl(value: string): void {
  let protocol = '';
  try {
    protocol = new URL(value).protocol;
  } catch {
    // Not a URL at all: said below, as for the wrong protocol.
  }
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new Error(
      `--url must be the sidecar's http:// address, like http://10.1.3.21:17311 (got ${JSON.stringify(value)})`,
    );
  }
}

export function registerRollback(program: Command): void {
  program
    .command('rollback')
    .description(
      'reactivate the previous library version (on the running sidecar, or for its next start); never the version a rollback left, unless --reactivate-held-back',
    )
    .option('--url <url>', 'sidecar to roll back (default: the one of this data directory)')
    .option('--hosts <file>', 'roll back every workstation listed, one host[:port] or URL per line')
    .option('--concurrency <n>', 'hosts at a time (with --hosts)', '8')
    .option('--token <token>', 'admin token (default PREALERT_ADMIN_TOKEN or the config file)')
    .option('-d, --data-dir <dir>', 'data directory (default per OS, or PREALERT_DATA_DIR)')
    .option('-c, --config <file>', 'config file')
    .option('--reactivate-held-back', 'also go back to a version held back after a rollback (undo a rollback)')
    .action(async (options: RollbackOptions) => {
      if (options.hosts) {
        if (options.url) throw new Error('give --url or --hosts, not both');
        await rollbackFleet({ ...options, hosts: options.hosts });
        return;
      }
      if (options.url !== undefined) checkSidecarUrl(options.url);
      const config = loadConfig({ configFile: options.config, overrides: { dataDir: options.dataDir } });
      const port = readPortFile(config.dataDir)?.port ?? config.port;
      const url = options.url ?? `http://${loopbackFor(config.host)}:${port}`;
      // Without --url, nothing listening is no error (the rollback is made on the data dir): no hint is shown.
      const portFrom = options.url ? 'from --url' : undefined;
      const token = options.token ?? config.adminToken;
      const reactivateHeldBack = options.reactivateHeldBack ?? false;
      const answer = await rollbackAt(url, portFrom, token, reactivateHeldBack, LOCAL_TOKEN_FROM);
      if (answer.body?.report && !answer.error) {
        const r = answer.body.report;
        process.stdout.write(`rolled back ${url}: ${r.version_before} -> ${r.version} (${r.duration_ms} ms)\n`);
        return;
      }
      if (!isNotRunning(answer) || options.url) throw new Error(`${url}: ${answer.error}`);
      // Nothing listens: change the data directory's state so the next start runs the previous version.
      // Checked before open(), which creates the store's folders: a mistyped --data-dir must not leave one behind.
      if (!fs.existsSync(path.join(config.dataDir, STORE_DIR)))
        throw new Error(noPreviousVersion(config.dataDir, null));
      const store = new LastGoodStore(config.dataDir);
      store.open();
      const { from, to } = store.swapForRollback(new Date().toISOString(), { offline: true, reactivateHeldBack });
      process.stdout.write(
        `the sidecar of ${config.dataDir} is not running; its next start uses ${to.version} instead of ${from.version} (and logs this rollback)\n`,
      );
    });
}
