/**
 * A B/S station whose origin is not listed reaches nothing, and its browser says only "Failed to fetch", as for a
 * stopped sidecar: the sidecar is where IT learns which origin to list. Over real HTTP on loopback, a real sidecar
 * (real SQLite file), its log read back as written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORS_SETTING, type CorsStatus, REMEMBERED_ORIGINS } from '../src/plugins/cors-refusals';
import { capturingLogger } from './helpers/capturing-logger';
import { testServer } from './helpers/test-server';

const LISTED = 'http://his.example.org:8080';
const MOVED = 'https://his.example.org';

type Server = Awaited<ReturnType<typeof testServer>>;

async function preflight(base: string, origin: string, extra: Record<string, string> = {}) {
  return fetch(`${base}/fsi/api/rsfComIfsService/callService`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
      ...extra,
    },
  });
}

async function corsStatus(base: string): Promise<CorsStatus> {
  const body = (await (await fetch(`${base}/v1/status`)).json()) as { cors: CorsStatus };
  return body.cors;
}

const refusedLines = (lines: Record<string, unknown>[]) =>
  lines.filter((line) => line.level === 40 && typeof line.origin === 'string');

describe('an origin the CORS list does not admit', () => {
  let server: Server;
  let base: string;
  let lines: Record<string, unknown>[];
  beforeAll(async () => {
    const captured = capturingLogger();
    lines = captured.lines;
    server = await testServer({ corsOrigins: [LISTED] }, { logger: captured.logger });
    ({ url: base } = await server.listen());
  });
  afterAll(() => server.close());

  it('is logged once at warn naming the origin and the setting, and listed in /v1/status with a count', async () => {
    const first = await preflight(base, MOVED);
    expect(first.headers.get('access-control-allow-origin')).toBeNull();
    expect(refusedLines(lines)).toEqual([
      expect.objectContaining({ origin: MOVED, setting: CORS_SETTING, allowed: [LISTED] }),
    ]);
    const line = refusedLines(lines)[0]!;
    expect(String(line.msg)).toContain(MOVED);
    expect(String(line.msg)).toContain('PREALERT_CORS_ORIGINS');

    // Every workstation retries each edit: the log says it once, /v1/status keeps counting.
    await preflight(base, MOVED);
    const before = Date.now();
    await fetch(`${base}/fsi/api/rsfComIfsService/callService`, {
      method: 'POST',
      headers: { origin: MOVED, 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(refusedLines(lines)).toHaveLength(1);

    const cors = await corsStatus(base);
    expect(cors.allowed).toEqual([LISTED]);
    expect(cors.setting).toBe(CORS_SETTING);
    expect(cors.refused).toEqual([
      {
        origin: MOVED,
        reason: 'origin_not_listed',
        count: 3,
        first_at: expect.any(String),
        last_at: expect.any(String),
      },
    ]);
    expect(Date.parse(cors.refused[0]!.last_at)).toBeGreaterThanOrEqual(before - 5);
    expect(cors.refused_unnamed).toBe(0);
  });

  it('leaves the listed origin, the sidecar’s own pages and clients without an Origin out', async () => {
    const listed = await preflight(base, LISTED);
    expect(listed.headers.get('access-control-allow-origin')).toBe(LISTED);
    const own = new URL(base);
    await fetch(`${base}/fsi/api/rsfComIfsService/callService`, {
      method: 'POST',
      headers: { origin: `http://${own.host}`, 'content-type': 'application/json' },
      body: '{}',
    });
    await fetch(`${base}/v1/status`);
    expect((await corsStatus(base)).refused.map((r) => r.origin)).toEqual([MOVED]);
  });

  it('remembers and logs at most a bounded number of origins, cut and made printable', async () => {
    const hostile = `http://evil.example\u00e9${'x'.repeat(300)}`;
    await preflight(base, hostile);
    const logged = refusedLines(lines).at(-1)!;
    expect(String(logged.origin)).toBe(`http://evil.example?${'x'.repeat(80)}…`);
    for (let n = 0; n < REMEMBERED_ORIGINS + 20; n += 1) await preflight(base, `http://page${n}.example`);
    // The first hundred origins are logged once each, then one line says the rest are only counted.
    expect(refusedLines(lines)).toHaveLength(REMEMBERED_ORIGINS);
    expect(lines.filter((l) => String(l.msg).startsWith(`more than ${REMEMBERED_ORIGINS} origins`))).toHaveLength(1);
    const cors = await corsStatus(base);
    expect(cors.refused).toHaveLength(20);
    expect(cors.refused_unnamed).toBe(22);
  });
});

describe('Private Network Access under "*"', () => {
  it('is noted when a preflight asks for it from an origin not listed by name', async () => {
    const { logger, lines } = capturingLogger();
    const server = await testServer({ corsOrigins: ['*'] }, { logger });
    const { url } = await server.listen();
    const page = 'https://his.example.org';
    const answer = await preflight(url, page, { 'access-control-request-private-network': 'true' });
    expect(answer.headers.get('access-control-allow-origin')).toBe(page);
    expect(answer.headers.get('access-control-allow-private-network')).toBeNull();
    expect(refusedLines(lines)).toEqual([expect.objectContaining({ origin: page, setting: CORS_SETTING })]);
    expect((await corsStatus(url)).refused).toEqual([
      expect.objectContaining({ origin: page, reason: 'private_network_not_granted', count: 1 }),
    ]);
    await server.close();
  });
});

describe('/metrics prealert_cors_refusals_total', () => {
  const counted = (metrics: string) =>
    metrics
      .split('\n')
      .filter((line) => line.startsWith('prealert_cors_refusals_total'))
      .sort();

  it('counts every refusal by reason, from 0, never naming the origin', async () => {
    const server = await testServer({ corsOrigins: [LISTED] }, { logger: capturingLogger().logger });
    const { url } = await server.listen();
    try {
      expect(counted(await (await fetch(`${url}/metrics`)).text())).toEqual([
        'prealert_cors_refusals_total{reason="origin_not_listed"} 0',
        'prealert_cors_refusals_total{reason="private_network_not_granted"} 0',
      ]);
      // Logged once, counted each time: a scrape of many workstations alerts on the rate.
      await preflight(url, MOVED);
      await preflight(url, MOVED);
      await fetch(`${url}/fsi/api/rsfComIfsService/callService`, {
        method: 'POST',
        headers: { origin: MOVED, 'content-type': 'text/plain' },
        body: '{}',
      });
      // Beyond the remembered origins too: neither logged nor named, still counted.
      for (let n = 0; n < REMEMBERED_ORIGINS + 5; n += 1) await preflight(url, `http://page${n}.example`);
      await preflight(url, LISTED);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(counted(metrics)).toEqual([
        `prealert_cors_refusals_total{reason="origin_not_listed"} ${3 + REMEMBERED_ORIGINS + 5}`,
        'prealert_cors_refusals_total{reason="private_network_not_granted"} 0',
      ]);
      expect(metrics).toContain('# TYPE prealert_cors_refusals_total counter');
      expect(metrics).not.toContain('page0.example');
      expect(metrics).not.toContain(MOVED);
    } finally {
      await server.close();
    }
  });

  it('counts a Private Network Access preflight refused under "*" under its own reason', async () => {
    const server = await testServer({ corsOrigins: ['*'] }, { logger: capturingLogger().logger });
    const { url } = await server.listen();
    try {
      await preflight(url, MOVED, { 'access-control-request-private-network': 'true' });
      await preflight(url, MOVED);
      expect(counted(await (await fetch(`${url}/metrics`)).text())).toEqual([
        'prealert_cors_refusals_total{reason="origin_not_listed"} 0',
        'prealert_cors_refusals_total{reason="private_network_not_granted"} 1',
      ]);
    } finally {
      await server.close();
    }
  });
});
