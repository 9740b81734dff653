/**
 * upstream.url and platform.url with userinfo (`https://user:secret@gateway/…`): undici neither sent nor refused it,
 * so a gateway or 数据归集 receiver behind HTTP Basic answered 401 to every call. A real receiver on loopback.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformDestination } from '../src/outbox/platform-forwarder';
import { ProvincialGateway } from '../src/upstream/provincial-gateway';

let server: http.Server;
let port: number;
const seen: { path: string; basic: string | null }[] = [];

beforeAll(async () => {
  server = http.createServer((request, response) => {
    const auth = request.headers.authorization;
    seen.push({
      path: request.url ?? '',
      basic: auth?.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString('utf8') : null,
    });
    request.resume();
    request.on('end', () =>
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end('{"infcode":0,"err_msg":"","output":{"result":[]}}'),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('userinfo in the upstream and platform URLs', () => {
  it('is sent as HTTP Basic to the 数据归集 platform, with the query kept', async () => {
    const from = seen.length;
    const platform = platformDestination({
      url: `http://collector:p%40ss-1@127.0.0.1:${port}/collect?site=44`,
      headers: {},
      retryMinMs: 10,
      retryMaxMs: 10,
      timeoutMs: 5_000,
    });
    try {
      const failure = await platform.deliver({
        id: 'ob-1',
        kind: 'disposition',
        payload: '{}',
        createdAt: Date.now(),
        attempts: 0,
      });
      expect(failure).toBeUndefined();
    } finally {
      await platform.close();
    }
    expect(seen.slice(from)).toEqual([{ path: '/collect?site=44', basic: 'collector:p@ss-1' }]);
  });

  it('is sent as HTTP Basic to the provincial gateway, a bare base URL keeping its query on the national path', async () => {
    const from = seen.length;
    const gateway = new ProvincialGateway({
      url: `http://his:gw-secret@127.0.0.1:${port}/?ak=7`,
      timeoutMs: 5_000,
      headers: {},
      maxBodyBytes: 1 << 20,
      retryMinMs: 10,
      retryMaxMs: 10,
    });
    try {
      const outcome = await gateway.analyze('{"infno":"3101","input":{}}');
      expect(outcome.ok).toBe(true);
    } finally {
      await gateway.close();
    }
    expect(seen.slice(from)).toEqual([{ path: '/fsi/api/rsfComIfsService/callService?ak=7', basic: 'his:gw-secret' }]);
  });
});
