// The shim's 3101 deadline against a slow sidecar (its provincial gateway takes 2.5 s, within the sidecar's budget):
// the shim fails open at 1.5 s and closes the connection, the sidecar answers later to nobody. That answer's warnings
// are not counted in the figures; the same 3101 answered in time is. Real sidecar process, real shim, real codes.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maleOnlyDrugs, type ResponseEnvelope, request3101 } from './support/national-requests';
import { loadShim, RC, type ShimLibrary } from './support/shim-addon';
import { type RunningSidecar, startSidecar } from './support/sidecar-process';
import { encodeFor, parseAnswer } from './support/text-codec';

const SEX_RULE = 'GZ10000301004000'; // 药品区分性别使用
const SLOW_GATEWAY_MS = 2_500;

let shim: ShimLibrary;
let sidecar: RunningSidecar;
let gateway: http.Server;
let gatewayDelayMs = 0;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-shim-deadline-'));

beforeAll(async () => {
  shim = loadShim();
  gateway = http.createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      setTimeout(() => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ infcode: 0, err_msg: '', output: { result: [] } }));
      }, gatewayDelayMs),
    );
  });
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  const gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
  fs.writeFileSync(
    path.join(dataDir, 'prealert.config.json'),
    JSON.stringify({ upstream: { url: gatewayUrl, timeoutMs: 5_000 } }),
  );
  sidecar = await startSidecar({}, { dataDir });
});

afterAll(async () => {
  await sidecar?.stop();
  gateway?.closeAllConnections();
  await new Promise((resolve) => gateway?.close(resolve));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function sidecarJson<T>(url: string): Promise<T> {
  return (await (await fetch(`http://127.0.0.1:${sidecar.port}${url}`)).json()) as T;
}

describe('a 3101 the shim gave up on', () => {
  it('is not counted; the same 3101 answered within the deadline is', async () => {
    expect(shim.setOption('reset', 'all')).toBe(RC.ok);
    expect(shim.setOption('data_dir', dataDir)).toBe(RC.ok);
    const request = JSON.stringify(request3101([maleOnlyDrugs()[0]!], { patnId: 'P-SLOW' }));

    gatewayDelayMs = SLOW_GATEWAY_MS;
    const late = await shim.call('utf8', encodeFor('utf8', '3101'), encodeFor('utf8', request), 65536);
    expect(late.rc).toBe(RC.failOpen);
    expect(parseAnswer<{ shim: { reason: string } }>('utf8', late).shim.reason).toBe('sidecar_timeout');
    // The sidecar answers once its gateway has: recorded, to a connection the shim has closed.
    const deadline = Date.now() + 10_000;
    while ((await sidecarJson<{ counts: { tasks: number } }>('/v1/status')).counts.tasks < 1) {
      if (Date.now() > deadline) throw new Error(`the late 3101 was never recorded\n${sidecar.log()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await sidecarJson<{ totals: { reminders: number } }>('/v1/stats')).totals.reminders).toBe(0);

    gatewayDelayMs = 0;
    const inTime = await shim.call('utf8', encodeFor('utf8', '3101'), encodeFor('utf8', request), 65536);
    expect(inTime.rc).toBe(RC.ok);
    const answer = parseAnswer<ResponseEnvelope>('utf8', inTime);
    expect(answer.output.result?.filter((r) => r.rule_id === SEX_RULE)).toHaveLength(1);
    const totals = (await sidecarJson<{ totals: { reminders: number; pending: number } }>('/v1/stats')).totals;
    expect(totals).toMatchObject({ reminders: answer.output.result?.length, pending: answer.output.result?.length });
  });
});
