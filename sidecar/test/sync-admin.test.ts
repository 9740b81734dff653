import fs from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SidecarServer } from '../src/server';
import { tempDataDir, testServer } from './helpers/test-server';
import { trackedServers } from './helpers/tracked-servers';
import { BundleFactory, clearSyncEnv, heldBackLabel, provincialCsv, smallDisk, V1, V2 } from './sync-support';

const TOKEN = 'sync-admin-test-token-0123456789';
let bundles: BundleFactory;
let v1: ReturnType<BundleFactory['write']>;
let v2: ReturnType<BundleFactory['write']>;
let v3: ReturnType<BundleFactory['write']>;
let foreign: ReturnType<BundleFactory['write']>;

beforeAll(() => {
  bundles = new BundleFactory();
  v1 = bundles.write('v1', bundles.library(V1));
  v2 = bundles.write('v2', bundles.library(V2, { revision: true }), v1);
  v3 = bundles.write(
    'v3',
    bundles.library('prov44-2026.11', { revision: true, extra: [provincialCsv(bundles.dir)] }),
    v2,
  );
  const stranger = new BundleFactory(path.join(bundles.dir, 'stranger'));
  foreign = stranger.write('foreign', stranger.library('foreign-1'));
});
afterAll(() => fs.rmSync(bundles.dir, { recursive: true, force: true }));

// Registered first so that it runs last (vitest runs after-hooks as a stack): the servers are closed before.
afterEach(() => clearSyncEnv());
const started = trackedServers<SidecarServer>((s) => fs.rmSync(s.config.dataDir, { recursive: true, force: true }));

/** A real sidecar on a loopback port; sync settings come from PREALERT_SYNC_* as in production. */
async function sidecar(env: Record<string, string>, adminToken?: string, dataDir?: string) {
  clearSyncEnv();
  Object.assign(process.env, env);
  const server = await testServer({ ...(adminToken ? { adminToken } : {}), ...(dataDir ? { dataDir } : {}) });
  started.track(server);
  const { url } = await server.listen();
  return { server, url };
}

function body(dir: string, file: string, cut = 1): Buffer {
  const manifest = JSON.stringify(JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')));
  const payload = fs.readFileSync(path.join(dir, file));
  return Buffer.concat([Buffer.from(`${manifest}\n`), payload.subarray(0, Math.floor(payload.length * cut))]);
}

async function call(url: string, route: string, options: { body?: Buffer; token?: string; type?: string } = {}) {
  const response = await request(`${url}${route}`, {
    method: options.body || route.includes('admin') ? 'POST' : 'GET',
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body ? { 'content-type': options.type ?? 'application/x-ndjson' } : {}),
    },
    ...(options.body ? { body: options.body } : {}),
  });
  return {
    status: response.statusCode,
    json: (await response.body.json()) as Record<string, unknown> & { sync?: Record<string, unknown> },
  };
}

async function version(url: string): Promise<string> {
  return ((await call(url, '/v1/status')).json.library as { version: string }).version;
}

describe('admin push and rollback', () => {
  it('is off without an admin token, and push is off without a trusted key', async () => {
    const { url } = await sidecar({});
    expect((await call(url, '/v1/admin/bundle', { body: body(v1.dir, v1.libraryFile) })).status).toBe(403);
    const keyless = await sidecar({}, TOKEN);
    const answer = await call(keyless.url, '/v1/admin/bundle', { body: body(v1.dir, v1.libraryFile), token: TOKEN });
    expect(answer.status).toBe(403);
    expect(answer.json.error).toMatch(/PREALERT_SYNC_PUBKEY/);
    expect((await call(keyless.url, '/v1/status')).json.sync).toMatchObject({ push_enabled: false, url: null });
  });

  it('takes a signed bundle, refuses everything else, and rolls back', async () => {
    const { url } = await sidecar({ PREALERT_SYNC_PUBKEY: bundles.keys.publicKeyFile }, TOKEN);
    const push = (b: Buffer, query = '', token = TOKEN, type?: string) =>
      call(url, `/v1/admin/bundle${query}`, { body: b, token, ...(type ? { type } : {}) });

    expect((await push(body(v1.dir, v1.libraryFile), '', 'wrong-token-wrong-token')).status).toBe(401);
    expect((await push(body(v1.dir, v1.libraryFile), '', TOKEN, 'application/json')).status).toBe(415);
    const garbage = await push(Buffer.from('{"signed":1}\nhello\n'));
    expect(garbage).toMatchObject({ status: 422, json: { code: 'bad_manifest' } });
    const untrusted = await push(body(foreign.dir, foreign.libraryFile));
    expect(untrusted).toMatchObject({ status: 422, json: { code: 'untrusted' } });
    const cut = await push(body(v1.dir, v1.libraryFile, 0.6));
    expect(cut).toMatchObject({ status: 422, json: { code: 'truncated' } });
    expect(await version(url)).toBe(V2);

    const full = await push(body(v1.dir, v1.libraryFile));
    expect(full).toMatchObject({
      status: 200,
      json: { outcome: 'activated', report: { version: V1, path: 'full', source: 'push' } },
    });
    expect(await version(url)).toBe(V1);

    const delta = await push(body(v2.dir, v2.deltaFile!), '?part=delta');
    expect(delta).toMatchObject({ status: 200, json: { report: { version: V2, path: 'delta' } } });
    expect((await push(body(v2.dir, v2.libraryFile))).json).toMatchObject({ outcome: 'current' });
    const stale = await push(body(v2.dir, v2.deltaFile!), '?part=delta');
    expect(stale).toMatchObject({ status: 200, json: { outcome: 'current' } });

    const back = await call(url, '/v1/admin/rollback', { token: TOKEN });
    expect(back).toMatchObject({ status: 200, json: { report: { version_before: V2, version: V1 } } });
    expect(await version(url)).toBe(V1);
    const cutDelta = await push(body(v2.dir, v2.deltaFile!).subarray(0, 50_000), '?part=delta');
    expect(cutDelta).toMatchObject({ status: 422, json: { code: 'truncated' } });
    const wrongParent = await push(body(v3.dir, v3.deltaFile!), '?part=delta');
    expect(wrongParent.status).toBe(409);
    expect(wrongParent.json.error).toMatch(/push the full library/);
    expect(await version(url)).toBe(V1);
    const status = (await call(url, '/v1/status')).json.sync!;
    expect(status).toMatchObject({ push_enabled: true, held_back: [heldBackLabel(v2)], previous: { version: V2 } });
    expect(await call(url, '/v1/admin/sync', { token: TOKEN })).toMatchObject({ json: { outcome: 'disabled' } });
  });

  it('refuses a push older than the running library unless IT allows it, and takes the running one again as current', async () => {
    const { url } = await sidecar({ PREALERT_SYNC_PUBKEY: bundles.keys.publicKeyFile }, TOKEN);
    const push = (b: Buffer, query = '') => call(url, `/v1/admin/bundle${query}`, { body: b, token: TOKEN });
    const status = async () => (await call(url, '/v1/status')).json.sync!;
    expect(await push(body(v3.dir, v3.libraryFile))).toMatchObject({ status: 200, json: { outcome: 'activated' } });
    const newest = v3.manifest.signed;

    // IT pushed the wrong directory: an older bundle.
    const older = await push(body(v1.dir, v1.libraryFile));
    expect(older.status).toBe(409);
    expect(older.json.error).toBe(
      `${V1} (created ${v1.manifest.signed.created_at}) is older than ${newest.version} (created ${newest.created_at}), which this workstation runs; nothing was changed. To run the older library anyway, push it with allow_older=1 (prealert push --allow-older)`,
    );
    expect(await version(url)).toBe(newest.version);
    expect((await status()).last_error).toMatch(/is older than prov44-2026\.11/);
    expect((await push(body(v1.dir, v1.libraryFile), '?allow_older=yes')).status).toBe(400);

    // Allowed: taken, reported as a downgrade, and the newer one is held back from the poller as after a rollback.
    const allowed = await push(body(v1.dir, v1.libraryFile), '?allow_older=1');
    expect(allowed).toMatchObject({
      status: 200,
      json: {
        outcome: 'activated',
        report: { version_before: newest.version, version: V1, source: 'push', downgrade: true },
      },
    });
    expect(await version(url)).toBe(V1);
    const afterDowngrade = await status();
    expect(afterDowngrade).toMatchObject({ held_back: [heldBackLabel(v3)], previous: { version: newest.version } });
    const activation = afterDowngrade.last_activation;

    // The same push again, and a delta to the next version pushed twice: each taken once, then answered current.
    expect(await push(body(v1.dir, v1.libraryFile), '?allow_older=1')).toMatchObject({
      status: 200,
      json: { outcome: 'current', version: V1 },
    });
    expect((await status()).last_activation).toEqual(activation);
    const delta = await push(body(v2.dir, v2.deltaFile!), '?part=delta');
    expect(delta).toMatchObject({
      status: 200,
      json: { outcome: 'activated', report: { version: V2, path: 'delta' } },
    });
    expect((delta.json.report as Record<string, unknown>).downgrade).toBeUndefined();
    expect(await push(body(v2.dir, v2.deltaFile!), '?part=delta')).toMatchObject({
      status: 200,
      json: { outcome: 'current', version: V2 },
    });
    expect(await version(url)).toBe(V2);
  });

  /** The data dir of a workstation that started with a maximum age two minutes ago and never reached its platform. */
  function installedMinutesAgo(): string {
    const dataDir = tempDataDir();
    fs.mkdirSync(path.join(dataDir, 'library'));
    const since = new Date(Date.now() - 120_000).toISOString();
    fs.writeFileSync(path.join(dataDir, 'library', 'sync.json'), JSON.stringify({ age_counted_from: since }));
    return dataDir;
  }

  it('reports a stale library in /readyz, serving or refusing as configured', async () => {
    const serving = await sidecar({ PREALERT_SYNC_MAX_AGE_S: '60' }, undefined, installedMinutesAgo());
    const ready = await call(serving.url, '/readyz');
    expect(ready).toMatchObject({ status: 200, json: { status: 'degraded' } });
    // A short maximum age in seconds and minutes, not "0.0 h (maximum 0.0 h)".
    expect(String(ready.json.reason)).toMatch(/not confirmed current for \d+ min \(maximum 60 s\)$/);
    const refuse = { PREALERT_SYNC_MAX_AGE_S: '60', PREALERT_SYNC_WHEN_STALE: 'refuse' };
    const refusing = await sidecar(refuse, undefined, installedMinutesAgo());
    // Refusing every prescription is not merely degraded: IT must tell the two apart.
    expect(await call(refusing.url, '/readyz')).toMatchObject({ status: 503, json: { status: 'refusing' } });
    // Just installed: the bundled library's maximum age counts from this first start.
    const installed = await sidecar(refuse);
    expect(await call(installed.url, '/readyz')).toMatchObject({ status: 200, json: { status: 'ready' } });
    const fresh = await sidecar({});
    expect(await call(fresh.url, '/readyz')).toMatchObject({ status: 200, json: { status: 'ready' } });
  });
});

describe('what IT is told when a rollback or a push cannot be done', () => {
  const keys = () => ({ PREALERT_SYNC_PUBKEY: bundles.keys.publicKeyFile });
  const push = (url: string, b: Buffer) => call(url, '/v1/admin/bundle', { body: b, token: TOKEN });
  const rollback = (url: string) => call(url, '/v1/admin/rollback', { token: TOKEN });
  const { stop } = started;

  it('a rollback to a bundled library an upgrade replaced, or to a version whose files are gone, says so (409)', async () => {
    const dataDir = tempDataDir();
    const first = await sidecar(keys(), TOKEN, dataDir);
    expect((await push(first.url, body(v1.dir, v1.libraryFile))).status).toBe(200);
    await stop(first.server);
    // What an upgrade of prealert leaves: the previous version is the bundled library of the release before.
    const stateFile = path.join(dataDir, 'library', 'state.json');
    const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
    state.previous.version = 'nhsa-b1-17+r2025.06';
    fs.writeFileSync(stateFile, JSON.stringify(state));
    const upgraded = await sidecar(keys(), TOKEN, dataDir);
    const replaced = await rollback(upgraded.url);
    expect(replaced.status).toBe(409);
    expect(replaced.json.error).toMatch(
      /previous version nhsa-b1-17\+r2025\.06 was the national library bundled with an earlier prealert; this prealert bundles nhsa-b1-17\+r2026\.01/,
    );
    expect(await version(upgraded.url)).toBe(V1);

    expect((await push(upgraded.url, body(v3.dir, v3.libraryFile))).status).toBe(200);
    // The previous version's folder deleted by hand (a cleanup tool, an operator).
    fs.rmSync(path.join(dataDir, 'library', 'versions', v1.manifest.signed.library.sha256), { recursive: true });
    const gone = await rollback(upgraded.url);
    expect(gone.status).toBe(409);
    expect(gone.json.error).toMatch(/previous version nhsa-b1-17 cannot be loaded, so nothing was changed: .*ENOENT/);
    expect(await version(upgraded.url)).toBe('prov44-2026.11');
  });

  it('a push onto a full disk is answered 507 naming it, and status keeps the reason', async (ctx) => {
    const disk = smallDisk(512 * 1024);
    if (!disk) return ctx.skip();
    try {
      const dataDir = tempDataDir();
      // Received libraries are written to the staging folder first: here it is on a disk with no room for one.
      fs.mkdirSync(path.join(dataDir, 'library'), { recursive: true });
      fs.symlinkSync(disk.dir, path.join(dataDir, 'library', 'staging'));
      const { url } = await sidecar(keys(), TOKEN, dataDir);
      const full = await push(url, body(v1.dir, v1.libraryFile));
      expect(full.status).toBe(507);
      expect(full.json.error).toMatch(/pushed library could not be activated: the disk holding .* is full \(ENOSPC/);
      expect(await version(url)).toBe(V2);
      const status = (await call(url, '/v1/status')).json.sync!;
      expect(status.last_error).toMatch(/is full \(ENOSPC/);
      expect(fs.readdirSync(disk.dir)).toEqual([]);
    } finally {
      await started.closeAll();
      disk.release();
    }
  });
});
