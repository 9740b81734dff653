import { describe, expect, it } from 'vitest';
import { analysisEnvelope, SEX_RULE_DRUG } from './fixtures/his-requests';
import { capturingLogger } from './helpers/capturing-logger';
import { callService, testServer } from './helpers/test-server';

describe('health, readiness and status', () => {
  it('reports the active library', async () => {
    const server = await testServer();
    try {
      expect(JSON.parse((await server.app.inject({ url: '/healthz' })).payload)).toEqual({ status: 'ok' });
      const ready = await server.app.inject({ url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      await callService(server, analysisEnvelope({ encounterId: 'MZ-H-1' }));
      const status = JSON.parse((await server.app.inject({ url: '/v1/status' })).payload);
      expect(status.library).toMatchObject({ source: 'bundled', version: expect.any(String) });
      expect(status.library.knowledge_points).toBeGreaterThan(3000);
      expect(status.library.rules).toBeGreaterThan(20);
      expect(Date.parse(status.library.activated_at)).not.toBeNaN();
      expect(status.uptime_s).toBeGreaterThanOrEqual(0);
      expect(status.counts).toMatchObject({
        tasks: 1,
        reminders: 2,
        dispositions: 0,
        national_requests: 1,
        records_pending: 0,
      });
      // Built sidecar (dist/*-worker.js present): both on their own threads.
      expect(status.storage).toEqual({
        records: 'worker',
        checkpoints: 'worker',
        figures: 'worker',
        records_error: null,
      });
    } finally {
      await server.close();
    }
  });

  it('starts without a usable library: healthy, not ready, 3101 answered with infcode -1', async () => {
    const server = await testServer(
      {},
      {
        library: () => {
          throw new Error('national library file is corrupt');
        },
      },
    );
    try {
      expect((await server.app.inject({ url: '/healthz' })).statusCode).toBe(200);
      const ready = await server.app.inject({ url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(JSON.parse(ready.payload).reason).toMatch(/corrupt/);
      const reply = await callService(server, analysisEnvelope());
      expect(reply.body.infcode).toBe(-1);
      expect(reply.body.err_msg).toMatch(/规则库未加载.*corrupt/);
    } finally {
      await server.close();
    }
  });
});

describe('/metrics', () => {
  it('exposes request counts, a latency histogram, hits by rule and the library version', async () => {
    const server = await testServer();
    try {
      await callService(server, analysisEnvelope({ encounterId: 'MZ-M-1' }));
      await callService(server, '{broken');
      const response = await server.app.inject({ url: '/metrics' });
      expect(response.headers['content-type']).toMatch(/^text\/plain/);
      const text = response.payload;
      expect(text).toMatch(
        /prealert_requests_total\{route="\/fsi\/api\/rsfComIfsService\/callService",infno="3101",outcome="ok"\} 1/,
      );
      expect(text).toMatch(
        /prealert_requests_total\{route="\/fsi\/api\/rsfComIfsService\/callService",infno="-",outcome="error"\} 1/,
      );
      expect(text).toMatch(/prealert_request_duration_seconds_bucket\{le="0.005",infno="3101"\} \d/);
      expect(text).toContain(`prealert_rule_hits_total{rule_id="${SEX_RULE_DRUG}"} 2`);
      expect(text).toMatch(/prealert_library_info\{version="[^"]+",source="bundled"\} 1/);
      expect(text).toMatch(/prealert_outbox_pending 0/);
    } finally {
      await server.close();
    }
  });
});

describe('CORS for a browser-based doctor station', () => {
  it('answers the preflight of an allowed origin, with Private Network Access', async () => {
    const server = await testServer({ corsOrigins: ['http://his.example.org:8080'] });
    try {
      const preflight = await server.app.inject({
        method: 'OPTIONS',
        url: '/fsi/api/rsfComIfsService/callService',
        headers: {
          origin: 'http://his.example.org:8080',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type, x-tif-signature',
          'access-control-request-private-network': 'true',
        },
      });
      expect(preflight.statusCode).toBe(204);
      expect(preflight.headers['access-control-allow-headers']).toBe('content-type, x-tif-signature');
      expect(preflight.headers['access-control-allow-origin']).toBe('http://his.example.org:8080');
      expect(preflight.headers['access-control-allow-private-network']).toBe('true');
      expect(String(preflight.headers['access-control-allow-methods'])).toContain('POST');

      const actual = await server.app.inject({
        method: 'POST',
        url: '/fsi/api/rsfComIfsService/callService',
        headers: { origin: 'http://his.example.org:8080', 'content-type': 'application/json' },
        payload: JSON.stringify(analysisEnvelope({ encounterId: 'MZ-C-1' })),
      });
      expect(actual.headers['access-control-allow-origin']).toBe('http://his.example.org:8080');

      const stranger = await server.app.inject({
        method: 'OPTIONS',
        url: '/fsi/api/rsfComIfsService/callService',
        headers: {
          origin: 'http://evil.example.com',
          'access-control-request-method': 'POST',
          'access-control-request-private-network': 'true',
        },
      });
      expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
      expect(stranger.headers['access-control-allow-private-network']).toBeUndefined();
    } finally {
      await server.close();
    }
  });

  it('never grants Private Network Access under "*", and warns at start that any page can read the figures and send 3101/3103', async () => {
    const { logger, lines } = capturingLogger('warn');
    const server = await testServer({ corsOrigins: ['*', 'http://his.example.org:8080'] }, { logger });
    try {
      const preflight = (origin: string) =>
        server.app.inject({
          method: 'OPTIONS',
          url: '/fsi/api/rsfComIfsService/callService',
          headers: {
            origin,
            'access-control-request-method': 'POST',
            'access-control-request-private-network': 'true',
          },
        });
      // A public page: CORS lets it read what it may ("*" says so), Private Network Access does not let it in.
      const stranger = await preflight('https://ads.example.com');
      expect(stranger.statusCode).toBe(204);
      expect(stranger.headers['access-control-allow-origin']).toBe('https://ads.example.com');
      expect(stranger.headers['access-control-allow-private-network']).toBeUndefined();
      // The doctor station listed by name beside "*" still gets it.
      const station = await preflight('http://his.example.org:8080');
      expect(station.headers['access-control-allow-private-network']).toBe('true');

      const warnings = lines.filter((l) => l.level === 40).map((l) => String(l.msg));
      expect(
        warnings.filter((m) => m.includes('corsOrigins "*"') && m.includes('figures') && m.includes('send 3101/3103')),
      ).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it('sends no CORS headers when no origin is configured', async () => {
    const server = await testServer();
    try {
      const response = await server.app.inject({ url: '/healthz', headers: { origin: 'http://his.example.org' } });
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await server.close();
    }
  });
});

describe('admin endpoints', () => {
  it('are disabled without an admin token', async () => {
    const server = await testServer();
    try {
      const response = await server.app.inject({ method: 'POST', url: '/v1/admin/outbox/retry' });
      expect(response.statusCode).toBe(403);
      expect(JSON.parse(response.payload).error).toMatch(/disabled/);
    } finally {
      await server.close();
    }
  });

  it('need the bearer token when one is configured', async () => {
    const token = 'admin-token-0123456789abcdef';
    const server = await testServer({ adminToken: token });
    try {
      const url = '/v1/admin/outbox/retry';
      expect((await server.app.inject({ method: 'POST', url })).statusCode).toBe(401);
      const wrong = await server.app.inject({
        method: 'POST',
        url,
        headers: { authorization: 'Bearer admin-token-0123456789abcdeX' },
      });
      expect(wrong.statusCode).toBe(401);
      const right = await server.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}` } });
      expect(right.statusCode).toBe(200);
      expect(JSON.parse(right.payload)).toEqual({ pending: 0, forwarding: false });
    } finally {
      await server.close();
    }
  });
});

describe('other routes', () => {
  it('answer a JSON 404 for unknown paths', async () => {
    const server = await testServer();
    try {
      const response = await server.app.inject({ url: '/nope' });
      expect(response.statusCode).toBe(404);
      expect(JSON.parse(response.payload)).toEqual({ error: 'no route GET /nope' });
    } finally {
      await server.close();
    }
  });

  it('say where the interfaces are at / and that callService takes POST, for whoever opens them in a browser', async () => {
    const server = await testServer();
    try {
      await server.listen();
      const { port } = server.app.server.address() as { port: number };
      const base = `http://127.0.0.1:${port}`;
      const root = await fetch(`${base}/`);
      expect(root.status).toBe(200);
      expect(await root.json()).toMatchObject({
        national: 'POST /fsi/api/rsfComIfsService/callService',
        status: '/v1/status',
      });
      for (const path of [
        '/fsi/api/rsfComIfsService/callService',
        '/fsi/api/rsfComIfsService/callService3101',
        '/v1/yb/3101',
      ]) {
        const get = await fetch(`${base}${path}?x=1`);
        expect(get.status, path).toBe(405);
        expect(get.headers.get('allow')).toBe('POST');
        expect(((await get.json()) as { error: string }).error).toBe(
          `GET ${path}: the national interface takes POST, with the request envelope as JSON`,
        );
      }
      // A national call still answers as before.
      const post = await fetch(`${base}/fsi/api/rsfComIfsService/callService`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"infno":"9999"}',
      });
      expect(((await post.json()) as { infcode: number }).infcode).toBe(-1);
    } finally {
      await server.close();
    }
  });
});
