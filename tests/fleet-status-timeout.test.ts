/**
 * `prealert fleet status` (the built CLI) over a hosts file with a real sidecar and a workstation that accepts the
 * connection and never answers (a hung sidecar, a proxy holding the request): the hung one is listed unreachable
 * with how long was waited and what sets it, after --timeout rather than a fixed 15 s, and the others are listed.
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../sidecar/test/sync-support';
import { prealert, prealertAsync, type SidecarProcess, startSidecar } from './sync-process';

const work = tempDir('fleet-status-timeout');
let sidecar: SidecarProcess;
let silent: net.Server;
/** Answers /v1/status, never /readyz: a sidecar stuck in its readiness check. */
let halfAnswering: http.Server;
let halfHost: string;
const sockets: net.Socket[] = [];
/** How long the CLI held each connection to the silent host open before giving up on it, in seconds. */
const held: number[] = [];
let hostsFile: string;
let hung: string;

beforeAll(async () => {
  sidecar = await startSidecar({ dataDir: path.join(work, 'ws-answering') });
  silent = net.createServer((socket) => {
    sockets.push(socket);
    const opened = Date.now();
    socket.on('close', () => held.push((Date.now() - opened) / 1000));
    // The CLI closes its side when it gives up; ending ours lets 'close' come.
    socket.on('end', () => socket.end());
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  hung = `127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
  halfAnswering = http.createServer((request, response) => {
    if (request.url !== '/v1/status') return;
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ library: null }));
  });
  await new Promise<void>((resolve) => halfAnswering.listen(0, '127.0.0.1', resolve));
  halfHost = `127.0.0.1:${(halfAnswering.address() as net.AddressInfo).port}`;
  hostsFile = path.join(work, 'hosts.txt');
  fs.writeFileSync(hostsFile, `${sidecar.url}\n${hung}\n`);
}, 60_000);

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent?.close(resolve));
  halfAnswering?.closeAllConnections();
  await new Promise((resolve) => halfAnswering?.close(resolve));
  await sidecar?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

async function waitForClosed(n: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (held.length < n && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

interface HostJson {
  host: string;
  health: string;
  error: string | null;
}

describe('prealert fleet status --timeout', () => {
  it('lists a host that never answers as unreachable after --timeout seconds, and says so', async () => {
    // Not spawnSync: the silent host is this process.
    const run = await prealertAsync(['fleet', 'status', '--hosts', hostsFile, '--timeout', '5', '--json']);
    expect(run.code, run.stderr).toBe(1);
    const states = JSON.parse(run.stdout) as HostJson[];
    expect(states.map((s) => s.health)).toEqual(['ready', 'unreachable']);
    expect(states[1]).toMatchObject({ host: hung, error: 'timed out after 5 s (--timeout)' });
    // Given up on at its --timeout, not at the default 15 s: /v1/status and /readyz, each held about 5 s (the CLI's own
    // start, slow on a loaded machine, is not in it).
    await waitForClosed(2);
    expect(held).toHaveLength(2);
    for (const seconds of held) expect(seconds).toBeLessThan(10);

    const table = await prealertAsync(['fleet', 'status', '--hosts', hostsFile, '--timeout', '5']);
    expect(table.stdout.split('\n').find((line) => line.includes(hung))).toContain('timed out after 5 s (--timeout)');
    expect(table.stdout).toContain('1/2 hosts ready');
  }, 60_000);

  it('says why a host whose /v1/status answered is not ready when its /readyz does not answer in time', async () => {
    const file = path.join(work, 'hosts-half.txt');
    fs.writeFileSync(file, `${halfHost}\n`);
    const run = await prealertAsync(['fleet', 'status', '--hosts', file, '--timeout', '3', '--json']);
    expect(run.code, run.stderr).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject([
      { host: halfHost, health: 'not_ready', error: '/readyz timed out after 3 s (--timeout)' },
    ]);
  }, 60_000);

  it('refuses a --timeout that is not a positive whole number of seconds, naming the option', () => {
    for (const value of ['2s', '86401']) {
      const run = prealert(['fleet', 'status', '--hosts', hostsFile, '--timeout', value]);
      expect(run.code, value).not.toBe(0);
      expect(run.stderr, value).toContain('--timeout must be');
      expect(run.stdout, value).toBe('');
    }
  });
});
