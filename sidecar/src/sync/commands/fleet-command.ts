import Table from 'cli-table3';
import type { Command } from 'commander';
import { tableStyle } from '../../commands/terminal-colour';
import type { LibraryInfo } from '../../library-holder';
import { positiveCountArgument } from '../../whole-number';
import type { SyncStatus } from '../library-sync';
import { type HeldLibrary, percent } from '../point-drop-guard';
import type { PushOutcome } from '../push-outcome';
import { shortSha } from '../version-label';
import { registerFleetStats } from './fleet-stats-command';
import { type FleetHost, mapConcurrently, readHostsFile } from './hosts-file';
import {
  offerSummary,
  type PlatformOffer,
  platformManifestUrl,
  readPlatformOffer,
  type Standing,
  standingOf,
} from './platform-offer';
import { callSidecar, isTimedOut, type SidecarAnswer } from './sidecar-client';
import { timedOutText, timeoutArgument } from './timeout-argument';

interface HostState {
  host: string;
  url: string;
  /**
   * The prealert build the host runs: its /v1/status software.build (version+commit.day), software.version from a
   * build that does not name its commit; null from a build too old to say.
   */
  software: string | null;
  /** The schema of the host's records database (/v1/status records.schema); null from a build too old to say. */
  records_schema: number | null;
  version: string | null;
  /**
   * The start of the library's sha256: two libraries published under one name differ here, and so do the bundled
   * national libraries of two builds. Null when the host does not say (a build before bundled digests).
   */
  sha256: string | null;
  knowledge_points: number | null;
  source: string | null;
  last_sync: string | null;
  stale: boolean | null;
  /** What the workstation does once its library is stale: serve (answers on) or refuse (every 3101/3102). */
  stale_policy: SyncStatus['stale_policy'] | null;
  /** Versions IT rolled back from, which the workstation does not take from the platform again. */
  held_back: string[];
  /**
   * A library the workstation held instead of activating, as it would drop too many knowledge points
   * (PREALERT_SYNC_MAX_DROP_SHARE); null when none is, or from a build without the guard.
   */
  held: HeldLibrary | null;
  /**
   * The files and folders another local account could rewrite to trust its own sync key (/v1/status
   * config.sync_key_unsafe, key-file-safety.ts): [] when none, null where not checked (Windows, an older build).
   */
  sync_key_unsafe: string[] | null;
  /** refusing: stale, and by PREALERT_SYNC_WHEN_STALE=refuse answering every 3101/3102 with infcode -1. */
  health: 'ready' | 'degraded' | 'refusing' | 'not_ready' | 'unreachable';
  error: string | null;
  /** The latest push to the host, accepted or refused and why: last_error no longer says once a poll succeeded. */
  last_push: PushOutcome | null;
  /**
   * Against the platform's current library (--platform or PREALERT_SYNC_URL): null when no platform was given or
   * read, or the host's library is unknown.
   */
  platform: Standing | null;
}

function ago(iso: string | null, now: number): string {
  if (!iso) return 'never';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  const text = s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;
  return `${iso} (${text} ago)`;
}

/** `prov44-2026.12: 3495 → 102 points (97.1% gone)`: what the workstation keeps out, and why in figures. */
function heldText(held: HeldLibrary | null): string {
  if (!held) return '';
  return `${held.version}: ${held.points_before} → ${held.points_after} points (${percent(held.dropped_share)} gone)`;
}

function pushText(push: PushOutcome | null, now: number): string {
  if (!push) return '';
  // No version: the push was refused before its manifest was read (push disabled, a bad token) or the manifest could
  // not be read; the reason says which, so no cause is guessed here.
  const what = `${push.outcome}${push.version === null ? '' : ` ${push.version}`}, ${ago(push.at, now)}`;
  return push.reason ? `${what}: ${push.reason}` : what;
}

async function probe(host: FleetHost, offer: PlatformOffer | undefined, timeoutMs: number): Promise<HostState> {
  const [status, ready] = await Promise.all([
    callSidecar<{
      library:
        | (Pick<LibraryInfo, 'version' | 'source' | 'knowledge_points'> & Partial<Pick<LibraryInfo, 'sha256'>>)
        | null;
      sync?: SyncStatus;
      software?: { version: string; build?: string; node: string };
      records?: { schema?: number };
      config?: { sync_key_unsafe?: { path: string }[] | null };
    }>(host.url, '/v1/status', { portFrom: host.portFrom, timeoutMs }),
    callSidecar<{ status: string; reason?: string }>(host.url, '/readyz', { portFrom: host.portFrom, timeoutMs }),
  ]);
  const base = { host: host.name, url: host.url };
  if (!status.body || status.status === 0) {
    return {
      ...base,
      software: null,
      records_schema: null,
      version: null,
      sha256: null,
      knowledge_points: null,
      source: null,
      last_sync: null,
      stale: null,
      stale_policy: null,
      held_back: [],
      held: null,
      sync_key_unsafe: null,
      health: 'unreachable',
      error: isTimedOut(status) ? timedOutText(timeoutMs) : (status.error ?? null),
      last_push: null,
      platform: null,
    };
  }
  const sync = status.body.sync;
  const answered = ready.body?.status;
  const health = answered === 'ready' || answered === 'degraded' || answered === 'refusing' ? answered : 'not_ready';
  const library = status.body.library;
  // The active library's own (the bundled one's too, from a build that names it), else the sync block's (older builds).
  const sha256 = library?.sha256 ?? sync?.library?.sha256 ?? null;
  return {
    ...base,
    software: status.body.software?.build ?? status.body.software?.version ?? null,
    records_schema: typeof status.body.records?.schema === 'number' ? status.body.records.schema : null,
    version: library?.version ?? null,
    sha256: sha256 ? shortSha(sha256) : null,
    knowledge_points: library?.knowledge_points ?? null,
    source: library?.source ?? null,
    last_sync: sync?.last_ok_at ?? null,
    stale: sync?.stale ?? null,
    stale_policy: sync?.stale_policy ?? null,
    held_back: sync?.held_back ?? [],
    held: sync?.held ?? null,
    sync_key_unsafe: unsafeKeyPaths(status.body.config?.sync_key_unsafe),
    health,
    error: sync?.last_error ?? ready.body?.reason ?? unansweredReadyz(ready, timeoutMs) ?? status.error ?? null,
    last_push: sync?.last_push ?? null,
    platform:
      offer && library && sync?.library
        ? standingOf(
            {
              sha256: sync.library.sha256,
              created_at: sync.library.created_at,
              held_back: sync.held_back,
              held: sync.held?.sha256 ?? null,
            },
            offer,
          )
        : null,
  };
}

/** /v1/status answered and /readyz did not (in time, or at all): the host is not_ready, and this says why. */
function unansweredReadyz(ready: SidecarAnswer<unknown>, timeoutMs: number): string | undefined {
  if (ready.body !== undefined) return undefined;
  return `/readyz ${isTimedOut(ready) ? timedOutText(timeoutMs) : (ready.error ?? 'not answered')}`;
}

function unsafeKeyPaths(listed: { path: string }[] | null | undefined): string[] | null {
  return Array.isArray(listed) ? listed.map((entry) => entry.path) : null;
}

/** `REPLACEABLE (2)`: that many paths let another local account trust its own key; `-` where not checked. */
function syncKeyText(paths: string[] | null): string {
  return paths === null ? '-' : paths.length === 0 ? 'ok' : `REPLACEABLE (${paths.length})`;
}

const STANDING_TEXT: Record<Standing, string> = {
  current: 'current',
  behind: 'BEHIND',
  held_back: 'held back',
  held: 'HELD',
  ahead: 'ahead',
};

/** `HELD (3495 → 900 points)`: the offer waits for an admin, and why in figures. */
function standingText(s: HostState): string {
  if (!s.platform) return '-';
  if (s.platform === 'held' && s.held) return `HELD (${s.held.points_before} → ${s.held.points_after} points)`;
  return STANDING_TEXT[s.platform];
}

interface FleetStatusOptions {
  hosts: string;
  concurrency: string;
  json?: boolean;
  platform?: string;
  timeout: string;
}

export function registerFleet(program: Command): void {
  const fleet = program.command('fleet').description('look at many workstations at once');
  fleet
    .command('status')
    .description(
      "each workstation's prealert build, records schema, library (version, sha256, points), last sync, stale policy, held-back versions, a library held for dropping too many points, whether another local account could replace its sync key, health, last push and, with a platform, whether it runs the platform's library",
    )
    .requiredOption('--hosts <file>', 'workstations, one host[:port] or URL per line')
    .option('--concurrency <n>', 'hosts at a time', '16')
    .option('--json', 'print JSON instead of a table')
    .option('--timeout <seconds>', 'give up on a host that has not answered after this many seconds', '15')
    .option(
      '--platform <url>',
      "the provincial platform's bundle directory (default PREALERT_SYNC_URL): marks each host current, behind, held back, held (it would drop too many points) or ahead",
    )
    .action(async (options: FleetStatusOptions) => {
      const concurrency = positiveCountArgument(options.concurrency, '--concurrency');
      const timeoutMs = timeoutArgument(options.timeout);
      const hosts = readHostsFile(options.hosts);
      const manifestUrl = platformManifestUrl(options.platform, process.env);
      const read = manifestUrl === undefined ? undefined : await readPlatformOffer(manifestUrl);
      const offer = read && 'version' in read ? read : undefined;
      // One line, and the hosts are listed all the same (on stderr with --json, which stays parseable).
      const unread = read && 'error' in read ? `platform not read, hosts not compared with it: ${read.error}\n` : '';
      if (unread && options.json) process.stderr.write(unread);
      const states = await mapConcurrently(hosts, concurrency, (host) => probe(host, offer, timeoutMs));
      if (options.json) process.stdout.write(`${JSON.stringify(states, null, 2)}\n`);
      else {
        const now = Date.now();
        const table = new Table({
          ...tableStyle(),
          head: [
            'host',
            'prealert',
            'schema',
            'version',
            'sha256',
            'points',
            'source',
            'last sync',
            'stale',
            'when stale',
            'held back',
            'held',
            'sync key',
            'health',
            'error',
            'last push',
            ...(offer ? ['platform'] : []),
          ],
        });
        for (const s of states) {
          table.push([
            s.host,
            s.software ?? '-',
            s.records_schema ?? '-',
            s.version ?? '-',
            s.sha256 ?? '-',
            s.knowledge_points ?? '-',
            s.source ?? '-',
            ago(s.last_sync, now),
            s.stale === null ? '-' : s.stale ? 'STALE' : 'no',
            s.stale_policy ?? '-',
            s.held_back.join(', '),
            heldText(s.held),
            syncKeyText(s.sync_key_unsafe),
            s.health,
            s.error ?? '',
            pushText(s.last_push, now),
            ...(offer ? [standingText(s)] : []),
          ]);
        }
        const ready = states.filter((s) => s.health === 'ready').length;
        const compared = offer ? `${offerSummary(offer, states)}\n` : unread;
        // Named below the table: the column only counts, and IT needs the paths to chmod them.
        const replaceable = states
          .filter((s) => s.sync_key_unsafe !== null && s.sync_key_unsafe.length > 0)
          .map(
            (s) =>
              `${s.host}: sync key replaceable by another local account through ${s.sync_key_unsafe!.join(', ')} (its log says the fix)\n`,
          )
          .join('');
        process.stdout.write(`${table.toString()}\n${ready}/${states.length} hosts ready\n${compared}${replaceable}`);
      }
      if (states.some((s) => s.health !== 'ready')) process.exitCode = 1;
    });
  registerFleetStats(fleet);
}
