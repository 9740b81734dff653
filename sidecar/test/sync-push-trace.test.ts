/**
 * What a workstation keeps of a push and a rollback, for IT looking later: a refused push is logged at warn with
 * its reason (never the admin token) and kept in /v1/status as sync.last_push, through the next successful poll
 * (which clears last_error) and a restart; a rollback is logged at warn with the libraries it went from and to.
 * A real sidecar on loopback, the provincial platform simulator, real bundles from the NHSA files.
 */
import fs from 'node:fs';
import type { WrittenBundle } from '@prealert/rules-cache';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProvincialPlatform, startPlatform } from '../../examples/provincial-platform/src/platform-server';
import type { SidecarServer } from '../src/server';
import type { PushOutcome } from '../src/sync/push-outcome';
import { capturingLogger } from './helpers/capturing-logger';
import { pushBody, sha256Prefix } from './helpers/pushed-bundle';
import { tempDataDir, testServer } from './helpers/test-server';
import { BundleFactory, clearSyncEnv, useSyncEnv, V1, V2 } from './sync-support';

const TOKEN = 'push-trace-test-token-0123456789';
let platform: ProvincialPlatform;
let bundles: BundleFactory;
let v1: WrittenBundle;
let v2: WrittenBundle;
const dataDirs = [tempDataDir(), tempDataDir()];
const servers: SidecarServer[] = [];

beforeAll(async () => {
  bundles = new BundleFactory();
  v1 = bundles.write('v1', bundles.library(V1));
  v2 = bundles.write('v2', bundles.library(V2, { revision: true }), v1);
  platform = await startPlatform();
  useSyncEnv(platform.bundleUrl, bundles.keys.publicKeyFile);
});

afterAll(async () => {
  for (const s of servers) await s.close();
  clearSyncEnv();
  await platform?.close();
  for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(bundles.dir, { recursive: true, force: true });
});

async function start(dataDir = dataDirs[0]!) {
  const { logger, lines } = capturingLogger('info');
  const server = await testServer({ adminToken: TOKEN, dataDir }, { logger });
  servers.push(server);
  const { url } = await server.listen();
  const call = async <T = Record<string, unknown>>(route: string, body?: Buffer) => {
    const response = await request(`${url}${route}`, {
      method: route.includes('/admin/') ? 'POST' : 'GET',
      headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/x-ndjson' } : {}) },
      ...(body ? { body } : {}),
    });
    return { status: response.statusCode, json: (await response.body.json()) as T };
  };
  const sync = async () =>
    (await call<{ sync: { last_error: string | null; last_push: PushOutcome | null } }>('/v1/status')).json.sync;
  return { server, lines, call, sync };
}

const REFUSED = 'pushed library refused; the active library stays';

describe('a refused push and a rollback leave a trace', () => {
  it('logs a refused push at warn with its reason and keeps it in status past the next poll and a restart', async () => {
    const first = await start();
    platform.publish(v1.dir);
    expect((await first.call('/v1/admin/sync')).json).toMatchObject({ outcome: 'activated' });

    const cut = await first.call<{ error: string }>('/v1/admin/bundle', pushBody(v2, 0.5));
    expect(cut.status).toBe(422);
    const warned = first.lines.filter((l) => l.msg === REFUSED);
    expect(warned).toEqual([expect.objectContaining({ level: 40, version: V2, status: 422, reason: cut.json.error })]);
    expect(await first.sync()).toMatchObject({
      last_error: cut.json.error,
      last_push: { version: V2, outcome: 'refused', reason: cut.json.error },
    });

    // The next poll succeeds: last_error is cleared, the push's outcome stays.
    expect((await first.call('/v1/admin/sync')).json).toMatchObject({ outcome: 'not_modified' });
    expect(await first.sync()).toMatchObject({
      last_error: null,
      last_push: { version: V2, outcome: 'refused', reason: cut.json.error },
    });

    // Refused before the manifest line ended: no version to name, still logged and kept.
    const headless = await first.call<{ error: string }>('/v1/admin/bundle', Buffer.from('{"signed":'));
    expect(headless.status).toBe(400);
    expect(first.lines.filter((l) => l.msg === REFUSED).at(-1)).toMatchObject({
      level: 40,
      version: null,
      status: 400,
      reason: headless.json.error,
    });
    expect((await first.sync()).last_push).toMatchObject({ version: null, outcome: 'refused' });
    expect(JSON.stringify(first.lines)).not.toContain(TOKEN);

    const older = await first.call<{ error: string }>('/v1/admin/bundle', pushBody(v2));
    expect(older.status).toBe(200);
    await first.server.close();
    servers.splice(servers.indexOf(first.server), 1);

    const again = await start();
    expect((await again.sync()).last_push).toMatchObject({ version: V2, outcome: 'accepted', reason: null });
    const refusedAfterRestart = await again.call<{ error: string }>('/v1/admin/bundle', pushBody(v1));
    expect(refusedAfterRestart.status).toBe(409);
    await again.server.close();
    servers.splice(servers.indexOf(again.server), 1);
    const third = await start();
    expect((await third.sync()).last_push).toMatchObject({
      version: V1,
      outcome: 'refused',
      reason: refusedAfterRestart.json.error,
    });
  });

  it('logs a rollback at warn with the libraries it went from and to', async () => {
    const ws = await start(dataDirs[1]);
    expect((await ws.call('/v1/admin/bundle', pushBody(v1))).json).toMatchObject({ outcome: 'activated' });
    expect((await ws.call('/v1/admin/bundle', pushBody(v2))).json).toMatchObject({ outcome: 'activated' });
    expect((await ws.call('/v1/admin/rollback')).json).toMatchObject({ report: { version_before: V2, version: V1 } });
    expect(ws.lines.find((l) => l.msg === 'library rolled back')).toMatchObject({
      level: 40,
      from: `${V2} (${sha256Prefix(v2)})`,
      to: `${V1} (${sha256Prefix(v1)})`,
    });
  });
});
