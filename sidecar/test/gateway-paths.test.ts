/**
 * The gateway path as HIS clients really write it (audit D4): with a trailing slash, with the infno appended
 * (S-03's `url + infno`), or simply wrong. A HIS that reads the body into a class whose infcode defaults to 0 takes
 * any answer without an infcode for "no violations", so every POST gets a national envelope. Against the built
 * sidecar over HTTP, with a shim token configured (it guards /v1/yb/* only, never the gateway's paths).
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_SERVICE_ROUTE } from '../src/national/national-routes';
import { analysisEnvelope, SEX_RULE_DRUG } from './fixtures/his-requests';
import { iconv, type RunningSidecar, spawnSidecar } from './helpers/spawn-sidecar';

const SHIM_TOKEN = 'gateway-paths-shim-token';

let sidecar: RunningSidecar;

beforeAll(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-paths-'));
  sidecar = await spawnSidecar(dataDir, [], { PREALERT_SHIM_TOKEN: SHIM_TOKEN });
});
afterAll(async () => {
  await sidecar?.stop();
});

interface Reply {
  status: number;
  contentType: string;
  text: string;
  body: { infcode?: number; err_msg?: string; output?: { result?: { rule_id: string }[] }; error?: string };
}

async function send(
  method: string,
  urlPath: string,
  body?: unknown,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<Reply> {
  const response = await fetch(`${sidecar.url}${urlPath}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: requestBody(body) }),
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  const contentType = response.headers.get('content-type') ?? '';
  const text = /gbk|gb18030/i.test(contentType) ? iconv.decode(bytes, 'gb18030') : bytes.toString('utf8');
  return { status: response.status, contentType, text, body: JSON.parse(text) as Reply['body'] };
}

function requestBody(body: unknown): string | Uint8Array<ArrayBuffer> {
  if (typeof body === 'string') return body;
  return body instanceof Uint8Array ? new Uint8Array(body) : JSON.stringify(body);
}

describe('accepted spellings of the gateway path', () => {
  it('answers a trailing slash as the gateway path', async () => {
    const reply = await send('POST', `${CALL_SERVICE_ROUTE}/`, analysisEnvelope({ encounterId: 'MZ-P-1' }));
    expect(reply.status).toBe(200);
    expect(reply.body.infcode).toBe(0);
    expect(reply.body.output?.result?.map((r) => r.rule_id)).toEqual([SEX_RULE_DRUG, SEX_RULE_DRUG]);
  });

  it('answers callService<infno> (S-03 appends the infno to the gateway URL), without the shim token', async () => {
    const reply = await send('POST', `${CALL_SERVICE_ROUTE}3101`, analysisEnvelope({ encounterId: 'MZ-P-2' }));
    expect(reply.status).toBe(200);
    expect(reply.body.infcode).toBe(0);
    expect(reply.body.output?.result).toHaveLength(2);
  });

  it('takes the infno from the path when the body has none', async () => {
    const { infno: _infno, ...withoutInfno } = analysisEnvelope({ infno: '3102', encounterId: 'MZ-P-3' });
    const reply = await send('POST', `${CALL_SERVICE_ROUTE}3102`, withoutInfno);
    expect(reply.body.infcode).toBe(0);
    expect(reply.body.output?.result).toHaveLength(2);
  });

  it('refuses a path infno that disagrees with the body, naming the field', async () => {
    const reply = await send('POST', `${CALL_SERVICE_ROUTE}3102`, analysisEnvelope({ encounterId: 'MZ-P-4' }));
    expect(reply.status).toBe(200);
    expect(reply.body.infcode).toBe(-1);
    expect(reply.body.err_msg).toMatch(/^infno: 报文中的 "3101" 与地址中的 3102 不一致/);
  });

  it('still asks the shim route for its token', async () => {
    const reply = await send('POST', '/v1/yb/3101', analysisEnvelope({ encounterId: 'MZ-P-5' }));
    expect(reply.status).toBe(401);
    expect(reply.body.infcode).toBe(-1);
  });
});

describe('any other POST: a national envelope naming the path and the right one', () => {
  const wrongPaths = [
    '/FSI/api/rsfComIfsService/callService',
    `${CALL_SERVICE_ROUTE}/3101`,
    `${CALL_SERVICE_ROUTE}3101/`,
    '/fsi/api/rsfComIfsService/callservice',
    '/',
    '/v1/yb/',
  ];
  it.each(wrongPaths)('POST %s → HTTP 404, infcode -1', async (wrong) => {
    const reply = await send('POST', wrong, analysisEnvelope({ encounterId: 'MZ-P-6' }));
    expect(reply.status).toBe(404);
    expect(reply.body.infcode).toBe(-1);
    expect(reply.body.output).toEqual({});
    expect(reply.body.err_msg).toContain(`"${wrong}"`);
    expect(reply.body.err_msg).toContain(CALL_SERVICE_ROUTE);
  });

  it('whatever the body: broken JSON, form data, chunked, none', async () => {
    const wrong = '/FSI/api/rsfComIfsService/callService';
    for (const [body, type] of [
      ['{"infno":', 'application/json'],
      ['a=1', 'application/x-www-form-urlencoded'],
      [undefined, 'application/json'],
    ] as const) {
      const reply = await send('POST', wrong, body, { 'content-type': type });
      expect(reply.status, String(body)).toBe(404);
      expect(reply.body.infcode, String(body)).toBe(-1);
    }
  });

  it('names the path without its query string', async () => {
    const reply = await send('POST', '/fsi/api/callService?_api_access_key=secret', '{}');
    expect(reply.body.err_msg).toContain('"/fsi/api/callService"');
    expect(reply.body.err_msg).not.toContain('secret');
  });

  it('answers in the charset the request declared', async () => {
    const reply = await send('POST', '/FSI/api/rsfComIfsService/callService', iconv.encode('{}', 'gbk'), {
      'content-type': 'application/json; charset=GBK',
    });
    expect(reply.contentType).toMatch(/charset=gbk/i);
    expect(reply.body.err_msg).toContain('不是');
  });
});

/** A POST naming the sidecar by the gateway's host name (a HIS's hosts file maps it to 127.0.0.1). */
function postAsGateway(urlPath: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port: sidecar.port,
        method: 'POST',
        path: urlPath,
        headers: {
          host: 'fsi.gateway.example',
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
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

describe("under the gateway's host name (the host guard lets national paths through)", () => {
  it('answers the accepted spellings', async () => {
    const reply = await postAsGateway(
      `${CALL_SERVICE_ROUTE}3101`,
      JSON.stringify(analysisEnvelope({ encounterId: 'MZ-P-7' })),
    );
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.text).infcode).toBe(0);
  });

  it('answers a wrong path with the envelope, not a 403 without infcode', async () => {
    const reply = await postAsGateway('/FSI/api/rsfComIfsService/callService', '{}');
    expect(reply.status).toBe(404);
    expect(JSON.parse(reply.text).infcode).toBe(-1);
  });
});

describe('other routes keep their answers', () => {
  it('an unknown GET is still a plain 404', async () => {
    const reply = await send('GET', '/fsi/api/rsfComIfsService/callservice', undefined, {});
    expect(reply.status).toBe(404);
    expect(reply.body.infcode).toBeUndefined();
    expect(reply.body.error).toMatch(/^no route GET /);
  });

  it('an unknown admin POST is still a plain 404', async () => {
    const reply = await send('POST', '/v1/admin/nothing-here', '{}');
    expect(reply.status).toBe(404);
    expect(reply.body.infcode).toBeUndefined();
    expect(reply.body.error).toMatch(/^no route POST /);
  });

  it('GET /v1/status answers as before', async () => {
    const reply = await send('GET', '/v1/status', undefined, {});
    expect(reply.status).toBe(200);
  });
});

// Last: it stops the sidecar to read its whole log (lines are written in blocks; the rest at shutdown).
describe('the direct lane', () => {
  it('takes the accepted spellings, as it takes the gateway path', async () => {
    await sidecar.stop();
    const lanes = new Map<string, Set<string>>();
    for (const line of sidecar.output().split('\n')) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as { msg?: string; route?: string; lane?: string };
      if (entry.msg !== 'request' || entry.route === undefined || entry.lane === undefined) continue;
      lanes.set(entry.route, (lanes.get(entry.route) ?? new Set()).add(entry.lane));
    }
    expect([...(lanes.get(`${CALL_SERVICE_ROUTE}/`) ?? [])]).toEqual(['direct']);
    expect([...(lanes.get(`${CALL_SERVICE_ROUTE}:infno`) ?? [])]).toEqual(['direct']);
  });
});
