/**
 * National calls from another machine when IT lets the sidecar listen beyond loopback (for push and fleet status).
 * A real sidecar listening on 0.0.0.0, called from this machine's own non-loopback address, which the sidecar
 * sees as another machine's.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { analysisEnvelope, feedbackEnvelope } from './fixtures/his-requests';
import { callOverHttp, type NationalReply, testServer } from './helpers/test-server';

const TOKEN = 'admin-token-remote-national-5b1d';
const external = Object.values(os.networkInterfaces())
  .flat()
  .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;

/** POSTs to host:port; `chunked` sends no content-length, so the call takes fastify's route, not the direct lane. */
function postFrom(
  host: string,
  port: number,
  path: string,
  body: unknown,
  chunked = false,
): Promise<{ status: number; body: NationalReply; text: string }> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host,
        port,
        path,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': payload.length }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as NationalReply, text });
        });
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

const NATIONAL_PATHS = [
  '/fsi/api/rsfComIfsService/callService',
  '/fsi/api/rsfComIfsService/callService/',
  '/fsi/api/rsfComIfsService/callService3101',
  '/fsi/api/rsfComIfsService/callService3660',
  '/v1/yb/3101',
  '/v1/yb/3103',
];

describe('national calls from another machine, listening beyond loopback', () => {
  it('are refused (infcode -1 naming the setting): no reason read through prior_dspo, no decision changed', async (ctx) => {
    if (!external) return ctx.skip('this machine has no non-loopback IPv4 address to connect from');
    const server = await testServer({ host: '0.0.0.0', adminToken: TOKEN });
    try {
      await server.listen();
      const port = (server.app.server.address() as AddressInfo).port;
      // The doctor, on the workstation: a 返回修改 and a 继续执行 with a reason.
      const envelope = analysisEnvelope({ encounterId: 'MZ20261130000777', taskId: 'T-REMOTE-1' });
      const results = (await callOverHttp(server, envelope)).body.output.result!;
      const [kept, continued] = [results[0]!.jr_id, results[1]!.jr_id];
      const reason = '患者本人要求，已签知情同意书';
      const decided = await callOverHttp(
        server,
        feedbackEnvelope([
          { jrId: kept, way: '2' },
          { jrId: continued, way: '1', reason },
        ]),
      );
      expect(decided.body.infcode).toBe(0);

      for (const path of NATIONAL_PATHS) {
        for (const chunked of [false, true]) {
          const asked = await postFrom(external, port, path, envelope, chunked);
          expect(asked.status, `${path} chunked=${chunked}`).toBe(403);
          expect(asked.body.infcode).toBe(-1);
          expect(asked.body.err_msg).toContain('allowRemoteNational');
          expect(asked.body.err_msg).toContain('PREALERT_ALLOW_REMOTE_NATIONAL');
          expect(asked.text).not.toContain(reason);
        }
      }
      const overturn = await postFrom(
        external,
        port,
        NATIONAL_PATHS[0]!,
        feedbackEnvelope([{ jrId: kept, way: '1', reason: '改' }]),
      );
      expect(overturn.status).toBe(403);
      expect(overturn.body.infcode).toBe(-1);
      const stored = server.db.prepare('SELECT dspo_way, dspo_way_rea FROM dispositions WHERE jr_id = ?').get(kept);
      expect(stored).toEqual({ dspo_way: '2', dspo_way_rea: '' });

      // The workstation itself, on either lane, as before.
      const again = await callOverHttp(server, envelope);
      expect(again.body.infcode).toBe(0);
      expect(again.body.output.result!.find((r) => r.jr_id === continued)).toMatchObject({ prior_dspo: true });
      expect((await postFrom('127.0.0.1', port, '/v1/yb/3101', envelope, true)).body.infcode).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('are answered when the hospital allows them (allowRemoteNational)', async (ctx) => {
    if (!external) return ctx.skip('this machine has no non-loopback IPv4 address to connect from');
    const server = await testServer({ host: '0.0.0.0', allowRemoteNational: true });
    try {
      await server.listen();
      const port = (server.app.server.address() as AddressInfo).port;
      const envelope = analysisEnvelope({ encounterId: 'MZ20261130000778' });
      for (const chunked of [false, true]) {
        const asked = await postFrom(external, port, NATIONAL_PATHS[0]!, envelope, chunked);
        expect(asked.status).toBe(200);
        expect(asked.body.infcode).toBe(0);
        expect(asked.body.output.result!.length).toBeGreaterThan(0);
      }
    } finally {
      await server.close();
    }
  });
});
