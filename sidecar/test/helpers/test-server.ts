import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type SidecarConfig } from '../../src/config';
import { createLogger } from '../../src/logging';
import { type CreateServerOptions, createServer, type SidecarServer } from '../../src/server';

export function tempDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-test-'));
}

export type ConfigPatch = Partial<Omit<SidecarConfig, 'log' | 'upstream' | 'platform'>> & {
  upstream?: Partial<SidecarConfig['upstream']>;
  platform?: Partial<SidecarConfig['platform']>;
};

/** A real sidecar (real SQLite file in a fresh data dir, the national library) for in-process tests. */
export async function testServer(
  patch: ConfigPatch = {},
  extra: Omit<CreateServerOptions, 'config'> = {},
): Promise<SidecarServer & { dataDir: string }> {
  const dataDir = patch.dataDir ?? tempDataDir();
  const base = loadConfig({ env: {}, overrides: { dataDir, port: 0 } });
  const config: SidecarConfig = {
    ...base,
    ...patch,
    dataDir,
    upstream: { ...base.upstream, ...patch.upstream },
    platform: { ...base.platform, ...patch.platform },
  };
  const server = await createServer({ config, logger: createLogger({ level: 'silent' }), ...extra });
  return Object.assign(server, { dataDir });
}

export interface NationalReply {
  infcode: number;
  err_msg: string;
  inf_refmsgid: string;
  refmsg_time: string;
  respond_time: string;
  output: {
    result?: (Record<string, unknown> & { jr_id: string; rule_id: string; sev_deg: string; vola_amt: number })[];
    truncated?: boolean;
  };
}

/** POSTs an envelope (object, or raw text/bytes) to the national route and parses the national reply. */
export async function callService(
  server: SidecarServer,
  body: unknown,
  options: { url?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: NationalReply; raw: Buffer; headers: Record<string, unknown> }> {
  const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const response = await server.app.inject({
    method: 'POST',
    url: options.url ?? '/fsi/api/rsfComIfsService/callService',
    headers: { 'content-type': 'application/json', ...options.headers },
    payload,
  });
  const raw = response.rawPayload;
  let parsed: NationalReply;
  try {
    parsed = JSON.parse(raw.toString('utf8')) as NationalReply;
  } catch {
    parsed = undefined as unknown as NationalReply;
  }
  return { status: response.statusCode, body: parsed, raw, headers: response.headers };
}

/**
 * callService over a real socket: the server must be listening. Desktop HIS calls take the direct lane there
 * (national/direct-lane.ts); callService's in-process injection always takes fastify's routes.
 */
export async function callOverHttp(
  server: SidecarServer,
  body: unknown,
  options: { url?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: NationalReply; raw: Buffer; headers: Record<string, unknown> }> {
  const address = server.app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('the test server is not listening');
  const payload = Buffer.from(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
  const response = await new Promise<{ status: number; raw: Buffer; headers: Record<string, unknown> }>(
    (resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port: address.port,
          method: 'POST',
          path: options.url ?? '/fsi/api/rsfComIfsService/callService',
          headers: { 'content-type': 'application/json', ...options.headers, 'content-length': payload.length },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, raw: Buffer.concat(chunks), headers: res.headers }),
          );
          res.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(payload);
    },
  );
  let parsed: NationalReply;
  try {
    parsed = JSON.parse(response.raw.toString('utf8')) as NationalReply;
  } catch {
    parsed = undefined as unknown as NationalReply;
  }
  return { ...response, body: parsed };
}
