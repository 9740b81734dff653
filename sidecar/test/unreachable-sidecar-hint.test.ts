/**
 * A command that finds nothing listening where it calls a sidecar says what to check: that the prealert service runs
 * on that machine, and the port called with where it came from (a hosts file line, --url, or the default when the
 * line names none). It said only `not running (connection refused)`, which a wrong port in a hosts file also gives
 * on a workstation whose sidecar is running. The words before the hint stay, for scripts that match them. The built
 * CLI, calling real loopback ports nothing listens on.
 */

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PORT } from '../src/config';
import { freeLoopbackPort } from './helpers/free-port';
import { assertBuilt, CLI } from './helpers/spawn-sidecar';
import { tempDataDir } from './helpers/test-server';

function prealert(args: string[]): { code: number | null; stdout: string; stderr: string } {
  assertBuilt();
  const result = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, PREALERT_LOG_LEVEL: 'error', NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const hint = (host: string, port: number | string, from: string) =>
  `not running (connection refused): check that the prealert service is running on ${host} and listens on port ${port} (${from})`;

describe('a sidecar nothing answers for', () => {
  it('fleet status names the machine, the port and the hosts file line it came from, or the default', async () => {
    const closed = await freeLoopbackPort();
    const hostsFile = path.join(tempDataDir(), 'hosts.txt');
    // 127.0.0.2 is loopback too, where no sidecar of this machine listens (they bind 127.0.0.1): the default port
    // there is refused even while a sidecar runs on 127.0.0.1:17311.
    fs.writeFileSync(hostsFile, `# ward 3\n127.0.0.1:${closed}\n127.0.0.2\n`);
    const status = prealert(['fleet', 'status', '--hosts', hostsFile]);
    expect(status.code).toBe(1);
    const row = (host: string) => status.stdout.split('\n').find((line) => line.includes(`│ ${host} `)) ?? '';
    expect(row(`127.0.0.1:${closed}`)).toContain(hint('127.0.0.1', closed, `from ${hostsFile}:2`));
    expect(row('127.0.0.2')).toContain(hint('127.0.0.2', DEFAULT_PORT, `the default: ${hostsFile}:3 names no port`));
    expect(status.stdout).toContain('0/2 hosts ready');
  });

  it('rollback --url names the machine and the port as --url gave it', async () => {
    const closed = await freeLoopbackPort();
    const url = `http://127.0.0.1:${closed}`;
    const rollback = prealert(['rollback', '--url', url, '--data-dir', tempDataDir()]);
    expect(rollback.code).toBe(1);
    expect(rollback.stderr.trim()).toBe(`prealert: ${url}: ${hint('127.0.0.1', closed, 'from --url')}`);
  });
});
