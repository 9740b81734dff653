/**
 * `prealert serve` on a port another program holds: the built CLI as a child process must say so and exit, not stay
 * up listening nowhere (on an RDS server a second user's sidecar did, while its shim fell back to the first user's).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from './helpers/spawn-sidecar';

let holder: net.Server;
let port: number;
let dataDir: string;

beforeAll(async () => {
  holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  port = (holder.address() as net.AddressInfo).port;
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-port-taken-'));
});
afterAll(async () => {
  await new Promise((resolve) => holder.close(resolve));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('prealert serve on a port that is taken', () => {
  it('exits with 1 and a message naming the port, and leaves no port file', async () => {
    expect(fs.existsSync(CLI), 'run pnpm build first').toBe(true);
    const child = spawn(process.execPath, [CLI, 'serve', '--port', String(port), '--data-dir', dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PREALERT_LOG_LEVEL: 'info' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(-1);
      }, 30_000);
      child.on('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    expect(code).toBe(1);
    expect(stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
    expect(fs.existsSync(path.join(dataDir, 'port'))).toBe(false);
    // The one message only: no log line carrying the EADDRINUSE stack before it.
    expect(stdout).not.toContain('EADDRINUSE');
    expect(stderr.trim().split('\n')).toHaveLength(1);
  }, 40_000);
});
