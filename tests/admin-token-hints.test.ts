/**
 * What IT reads when the admin token is the problem, through the built CLI and real sidecars on loopback: a 401 says
 * where the command takes the token from (`--token`, `PREALERT_ADMIN_TOKEN`, the config key), a sidecar without a
 * token says where to set one and that an offline rollback needs none, and a push to a host already on the bundle's
 * library says it sent nothing and never checked the token, instead of "ok" (a wrong token passed a dry run). A real
 * bundle built from the NHSA files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_FILES, tempDir, V1 } from '../sidecar/test/sync-support';
import { prealert, type SidecarProcess, startSidecar } from './sync-process';

const TOKEN = 'hints-admin-token-0123456789abcdef';
const work = tempDir('admin-token-hints');
const bundleDir = path.join(work, 'v1');
let withToken: SidecarProcess;
let withoutToken: SidecarProcess;
let hostsFile: string;

beforeAll(async () => {
  const keys = path.join(work, 'keys');
  for (const args of [
    ['keygen', '--out', keys],
    ['bundle', 'build', '--source', ...BATCH_FILES, '--version', V1, '--key', path.join(keys, 'prealert-bundle.key')],
  ]) {
    const result = prealert(args[0] === 'bundle' ? [...args, '--out', bundleDir] : args);
    if (result.code !== 0) throw new Error(`prealert ${args.join(' ')}: ${result.stderr}`);
  }
  const pubkey = path.join(keys, 'prealert-bundle.pub');
  withToken = await startSidecar({
    dataDir: path.join(work, 'ws1'),
    env: { PREALERT_ADMIN_TOKEN: TOKEN, PREALERT_SYNC_PUBKEY: pubkey },
  });
  withoutToken = await startSidecar({ dataDir: path.join(work, 'ws2'), env: { PREALERT_SYNC_PUBKEY: pubkey } });
  hostsFile = path.join(work, 'hosts.txt');
  fs.writeFileSync(hostsFile, `${withToken.url}\n`);
}, 180_000);

afterAll(async () => {
  await withToken?.stop();
  await withoutToken?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

function rowOf(table: string, host: string): string {
  const row = table.split('\n').find((l) => l.includes(host));
  if (!row) throw new Error(`no row for ${host} in\n${table}`);
  return row;
}

describe('admin token problems', () => {
  it('rollback without the token: the 401 names --token, PREALERT_ADMIN_TOKEN and the config key', () => {
    const result = prealert(['rollback', '--url', withToken.url, '--data-dir', withToken.dataDir], {
      PREALERT_ADMIN_TOKEN: '',
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      `prealert: ${withToken.url}: HTTP 401: admin token missing or wrong: give the sidecar's admin token with ` +
        '--token, PREALERT_ADMIN_TOKEN or "adminToken" in its config file (prealert.config.json in its data dir, or --config)',
    );
  });

  it('rollback --hosts and push with a wrong token: the 401 says where the command and the hosts keep it', () => {
    const host = withToken.url.replace('http://', '');
    const hint =
      'HTTP 401: admin token missing or wrong: give the workstations\' admin token (their PREALERT_ADMIN_TOKEN or "adminToken" in prealert.config.json) with --token or PREALERT_ADMIN_TOKEN';
    const rollback = prealert(['rollback', '--hosts', hostsFile, '--token', 'wrong-token-0123456789'], {
      NO_COLOR: '1',
    });
    expect(rollback.code).toBe(1);
    // Compared without spaces: the table pads its cells.
    expect(rollback.stdout.replace(/\s+/g, '')).toContain(hint.replace(/\s+/g, ''));
    const push = prealert(['push', '--bundle', bundleDir, '--hosts', hostsFile, '--token', 'wrong-token-0123456789'], {
      NO_COLOR: '1',
    });
    expect(push.code).toBe(1);
    expect(rowOf(push.stdout, host)).toContain('HTTP 401: admin token missing or wrong: give the workstations');
  });

  it('a sidecar without a token names the config key and the offline rollback', () => {
    const result = prealert(['rollback', '--url', withoutToken.url, '--data-dir', withoutToken.dataDir], {
      PREALERT_ADMIN_TOKEN: TOKEN,
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      `prealert: ${withoutToken.url}: HTTP 403: admin endpoints are disabled: no admin token is configured ` +
        '(PREALERT_ADMIN_TOKEN, or "adminToken" in prealert.config.json, then restart the sidecar); to roll back the ' +
        'library without one, stop the sidecar and run `prealert rollback` on the workstation',
    );
  });

  it('a push to a host already on the library says nothing was sent and the token was not checked', () => {
    const host = withToken.url.replace('http://', '');
    const first = prealert(['push', '--bundle', bundleDir, '--hosts', hostsFile, '--token', TOKEN], { NO_COLOR: '1' });
    expect(first.stderr).not.toContain('HTTP');
    expect(first.code).toBe(0);
    expect(rowOf(first.stdout, host)).toMatch(/full\s.*ok/);

    const again = prealert(['push', '--bundle', bundleDir, '--hosts', hostsFile, '--token', 'wrong-token-0123456789'], {
      NO_COLOR: '1',
    });
    // The host runs the bundle's library: that is what the push is for, so it is no failure.
    expect(again.code).toBe(0);
    expect(rowOf(again.stdout, host)).toContain('already current (nothing sent, token not checked)');
    // The plain progress line of a redirected push (a roll-out's log) says so too.
    expect(again.stderr).toContain(`push ${V1} to ${withToken.url}: already current, 1/1 hosts, failed 0`);
    expect(again.stdout).toContain(`1/1 hosts run ${V1}`);
  });
});
