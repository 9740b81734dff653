/**
 * callSidecar's timeout is the caller's, whatever the HTTP dispatcher's own limits: `fleet stats --timeout 600` must
 * wait 600 s for a workstation summing years of records, where undici's default dispatcher gives up on the headers at
 * 300 s and the host was reported `timed out`. A dispatcher with a 300 ms header limit stands in for that default
 * here, so the test does not wait five minutes; the host is real, on loopback.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, getGlobalDispatcher, setGlobalDispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callSidecar } from '../src/sync/commands/sidecar-client';

let server: http.Server;
let baseUrl: string;
const original = getGlobalDispatcher();

beforeAll(async () => {
  // Answers after 1.5 s, as a workstation summing a long period does.
  server = http.createServer((_request, response) => {
    setTimeout(() => {
      response.setHeader('content-type', 'application/json');
      response.end('{"ok":true}');
    }, 1_500);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  setGlobalDispatcher(new Agent({ headersTimeout: 300, bodyTimeout: 300 }));
});

afterAll(async () => {
  setGlobalDispatcher(original);
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('callSidecar', () => {
  it('waits as long as the caller asked, beyond the dispatcher’s own header limit', async () => {
    const answer = await callSidecar<{ ok: boolean }>(baseUrl, '/v1/stats', { timeoutMs: 10_000 });
    expect(answer).toEqual({ status: 200, body: { ok: true } });
  });

  it('still gives up at the caller’s timeout', async () => {
    const answer = await callSidecar(baseUrl, '/v1/stats', { timeoutMs: 500 });
    expect(answer).toEqual({ status: 0, error: 'timed out' });
  });
});
