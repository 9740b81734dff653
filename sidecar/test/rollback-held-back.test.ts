/**
 * A second `prealert rollback` used to swap the two last versions back (finding 6): the bad library ran again and
 * the good one was held back, with exit 0 and "rolled back". The built CLI as IT runs it, against real sidecars over
 * loopback HTTP (one rollback for a whole hosts file) and on a stopped sidecar's data directory, with real bundles
 * of the NHSA files signed with real keys.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { WrittenBundle } from '@prealert/rules-cache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, CLI, type RunningSidecar, spawnSidecar } from './helpers/spawn-sidecar';
import { BundleFactory, heldBackLabel, tempDir } from './sync-support';

const TOKEN = 'rollback-held-back-token-0123456789';
const GOOD = 'hosp-2026.11.1';
const BAD = 'hosp-2026.11.2';
const work = tempDir('rollback-held-back');
const hosts: RunningSidecar[] = [];
let bundles: BundleFactory;
let good: WrittenBundle;
let bad: WrittenBundle;
let hostsFile: string;

function prealert(args: string[]) {
  assertBuilt();
  const result = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    timeout: 180_000,
    env: { ...process.env, PREALERT_ADMIN_TOKEN: TOKEN },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface SyncView {
  library: { version: string };
  sync: { held_back: string[]; previous: { version: string } | null };
}
const status = async (host: RunningSidecar) => (await (await fetch(`${host.url}/v1/status`)).json()) as SyncView;
/** A table without its frame and colours (cli-table3 colours it when FORCE_COLOR is set), one space between words. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the escape that starts a colour
const flat = (text: string) => text.replace(/\u001b\[\d+m/g, '').replace(/[│┌┐└┘├┤┬┴┼─\s]+/g, ' ');

beforeAll(async () => {
  bundles = new BundleFactory(path.join(work, 'bundles'));
  good = bundles.write('good', bundles.library(GOOD));
  bad = bundles.write('bad', bundles.library(BAD, { revision: true }), good);
  for (const name of ['a', 'b']) {
    const dataDir = path.join(work, `host-${name}`);
    fs.mkdirSync(dataDir);
    hosts.push(
      await spawnSidecar(dataDir, [], {
        PREALERT_ADMIN_TOKEN: TOKEN,
        PREALERT_SYNC_PUBKEY: bundles.keys.publicKeyFile,
      }),
    );
  }
  hostsFile = path.join(work, 'hosts.txt');
  fs.writeFileSync(hostsFile, `# the ward\n${hosts.map((h) => h.url).join('\n')}\n`);
  for (const bundle of [good, bad]) {
    const pushed = prealert(['push', '--bundle', bundle.dir, '--hosts', hostsFile]);
    if (pushed.code !== 0) throw new Error(pushed.stdout + pushed.stderr);
  }
}, 300_000);

afterAll(async () => {
  for (const host of hosts) await host.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('rollback --hosts, twice', () => {
  it('rolls every host back once; the second time each refuses, naming the held-back version, and nothing changes', async () => {
    const first = prealert(['rollback', '--hosts', hostsFile]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(flat(first.stdout)).toContain(` ${hosts[0]!.url} ${BAD} ${GOOD} rolled back `);
    expect(flat(first.stdout)).toContain(` ${hosts[1]!.url} ${BAD} ${GOOD} rolled back `);
    expect(first.stdout).toContain('2/2 hosts rolled back');

    const second = prealert(['rollback', '--hosts', hostsFile]);
    expect(second.code).not.toBe(0);
    expect(second.stdout).toContain('0/2 hosts rolled back');
    expect(flat(second.stdout)).toContain(
      flat(
        `HTTP 409: ${BAD} (${bad.manifest.signed.library.sha256.slice(0, 12)}) is held back: it is the version rolled back from`,
      ),
    );
    for (const host of hosts) {
      expect(await status(host)).toMatchObject({
        library: { version: GOOD },
        sync: { held_back: [heldBackLabel(bad)] },
      });
    }
  }, 120_000);

  it('goes back to the held-back version only when asked with --reactivate-held-back', async () => {
    const host = hosts[0]!;
    const single = prealert(['rollback', '--url', host.url]);
    expect(single.code).not.toBe(0);
    expect(single.stderr).toContain('is held back');
    expect((await status(host)).library.version).toBe(GOOD);

    const asked = prealert(['rollback', '--url', host.url, '--reactivate-held-back']);
    expect(asked.code).toBe(0);
    expect(asked.stdout).toContain(`${GOOD} -> ${BAD}`);
    expect(await status(host)).toMatchObject({ library: { version: BAD }, sync: { held_back: [heldBackLabel(good)] } });
  }, 120_000);

  it('on a stopped sidecar, a second rollback of its data directory refuses and leaves the next start alone', async () => {
    const host = hosts[1]!;
    await host.stop();
    const stateFile = path.join(host.dataDir, 'library', 'state.json');
    const stateBefore = fs.readFileSync(stateFile, 'utf8');
    const again = prealert(['rollback', '--data-dir', host.dataDir]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain(`${BAD} (${bad.manifest.signed.library.sha256.slice(0, 12)}) is held back`);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(fs.readFileSync(stateFile, 'utf8')).toBe(stateBefore);
    const restarted = await spawnSidecar(host.dataDir, [], {
      PREALERT_ADMIN_TOKEN: TOKEN,
      PREALERT_SYNC_PUBKEY: bundles.keys.publicKeyFile,
    });
    hosts[1] = restarted;
    expect((await status(restarted)).library.version).toBe(GOOD);
  }, 120_000);
});
