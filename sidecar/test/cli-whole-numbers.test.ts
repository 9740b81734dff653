/**
 * Numbers on the command line take digits alone. `serve --port` and the `--concurrency` of push, fleet status and
 * rollback --hosts went through Number(): `--port 0x10` listened on 16, `--port 1e3` on 1000, `--port " 80 "` on 80,
 * `--concurrency 0x10` ran 16 hosts at a time. Each is refused in one line naming the option, exit code 1 as for any
 * other bad setting, before anything listens or any host is called.
 */

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertBuilt, CLI } from './helpers/spawn-sidecar';
import { tempDataDir } from './helpers/test-server';

const NOT_DIGITS = ['0x10', '1e3', ' 80 ', '+80', '80.0', '-1', ''];

function run(args: string[]): { status: number | null; lines: string[] } {
  assertBuilt();
  const result = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, PREALERT_LOG_LEVEL: 'error', PREALERT_ADMIN_TOKEN: 'a-token-of-16-chars-or-more' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, lines: result.stderr.trim().split('\n') };
}

describe('serve --port', () => {
  it.each(NOT_DIGITS)('refuses %j in one line naming --port, exit 1, listening nowhere', (value) => {
    const dataDir = tempDataDir();
    const { status, lines } = run(['serve', '--data-dir', dataDir, '--port', value]);
    expect(lines).toEqual([`prealert: --port must be an integer from 0 to 65535 (got ${JSON.stringify(value)})`]);
    expect(status).toBe(1);
    expect(fs.existsSync(path.join(dataDir, 'port'))).toBe(false);
  });

  it('still refuses a port beyond 65535 the same way', () => {
    expect(run(['serve', '--data-dir', tempDataDir(), '--port', '65536']).lines).toEqual([
      'prealert: --port must be an integer from 0 to 65535 (got "65536")',
    ]);
  });
});

describe('--concurrency', () => {
  const hostsFile = () => {
    const file = path.join(tempDataDir(), 'hosts.txt');
    // A port nothing listens on: a concurrency that got through would call it and say so, not the refusal below.
    fs.writeFileSync(file, '127.0.0.1:9\n');
    return file;
  };
  const commands: Record<string, (value: string) => string[]> = {
    push: (value) => ['push', '--bundle', tempDataDir(), '--hosts', hostsFile(), '--concurrency', value],
    'fleet status': (value) => ['fleet', 'status', '--hosts', hostsFile(), '--concurrency', value],
    'rollback --hosts': (value) => ['rollback', '--hosts', hostsFile(), '--concurrency', value],
  };
  describe.each(Object.keys(commands))('%s', (name) => {
    it.each(['0x10', '1e1', ' 4 ', '0', '2.5'])('refuses %j in one line naming --concurrency, exit 1', (value) => {
      const { status, lines } = run(commands[name]!(value));
      expect(lines).toEqual([`prealert: --concurrency must be a positive integer (got ${JSON.stringify(value)})`]);
      expect(status).toBe(1);
    });
  });

  it('takes plain digits (fleet status reads the host and reports it down)', () => {
    const { lines } = run(commands['fleet status']!('4'));
    expect(lines.join('\n')).not.toMatch(/--concurrency/);
  });
});
