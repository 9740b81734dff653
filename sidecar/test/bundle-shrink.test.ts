/**
 * The roll-out audit's worst case (finding 9): a bundle built from local.csv alone built, verified, pushed and
 * activated without a word, and every national reminder was gone. `bundle build` and `push` as IT runs them (the
 * built CLI), real keys, real sidecars over loopback HTTP, the real national library they bundle.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, CLI, type RunningSidecar, spawnSidecar } from './helpers/spawn-sidecar';
import { tempDir } from './sync-support';

const TOKEN = 'bundle-shrink-test-token-0123456789';
const work = tempDir('bundle-shrink');
const key = path.join(work, 'keys', 'prealert-bundle.key');
const pubkey = path.join(work, 'keys', 'prealert-bundle.pub');
const hosts: RunningSidecar[] = [];

function prealert(args: string[]) {
  assertBuilt();
  const result = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, PREALERT_ADMIN_TOKEN: TOKEN },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The audit's local.csv: one row (阿瑞匹坦注射液, a real national code), as a hospital adds it. */
const localCsv = path.join(work, 'local.csv');
const build = (out: string, extra: string[] = []) =>
  prealert([
    'bundle',
    'build',
    '--source',
    localCsv,
    '--version',
    'hosp-2026.11.3',
    '--key',
    key,
    '--out',
    out,
    ...extra,
  ]);

async function status(host: RunningSidecar): Promise<{ library: { version: string; knowledge_points: number } }> {
  return (await (await fetch(`${host.url}/v1/status`)).json()) as {
    library: { version: string; knowledge_points: number };
  };
}

beforeAll(async () => {
  const keygen = prealert(['keygen', '--out', path.join(work, 'keys')]);
  if (keygen.code !== 0) throw new Error(keygen.stderr);
  fs.writeFileSync(
    localCsv,
    [
      'rule_name,gz_code,item_type,item_name,limit_type,limit_value,basis,code',
      '药品限适应症,GZ10000101008000,drug,阿瑞匹坦注射液,indication,限放化疗。|Z51.0;Z51.1,限放化疗。,XA04ADA285B002010102180',
    ].join('\n'),
  );
  for (const name of ['a', 'b']) {
    const dataDir = path.join(work, `host-${name}`);
    fs.mkdirSync(dataDir);
    hosts.push(await spawnSidecar(dataDir, [], { PREALERT_ADMIN_TOKEN: TOKEN, PREALERT_SYNC_PUBKEY: pubkey }));
  }
}, 120_000);

afterAll(async () => {
  for (const host of hosts) await host.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('a bundle that would drop most national points', () => {
  it('bundle build refuses it in one line, naming both counts and --allow-shrink, and writes nothing', () => {
    const out = path.join(work, 'refused');
    const result = build(out);
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(
      /hosp-2026\.11\.3 has 0 national knowledge points, the national library prealert bundles \(nhsa-b1-17\+r2026\.01\) has (\d+): \1 would be gone .*add --allow-shrink; no bundle was written/,
    );
    expect(fs.existsSync(out)).toBe(false);
  });

  it('push skips each host it would leave with less than half its points, and takes it with --allow-shrink', async () => {
    const out = path.join(work, 'b3');
    const built = build(out, ['--allow-shrink']);
    expect(built.code).toBe(0);
    expect(built.stdout).toContain('1 knowledge points');
    const hostsFile = path.join(work, 'hosts.txt');
    fs.writeFileSync(hostsFile, hosts.map((h) => h.url).join('\n'));
    const running = (await status(hosts[0]!)).library;
    expect(running.knowledge_points).toBeGreaterThan(3000);

    const refused = prealert(['push', '--bundle', out, '--hosts', hostsFile]);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toContain('0/2 hosts run hosp-2026.11.3');
    const said = `not pushed: hosp-2026.11.3 has 1 knowledge points, ${running.version} has ${running.knowledge_points}: ${running.knowledge_points - 1} would be gone`;
    // cli-table3 wraps nothing here, but pads: compare without the table's frame.
    expect(refused.stdout.replace(/[│\s]+/g, ' ')).toContain(said.replace(/\s+/g, ' '));
    for (const host of hosts) {
      expect((await status(host)).library).toMatchObject({
        version: running.version,
        knowledge_points: running.knowledge_points,
      });
    }

    const meant = prealert(['push', '--bundle', out, '--hosts', hostsFile, '--allow-shrink']);
    expect(meant.code).toBe(0);
    expect(meant.stdout).toContain('2/2 hosts run hosp-2026.11.3');
    for (const host of hosts)
      expect((await status(host)).library).toMatchObject({ version: 'hosp-2026.11.3', knowledge_points: 1 });
  }, 120_000);
});
