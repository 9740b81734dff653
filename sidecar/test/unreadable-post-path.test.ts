/**
 * A POST whose path fastify's router cannot even take (a segment past maxParamLength, a percent escape that is not
 * UTF-8) is a wrong national address like any other: a real sidecar (real SQLite file) answers it over loopback
 * HTTP with the national envelope (HTTP 404, infcode -1 naming the path), not `{"error"}`, which a HIS whose
 * infcode defaults to 0 reads as "no violations". The admin API and GETs keep their `{"error"}` answers.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisEnvelope } from './fixtures/his-requests';
import { testServer } from './helpers/test-server';

let server: Awaited<ReturnType<typeof testServer>>;
let port = 0;

beforeAll(async () => {
  server = await testServer();
  await server.listen();
  const address = server.app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('not listening');
  port = address.port;
});
afterAll(async () => {
  await server.close();
});

/** node:http, not fetch: the path goes out exactly as written, bad escapes included. */
function send(method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: '127.0.0.1', port, method, path, agent: false, headers: { 'content-type': 'application/json' } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

const envelope = JSON.stringify(analysisEnvelope({ encounterId: 'MZ-BAD-PATH', taskId: 'T-BAD-PATH' }));

describe('a POST to a path the router refuses', () => {
  for (const [what, path] of [
    ['a shim infno past the longest path segment', `/v1/yb/${'x'.repeat(2401)}`],
    ['an escape that is not UTF-8 in the shim route', '/v1/yb/%ff%fe'],
    ['an escape that is not UTF-8 after callService', '/fsi/api/rsfComIfsService/callService%ff'],
  ] as const) {
    it(`${what}: national envelope naming the path, nothing recorded`, async () => {
      const reply = await send('POST', path, envelope);
      expect(reply.status).toBe(404);
      const body = JSON.parse(reply.text) as { infcode: number; err_msg: string; output: unknown };
      expect(body.infcode).toBe(-1);
      expect(body.err_msg).toContain(`地址 POST "${path.slice(0, 40)}`);
      expect(body.err_msg).toContain('不是本服务的接口地址');
      expect(body.output).toEqual({});
      expect((await send('GET', '/v1/tasks/T-BAD-PATH')).status).toBe(404);
    });
  }

  it('the admin API and GETs keep their {"error"} answers', async () => {
    const admin = await send('POST', '/v1/admin/%ff');
    expect(admin.status).toBe(400);
    expect(JSON.parse(admin.text)).toEqual({ error: expect.stringMatching(/not a valid URL/) });
    const longGet = await send('GET', `/v1/tasks/${'x'.repeat(2401)}`);
    expect(longGet.status).toBe(414);
    expect(JSON.parse(longGet.text)).toEqual({ error: expect.stringMatching(/path segment too long/) });
    const get = await send('GET', '/v1/tasks/%ff');
    expect(get.status).toBe(400);
    expect(JSON.parse(get.text)).toEqual({ error: expect.stringMatching(/not a valid URL/) });
  });
});
