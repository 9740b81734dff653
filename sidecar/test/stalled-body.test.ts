/**
 * A client that sends the headers of a large body and then stops: fastify's default requestTimeout (0) also
 * switched off node's own, so the sidecar held the connection (and the body read so far) for as long as the client
 * kept it open. With requestTimeoutMs it answers 408 and closes the connection. A real sidecar on a loopback port,
 * a raw socket as the client.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_REQUEST_TIMEOUT_MS, loadConfig } from '../src/config';
import type { SidecarServer } from '../src/server';
import { tempDataDir, testServer } from './helpers/test-server';

let server: SidecarServer;
let port: number;

beforeAll(async () => {
  server = await testServer({ requestTimeoutMs: 500 });
  port = (await server.listen()).port;
});
afterAll(() => server.close());

/** Sends headers for a 5 MB body and a first chunk of it, then nothing; resolves when the sidecar closes, with what it sent. */
function stallBody(path: string, waitMs: number): Promise<{ closedAfterMs: number | undefined; answer: string }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const started = Date.now();
    let answer = '';
    const giveUp = setTimeout(() => {
      socket.destroy();
      resolve({ closedAfterMs: undefined, answer });
    }, waitMs);
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(giveUp);
      resolve({ closedAfterMs: Date.now() - started, answer });
    });
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${5 * 1024 * 1024}\r\n\r\n{"infno":"3101","input":{"data":"`,
    );
  });
}

describe('a request body that stops arriving', () => {
  it.each([
    ['the national route (direct lane)', '/fsi/api/rsfComIfsService/callService'],
    ['the shim route', '/v1/yb/3101'],
  ])('on %s: 408 and the connection closed after requestTimeoutMs', async (_name, path) => {
    const { closedAfterMs, answer } = await stallBody(path, 5_000);
    expect(closedAfterMs, 'the connection was still open after 5 s').toBeDefined();
    expect(closedAfterMs).toBeGreaterThanOrEqual(400);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('answers a whole request as before', async () => {
    const reply = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(reply.status).toBe(200);
  });
});

describe('requestTimeoutMs', () => {
  it('is 30 s by default, set by PREALERT_REQUEST_TIMEOUT_MS or the config file, a positive whole number', () => {
    const dataDir = tempDataDir();
    expect(loadConfig({ env: { PREALERT_DATA_DIR: dataDir } }).requestTimeoutMs).toBe(DEFAULT_REQUEST_TIMEOUT_MS);
    expect(DEFAULT_REQUEST_TIMEOUT_MS).toBe(30_000);
    const env = { PREALERT_DATA_DIR: dataDir, PREALERT_REQUEST_TIMEOUT_MS: '60000' };
    expect(loadConfig({ env }).requestTimeoutMs).toBe(60_000);
    for (const bad of ['0', '1e4', '-1'])
      expect(() => loadConfig({ env: { ...env, PREALERT_REQUEST_TIMEOUT_MS: bad } })).toThrow(
        'PREALERT_REQUEST_TIMEOUT_MS must be a positive integer',
      );
  });
});
