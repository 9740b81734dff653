import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { MANIFEST_FILE, readManifestUnverified } from '@prealert/rules-cache';
import Table from 'cli-table3';
import type { Command } from 'commander';
import { tableStyle } from '../../commands/terminal-colour';
import { positiveCountArgument } from '../../whole-number';
import type { PollOutcome, SyncStatus } from '../library-sync';
import { shrinkProblem } from '../shrink-guard';
import { type FleetHost, mapConcurrently, readHostsFile } from './hosts-file';
import { pushProgress } from './push-progress';
import { callSidecar, FLEET_TOKEN_FROM } from './sidecar-client';

interface PushOptions {
  bundle: string;
  hosts: string;
  concurrency: string;
  token?: string;
  full?: boolean;
  allowOlder?: boolean;
  allowShrink?: boolean;
}

interface StatusBody {
  library: { version: string; knowledge_points?: number } | null;
  sync?: SyncStatus;
}

interface PushResult {
  host: FleetHost;
  before?: string;
  after?: string;
  sent?: 'full' | 'delta' | 'nothing';
  /** The host ran a newer library, which this push replaced (allowed with --allow-older). */
  downgrade?: boolean;
  /** The host already ran this library: nothing was sent, and the admin token was not checked there. */
  current?: boolean;
  error?: string;
}

/**
 * The bundle's manifest.json, a failure to read it naming --bundle: node's own "ENOENT: no such file or directory,
 * open 'b/manifest.json'" left the operator to guess which of the options was wrong.
 */
function readManifestBytes(bundleDir: string, manifestFile: string): Buffer {
  try {
    return fs.readFileSync(manifestFile);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new Error(
      `--bundle ${bundleDir}: ${manifestFile} cannot be read (${code}); give the directory \`prealert bundle build\` wrote`,
    );
  }
}

export function registerPush(program: Command): void {
  program
    .command('push')
    .description('push a signed bundle to many workstations (each verifies it against its trusted keys)')
    .requiredOption('--bundle <dir>', 'bundle directory from `prealert bundle build`')
    .requiredOption('--hosts <file>', 'workstations, one host[:port] or URL per line')
    .option('--concurrency <n>', 'hosts at a time', '8')
    .option('--token <token>', 'admin token of the workstations (default PREALERT_ADMIN_TOKEN)')
    .option('--full', 'always send the full library, never the delta')
    .option(
      '--allow-older',
      'also where the host runs a newer library (by created_at): without it such hosts refuse the push (409)',
    )
    .option(
      '--allow-shrink',
      "also where the bundle has less than half the knowledge points of the library the host runs (without it such hosts are skipped), or drops more than the host's PREALERT_SYNC_MAX_DROP_SHARE (without it the host holds it: 409)",
    )
    .action(async (options: PushOptions) => {
      const concurrency = positiveCountArgument(options.concurrency, '--concurrency');
      const token = options.token ?? process.env.PREALERT_ADMIN_TOKEN;
      if (!token) throw new Error('an admin token is needed: --token or PREALERT_ADMIN_TOKEN');
      const manifestFile = path.join(options.bundle, MANIFEST_FILE);
      const manifestBytes = readManifestBytes(options.bundle, manifestFile);
      const manifest = readManifestUnverified(manifestBytes, manifestFile);
      const manifestLine = JSON.stringify(JSON.parse(manifestBytes.toString('utf8')));
      for (const file of [manifest.library.file, manifest.delta?.file].filter(Boolean) as string[]) {
        if (!fs.existsSync(path.join(options.bundle, file)))
          throw new Error(`${path.join(options.bundle, file)} is missing`);
      }
      const hosts = readHostsFile(options.hosts);

      const progress = pushProgress(manifest.version, hosts.length);
      const results = await mapConcurrently(hosts, concurrency, async (host): Promise<PushResult> => {
        const result = await pushTo(host, token, options, manifest, manifestLine);
        progress.hostDone(host.name, result.error ? 'failed' : result.current ? 'current' : 'ok');
        return result;
      });
      progress.stop();
      const failed = results.filter((r) => r.error).length;

      const table = new Table({ ...tableStyle(), head: ['host', 'before', 'after', 'sent', 'result'] });
      for (const r of results) {
        table.push([r.host.name, r.before ?? '-', r.after ?? '-', r.sent ?? '-', r.error ?? resultText(r)]);
      }
      process.stdout.write(
        `${table.toString()}\n${results.length - failed}/${results.length} hosts run ${manifest.version}\n`,
      );
      if (failed > 0) process.exitCode = 1;
    });
}

function resultText(result: PushResult): string {
  if (result.current) return 'already current (nothing sent, token not checked)';
  return result.downgrade ? 'ok (downgrade)' : 'ok';
}

async function pushTo(
  host: FleetHost,
  token: string,
  options: PushOptions,
  manifest: ReturnType<typeof readManifestUnverified>,
  manifestLine: string,
): Promise<PushResult> {
  const status = await callSidecar<StatusBody>(host.url, '/v1/status', { portFrom: host.portFrom });
  if (status.error || !status.body) return { host, error: status.error ?? 'no status' };
  const before = status.body.library?.version;
  const sha = status.body.sync?.library?.sha256;
  // Nothing is sent, so the token is never put to the host: "ok" here let a wrong token pass a roll-out's dry run.
  if (sha === manifest.library.sha256) return { host, before, after: before, sent: 'nothing', current: true };
  // Checked here, per host, against what each one runs: a workstation takes any bundle signed with a trusted key.
  const running = status.body.library?.knowledge_points;
  if (!options.allowShrink && before !== undefined && running !== undefined) {
    const shrink = shrinkProblem(
      { name: before, points: running },
      { name: manifest.version, points: manifest.library.knowledge_points },
      'knowledge points',
    );
    if (shrink) return { host, before, sent: 'nothing', error: `not pushed: ${shrink}` };
  }
  const part = !options.full && manifest.delta && sha === manifest.delta.from_sha256 ? 'delta' : 'full';
  const file = path.join(options.bundle, part === 'delta' ? manifest.delta!.file : manifest.library.file);
  async function* body(): AsyncGenerator<Buffer> {
    yield Buffer.from(`${manifestLine}\n`, 'utf8');
    yield* fs.createReadStream(file, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>;
  }
  const answer = await callSidecar<PollOutcome & { library?: { version: string } }>(
    host.url,
    `/v1/admin/bundle?part=${part}${options.allowOlder ? '&allow_older=1' : ''}${options.allowShrink ? '&allow_shrink=1' : ''}`,
    {
      method: 'POST',
      token,
      body: Readable.from(body()),
      contentType: 'application/x-ndjson',
      timeoutMs: 600_000,
      portFrom: host.portFrom,
      tokenFrom: FLEET_TOKEN_FROM,
    },
  );
  if (answer.error) return { host, before, sent: part, error: answer.error };
  const downgrade = answer.body?.outcome === 'activated' && answer.body.report.downgrade === true;
  return { host, before, after: answer.body?.library?.version, sent: part, ...(downgrade ? { downgrade } : {}) };
}
