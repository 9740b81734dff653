/**
 * IT staff's side, end to end with the built CLI and real sidecars on loopback: `prealert push` to several
 * workstations (one trusting another key, one down), `prealert fleet status`; and the platform's 数据归集 receiver
 * getting a sidecar's forwarded 3103 dispositions through injected failures, each exactly once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { librarySha256, loadNationalLibrary } from '@prealert/rules-cache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProvincialPlatform, startPlatform } from '../examples/provincial-platform/src/platform-server';
import {
  ADDED_BY_REVISION,
  BATCH_FILES,
  provincialCsv,
  REVISION_FILE,
  tempDir,
  V1,
  V2,
  waitFor,
} from '../sidecar/test/sync-support';
import {
  envelope3101,
  freePort,
  type NationalAnswer,
  prealert,
  prealertAsync,
  type SidecarProcess,
  startSidecar,
} from './sync-process';

const TOKEN = 'fleet-admin-token-0123456789abcdef';
const work = tempDir('sync-fleet');
const running: SidecarProcess[] = [];
let v1Dir: string;
let v2Dir: string;
let hostsFile: string;
const hosts: SidecarProcess[] = [];
let deadPort: number;

function run(args: string[], env: Record<string, string> = {}) {
  const result = prealert(args, env);
  if (result.code !== 0) throw new Error(`prealert ${args.join(' ')}: ${result.stderr}`);
  return result;
}

beforeAll(async () => {
  run(['keygen', '--out', path.join(work, 'keys')]);
  run(['keygen', '--out', path.join(work, 'other-keys')]);
  const key = path.join(work, 'keys', 'prealert-bundle.key');
  v1Dir = path.join(work, 'v1');
  v2Dir = path.join(work, 'v2');
  run(['bundle', 'build', '--source', ...BATCH_FILES, '--version', V1, '--key', key, '--out', v1Dir]);
  run([
    'bundle',
    'build',
    '--source',
    ...BATCH_FILES,
    '--revision',
    REVISION_FILE,
    '--version',
    V2,
    '--key',
    key,
    '--out',
    v2Dir,
    '--parent',
    v1Dir,
  ]);
  const trusting = {
    PREALERT_ADMIN_TOKEN: TOKEN,
    PREALERT_SYNC_PUBKEY: path.join(work, 'keys', 'prealert-bundle.pub'),
  };
  const stranger = {
    PREALERT_ADMIN_TOKEN: TOKEN,
    PREALERT_SYNC_PUBKEY: path.join(work, 'other-keys', 'prealert-bundle.pub'),
  };
  for (const [i, env] of [trusting, trusting, stranger].entries()) {
    const sidecar = await startSidecar({ dataDir: path.join(work, `ws${i + 1}`), env });
    running.push(sidecar);
    hosts.push(sidecar);
  }
  deadPort = await freePort();
  hostsFile = path.join(work, 'hosts.txt');
  fs.writeFileSync(
    hostsFile,
    [
      '# ward 3 workstations',
      hosts[0]!.url,
      hosts[1]!.url.replace('http://', ''),
      `${hosts[2]!.url}   # trusts another key`,
      '',
      `127.0.0.1:${deadPort}`,
    ].join('\n'),
  );
});

afterAll(async () => {
  for (const s of running) await s.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

interface Manifest {
  signed: { library: { sha256: string } };
}

function v2Sha(): string {
  return (JSON.parse(fs.readFileSync(path.join(v2Dir, 'manifest.json'), 'utf8')) as Manifest).signed.library.sha256;
}

function rowOf(table: string, host: string): string {
  const row = table.split('\n').find((l) => l.includes(host));
  if (!row) throw new Error(`no row for ${host} in\n${table}`);
  return row;
}

describe('prealert push and fleet status', () => {
  it('pushes to every host, reports each in a table, and fails when any host did', () => {
    const result = prealert(['push', '--bundle', v1Dir, '--hosts', hostsFile, '--concurrency', '2', '--token', TOKEN]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/push nhsa-b1-17 .* 4\/4 hosts/);
    const [h1, h2, h3] = hosts.map((h) => h.url.replace('http://', ''));
    expect(rowOf(result.stdout, h1!)).toMatch(new RegExp(`${V2.replace(/[+.]/g, '\\$&')}.*${V1}\\s.*full.*ok`));
    expect(rowOf(result.stdout, h2!)).toMatch(/full.*ok/);
    expect(rowOf(result.stdout, h3!)).toMatch(/HTTP 422: .*untrusted key/);
    expect(rowOf(result.stdout, `127.0.0.1:${deadPort}`)).toMatch(/not running/);
    expect(result.stdout).toContain('2/4 hosts run nhsa-b1-17');
  });

  it('sends the delta to hosts that run its parent', () => {
    const result = prealert(['push', '--bundle', v2Dir, '--hosts', hostsFile, '--token', TOKEN]);
    expect(result.code).toBe(1);
    const [h1, , h3] = hosts.map((h) => h.url.replace('http://', ''));
    expect(rowOf(result.stdout, h1!)).toMatch(/nhsa-b1-17 .*nhsa-b1-17\+r2026\.01.*delta.*ok/);
    expect(rowOf(result.stdout, h3!)).toMatch(/untrusted/);
  });

  it('refuses to push without a token', () => {
    const result = prealert(['push', '--bundle', v2Dir, '--hosts', hostsFile], { PREALERT_ADMIN_TOKEN: '' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('an admin token is needed');
  });

  it("shows each host's version, last sync and health", async () => {
    const result = prealert(['fleet', 'status', '--hosts', hostsFile, '--json']);
    expect(result.code).toBe(1);
    const states = JSON.parse(result.stdout) as {
      host: string;
      version: string | null;
      sha256: string | null;
      knowledge_points: number | null;
      source: string | null;
      stale_policy: string | null;
      held_back: string[];
      health: string;
    }[];
    expect(states.map((s) => [s.version, s.source, s.health])).toEqual([
      [V2, 'push', 'ready'],
      [V2, 'push', 'ready'],
      [V2, 'bundled', 'ready'],
      [null, null, 'unreachable'],
    ]);
    // The library itself, not only its name: two hosts running one library show one sha256 and one count.
    const pushed = v2Sha().slice(0, 12);
    expect(states.map((s) => [s.sha256, s.knowledge_points, s.stale_policy, s.held_back])).toEqual([
      [pushed, 3495, 'serve', []],
      [pushed, 3495, 'serve', []],
      // The bundled library named by its content too (another build's reading of the NHSA files differs there).
      [librarySha256(loadNationalLibrary()).slice(0, 12), 3495, 'serve', []],
      [null, null, null, []],
    ]);
    const table = prealert(['fleet', 'status', '--hosts', hostsFile]);
    expect(table.stdout).toContain('3/4 hosts ready');
    expect(table.stdout).toMatch(/sha256.*points.*when stale.*held back/);
    expect(rowOf(table.stdout, hosts[0]!.url.replace('http://', ''))).toMatch(
      new RegExp(`${pushed}.*3495.*push.*never.*serve.*ready`),
    );
  });

  it('refuses a push under the version name a host runs with other content, naming both sha256 prefixes', () => {
    const sameName = path.join(work, 'same-name');
    run([
      'bundle',
      'build',
      '--source',
      ...BATCH_FILES,
      provincialCsv(work),
      '--revision',
      REVISION_FILE,
      '--version',
      V2,
      '--key',
      path.join(work, 'keys', 'prealert-bundle.key'),
      '--out',
      sameName,
    ]);
    const offered = (JSON.parse(fs.readFileSync(path.join(sameName, 'manifest.json'), 'utf8')) as Manifest).signed
      .library.sha256;
    const result = prealert(['push', '--bundle', sameName, '--hosts', hostsFile, '--token', TOKEN]);
    expect(result.code).toBe(1);
    const h1 = hosts[0]!.url.replace('http://', '');
    expect(rowOf(result.stdout, h1)).toContain(
      `HTTP 409: pushed manifest: ${V2} (library sha256 ${offered.slice(0, 12)}`,
    );
    expect(result.stdout).toContain(`(sha256 ${v2Sha().slice(0, 12)}`);
    const states = JSON.parse(prealert(['fleet', 'status', '--hosts', hostsFile, '--json']).stdout) as {
      sha256: string | null;
      last_push: { version: string | null; outcome: string; reason: string | null } | null;
    }[];
    expect(states[0]!.sha256).toBe(v2Sha().slice(0, 12));
    // Why the host did not take it stays in fleet status, after the push terminal is closed.
    expect(states[0]!.last_push).toMatchObject({ version: V2, outcome: 'refused' });
    expect(states[0]!.last_push!.reason).toContain(`(library sha256 ${offered.slice(0, 12)}`);
    const table = prealert(['fleet', 'status', '--hosts', hostsFile]).stdout;
    expect(table).toContain('last push');
    expect(rowOf(table, h1)).toMatch(
      new RegExp(`refused ${V2.replace(/[+.]/g, '\\$&')}, .* ago\\): pushed manifest: `),
    );
  });
});

describe('prealert fleet status of stale workstations', () => {
  /** A data dir whose bundled library's age has counted for two minutes (a maximum age of 60 s is past). */
  function installedMinutesAgo(name: string): string {
    const dataDir = path.join(work, name);
    fs.mkdirSync(path.join(dataDir, 'library'), { recursive: true });
    const since = new Date(Date.now() - 120_000).toISOString();
    fs.writeFileSync(path.join(dataDir, 'library', 'sync.json'), JSON.stringify({ age_counted_from: since }));
    return dataDir;
  }

  it('tells a workstation refusing every prescription from one still answering', async () => {
    const serving = await startSidecar({
      dataDir: installedMinutesAgo('ws-stale-serve'),
      env: { PREALERT_SYNC_MAX_AGE_S: '60' },
    });
    running.push(serving);
    const refusing = await startSidecar({
      dataDir: installedMinutesAgo('ws-stale-refuse'),
      env: { PREALERT_SYNC_MAX_AGE_S: '60', PREALERT_SYNC_WHEN_STALE: 'refuse' },
    });
    running.push(refusing);
    const staleHosts = path.join(work, 'stale-hosts.txt');
    fs.writeFileSync(staleHosts, [serving.url, refusing.url].join('\n'));
    const result = prealert(['fleet', 'status', '--hosts', staleHosts, '--json']);
    expect(result.code).toBe(1);
    const states = JSON.parse(result.stdout) as { stale: boolean; stale_policy: string; health: string }[];
    expect(states.map((s) => [s.stale, s.stale_policy, s.health])).toEqual([
      [true, 'serve', 'degraded'],
      [true, 'refuse', 'refusing'],
    ]);
    const table = prealert(['fleet', 'status', '--hosts', staleHosts]).stdout;
    expect(rowOf(table, refusing.url.replace('http://', ''))).toMatch(/STALE.*refuse.*refusing/);
    await serving.stop();
    await refusing.stop();
  });
});

describe('prealert push of an older bundle', () => {
  it('is refused by hosts running a newer library unless told --allow-older, and then says downgrade', () => {
    const [h1, h2] = hosts.map((h) => h.url.replace('http://', ''));
    const refused = prealert(['push', '--bundle', v1Dir, '--hosts', hostsFile, '--token', TOKEN]);
    expect(refused.code).toBe(1);
    for (const h of [h1!, h2!]) {
      expect(rowOf(refused.stdout, h)).toMatch(
        /HTTP 409: nhsa-b1-17 \(created .*\) is older than nhsa-b1-17\+r2026\.01 \(created .*\), which this workstation runs/,
      );
    }
    expect(refused.stdout).toContain('0/4 hosts run nhsa-b1-17');

    const allowed = prealert(['push', '--bundle', v1Dir, '--hosts', hostsFile, '--token', TOKEN, '--allow-older']);
    expect(allowed.code).toBe(1);
    for (const h of [h1!, h2!]) {
      expect(rowOf(allowed.stdout, h)).toMatch(/nhsa-b1-17\+r2026\.01 .*nhsa-b1-17 .*full.*ok \(downgrade\)/);
    }
    expect(allowed.stdout).toContain('2/4 hosts run nhsa-b1-17');
  });
});

describe('prealert fleet status against the platform', () => {
  let platform: ProvincialPlatform;
  beforeAll(async () => {
    platform = await startPlatform();
  });
  afterAll(async () => {
    await platform.close();
  });

  // Not spawnSync (prealert): the platform simulator runs in this process and must answer meanwhile.
  const fleetStatus = (args: string[], env: Record<string, string> = {}) =>
    prealertAsync(['fleet', 'status', '--hosts', hostsFile, ...args], env);
  const standings = async (args: string[], env: Record<string, string> = {}) => {
    const result = await fleetStatus(['--json', ...args], env);
    expect(result.stderr, result.stderr).toBe('');
    return (JSON.parse(result.stdout) as { platform: string | null }[]).map((s) => s.platform);
  };

  it("marks each host current, behind, held back or ahead of the platform's library, with a summary line", async () => {
    const [h1, , h3] = hosts.map((h) => h.url.replace('http://', ''));
    // The hosts as the hosts file names them, as the summary does.
    const [n1, n2, n3] = [hosts[0]!.url, hosts[1]!.url.replace('http://', ''), hosts[2]!.url];
    const dead = `127.0.0.1:${deadPort}`;
    // By now h1 and h2 run V1, pushed over V2 with --allow-older (V2 held back); h3 runs the bundled library.
    platform.publish(v2Dir);
    expect(await standings(['--platform', platform.bundleUrl])).toEqual(['held_back', 'held_back', 'behind', null]);
    const onV2 = (await fleetStatus(['--platform', platform.bundleUrl])).stdout;
    // The last column (cells are framed in colour codes when the terminal has colour).
    expect(onV2).toMatch(/last push.*platform/);
    expect(rowOf(onV2, h1!)).toMatch(/ held back[^│]*│[^│]*$/);
    expect(rowOf(onV2, h3!)).toMatch(/ BEHIND[^│]*│[^│]*$/);
    expect(onV2).toContain(
      `0 of 4 on ${V2} (${v2Sha().slice(0, 12)}), the platform's current library; behind: ${n3}; held back (behind on purpose): ${n1}, ${n2}; unknown: ${dead}`,
    );

    // Where the platform is not given, this machine's PREALERT_SYNC_URL (set up as the workstations are) is used.
    platform.publish(v1Dir);
    const onV1 = (await fleetStatus([], { PREALERT_SYNC_URL: platform.bundleUrl })).stdout;
    expect(rowOf(onV1, h1!)).toMatch(/ current[^│]*│[^│]*$/);
    expect(onV1).toMatch(new RegExp(`\\n2 of 4 on ${V1} \\(.*; behind: ${n3}; unknown: ${dead}\\n`));

    // A platform still offering a library older than what the hosts run (IT pushed ahead of it).
    const older = path.join(work, 'january');
    run([
      'bundle',
      'build',
      '--source',
      ...BATCH_FILES,
      '--version',
      'nhsa-b1-17-jan',
      '--created-at',
      '2026-01-01T00:00:00+08:00',
      '--key',
      path.join(work, 'keys', 'prealert-bundle.key'),
      '--out',
      older,
    ]);
    platform.publish(older);
    expect(await standings(['--platform', platform.bundleUrl])).toEqual(['ahead', 'ahead', 'ahead', null]);
    // Without a platform, nothing is compared: no column, no summary.
    const alone = (await fleetStatus([], { PREALERT_SYNC_URL: '' })).stdout;
    expect(alone).not.toMatch(/platform|of 4 on/);
  });

  it('says in one line that the platform could not be read, and still lists every host', async () => {
    const down = `http://127.0.0.1:${deadPort}/bundles/`;
    const table = await fleetStatus(['--platform', down]);
    expect(table.code).toBe(1);
    const said = table.stdout.split('\n').filter((l) => l.includes('platform'));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(
      new RegExp(`^platform not read, hosts not compared with it: GET ${down}manifest\\.json: ECONNREFUSED`),
    );
    for (const h of hosts) expect(rowOf(table.stdout, h.url.replace('http://', ''))).toMatch(/ready/);
    expect(table.stdout).toContain('3/4 hosts ready');

    const json = await fleetStatus(['--json', '--platform', down]);
    expect(json.stderr).toContain('platform not read');
    expect((JSON.parse(json.stdout) as { platform: string | null }[]).map((s) => s.platform)).toEqual([
      null,
      null,
      null,
      null,
    ]);
  });
});

describe('数据归集 through the platform simulator', () => {
  let platform: ProvincialPlatform;
  beforeAll(async () => {
    platform = await startPlatform();
  });
  afterAll(async () => {
    await platform.close();
  });

  it('receives a forwarded 3103 disposition once, through 5xx answers', async () => {
    platform.inject({ kind: 'status', target: 'collect', status: 503, times: 2 });
    const sidecar = await startSidecar({
      dataDir: path.join(work, 'ws-collect'),
      env: { PREALERT_PLATFORM_URL: platform.collectUrl },
    });
    running.push(sidecar);
    const analysis = await sidecar.post<NationalAnswer>(
      '/fsi/api/rsfComIfsService/callService',
      envelope3101(ADDED_BY_REVISION.code, ADDED_BY_REVISION.gend, 'MDTRT-COLLECT-1'),
    );
    const jrId = analysis.body.output.result?.[0]?.jr_id;
    expect(jrId).toBeTruthy();
    const feedback = await sidecar.post<NationalAnswer>('/fsi/api/rsfComIfsService/callService', {
      infno: '3103',
      msgid: 'H44010000001202611201000009999',
      mdtrtarea_admvs: '440100',
      input: {
        data: { warn_type: '1', warns: [{ warn_rslt_id: jrId, dspo_way: '1', dspo_way_rea: '患者病情需要，已告知' }] },
      },
    });
    expect(feedback.body.infcode).toBe(0);
    const uploads = await waitFor(
      'the disposition at the platform',
      () => {
        const found = platform.uploads().filter((u) => u.kind === 'disposition');
        return found.length > 0 ? found : undefined;
      },
      30_000,
    );
    expect(uploads).toHaveLength(1);
    expect(JSON.stringify(uploads[0]!.body)).toContain(jrId!);
    expect(platform.requests.filter((r) => r.target === 'collect' && r.status === 503)).toHaveLength(2);
    // The patient's name never leaves the workstation.
    expect(JSON.stringify(platform.uploads())).not.toContain('测试患者');
    await sidecar.stop();
  });

  it('dedups by Idempotency-Key', async () => {
    const send = () =>
      fetch(platform.collectUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'fixed-key-1' },
        body: JSON.stringify({ id: 'fixed-key-1', kind: 'daily_figures', payload: {} }),
      }).then((r) => r.json() as Promise<{ duplicate: boolean }>);
    expect(await send()).toMatchObject({ duplicate: false });
    expect(await send()).toMatchObject({ duplicate: true });
    expect(platform.uploads().find((u) => u.key === 'fixed-key-1')).toMatchObject({ deliveries: 2 });
    const missing = await fetch(platform.collectUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(missing.status).toBe(400);
  });
});
