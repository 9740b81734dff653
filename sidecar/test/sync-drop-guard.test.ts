/**
 * A bundle that verifies but would drop most of the active library's knowledge points (a broken provincial export
 * with the first NHSA batch instead of all 17) is held: the last-good library keeps answering, IT reads why in
 * /v1/status, the log and /metrics, and an admin takes it on purpose. Real sidecars on loopback HTTP with their real
 * SQLite records file, the provincial platform simulator, bundles signed from the real NHSA files.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { libraryFromFiles, type WrittenBundle } from '@prealert/rules-cache';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ProvincialPlatform, startPlatform } from '../../examples/provincial-platform/src/platform-server';
import type { SidecarServer } from '../src/server';
import type { HeldLibrary as Held } from '../src/sync/point-drop-guard';
import { loadSyncConfig } from '../src/sync/sync-config';
import { analysisEnvelope, nationalItems } from './fixtures/his-requests';
import { capturingLogger } from './helpers/capturing-logger';
import { pushBody } from './helpers/pushed-bundle';
import { assertBuilt, CLI } from './helpers/spawn-sidecar';
import { callOverHttp, testServer } from './helpers/test-server';
import { BATCH_FILES, BundleFactory, clearSyncEnv, V1, V2 } from './sync-support';

const TOKEN = 'sync-drop-guard-test-token-0123456789';
const ONE_BATCH = 'prov44-2026.12-batch7';
/** Male-only items asked for a woman: each one reminder where its point is in the library. */
const FIRING = 12;

let platform: ProvincialPlatform;
let bundles: BundleFactory;
let v1: WrittenBundle;
let v2: WrittenBundle;
let oneBatch: WrittenBundle;
/** Another broken export (batch 7 again, another name, dated later): what the platform may offer next. */
let otherBatch: WrittenBundle;
/**
 * Reminders FIRING male-only items give under the one-batch library: fewer than FIRING (checked in beforeAll; the
 * 区分性别使用 points are all in batch 1).
 */
let firingUnderOneBatch: number;

beforeAll(async () => {
  bundles = new BundleFactory();
  v1 = bundles.write('v1', bundles.library(V1));
  v2 = bundles.write('v2', bundles.library(V2, { revision: true }), v1);
  // The provincial export that went wrong: NHSA batch 7 alone (its 900 points), as its own source file, where the
  // other 16 batches should have been. Dated after v1 and v2.
  const batches2to8 = JSON.parse(fs.readFileSync(BATCH_FILES[1]!, 'utf8')) as {
    meta: unknown;
    knowledge_points: { batch: number }[];
  };
  const batch7 = path.join(bundles.dir, 'batch_7_knowledge_points.json');
  fs.writeFileSync(
    batch7,
    JSON.stringify({ ...batches2to8, knowledge_points: batches2to8.knowledge_points.filter((kp) => kp.batch === 7) }),
  );
  const batch7Library = (version: string, aheadMs: number) => {
    const made = libraryFromFiles({
      meta: { version, region: 'national', createdAt: new Date(Date.now() + aheadMs).toISOString() },
      sources: [batch7],
      revisions: [],
    });
    if (!made.ok) throw new Error(JSON.stringify(made.issues.slice(0, 3)));
    return made;
  };
  const built = batch7Library(ONE_BATCH, 60_000);
  oneBatch = bundles.write('one-batch', built.value);
  otherBatch = bundles.write('other-batch', batch7Library(`${ONE_BATCH}-again`, 120_000).value);
  const codes = new Set(built.value.knowledgePoints.flatMap((kp) => kp.codes));
  firingUnderOneBatch = nationalItems()
    .maleOnly.slice(0, FIRING)
    .filter((item) => codes.has(item.code)).length;
  if (firingUnderOneBatch >= FIRING) throw new Error('every firing item is in batch 7: the test would show nothing');
  platform = await startPlatform();
});

afterAll(async () => {
  await platform?.close();
  fs.rmSync(bundles.dir, { recursive: true, force: true });
});

const started: SidecarServer[] = [];
afterEach(async () => {
  for (const s of started.splice(0)) {
    await s.close();
    fs.rmSync(s.config.dataDir, { recursive: true, force: true });
  }
  clearSyncEnv();
});

interface Status {
  library: { version: string; knowledge_points: number; held?: Held | null };
  sync: { held?: Held | null; library: { version: string } | null; last_push: { outcome: string } | null };
}

/** A real sidecar following the platform, its log captured; sync settings from PREALERT_SYNC_* as in production. */
async function sidecar(env: Record<string, string> = {}) {
  clearSyncEnv();
  Object.assign(process.env, {
    PREALERT_SYNC_URL: platform.bundleUrl,
    PREALERT_SYNC_PUBKEY: bundles.keys.publicKeyFile,
    PREALERT_SYNC_INTERVAL_S: '3600',
    ...env,
  });
  const log = capturingLogger('warn');
  const server = await testServer({ adminToken: TOKEN }, { logger: log.logger });
  started.push(server);
  const { url } = await server.listen();
  const admin = async (route: string, body?: Buffer) => {
    const response = await request(`${url}/v1/admin${route}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body ? { 'content-type': 'application/x-ndjson' } : {}),
      },
      ...(body ? { body } : {}),
    });
    return { status: response.statusCode, json: (await response.body.json()) as Record<string, unknown> };
  };
  const status = async () => (await (await request(`${url}/v1/status`)).body.json()) as Status;
  const metrics = async () => (await request(`${url}/metrics`)).body.text();
  /** The reminders a 3101 over HTTP gives for FIRING male-only items prescribed to a woman. */
  const reminders = async () => {
    const reply = await callOverHttp(server, analysisEnvelope({ lines: FIRING, firing: FIRING }));
    expect(reply.body.infcode, reply.body.err_msg).toBe(0);
    return reply.body.output.result?.length ?? 0;
  };
  return { url, admin, status, metrics, reminders, lines: log.lines };
}

/**
 * `prealert fleet status` (the built CLI) over that one host, as a table and as JSON. Run without blocking: the
 * sidecar it asks answers from this process.
 */
async function fleetStatus(
  url: string,
  options: string[] = [],
): Promise<{ table: string; json: { held: Held | null; platform: string | null }[] }> {
  assertBuilt();
  const hosts = path.join(bundles.dir, `hosts-${Date.now()}.txt`);
  fs.writeFileSync(hosts, `${url}\n`);
  const run = (extra: string[]) =>
    promisify(execFile)(process.execPath, [CLI, 'fleet', 'status', '--hosts', hosts, ...options, ...extra], {
      env: { ...process.env, NO_COLOR: '1', PREALERT_SYNC_URL: '' },
    });
  const [table, json] = await Promise.all([run([]), run(['--json'])]);
  return { table: table.stdout, json: JSON.parse(json.stdout) as { held: Held | null; platform: string | null }[] };
}

/** Publishes `bundle` and has the sidecar poll for it now, as IT's "sync now" does. */
async function pull(host: Awaited<ReturnType<typeof sidecar>>, bundle: WrittenBundle, query = '') {
  platform.publish(bundle.dir);
  return host.admin(`/sync${query}`);
}

const points = (bundle: WrittenBundle) => bundle.manifest.signed.library.knowledge_points;

describe('a library that would drop most knowledge points', () => {
  it('activates a pulled library that keeps them, and says nothing is held', async () => {
    platform.clearFaults();
    const host = await sidecar();
    expect(await pull(host, v1)).toMatchObject({ status: 200, json: { outcome: 'activated' } });
    expect(await pull(host, v2)).toMatchObject({
      status: 200,
      json: { outcome: 'activated', report: { version: V2, knowledge_points: points(v2) } },
    });
    const status = await host.status();
    expect(status.library).toMatchObject({ version: V2, held: null });
    expect(status.sync.held).toBeNull();
    expect(await host.metrics()).toMatch(/^prealert_sync_library_held 0$/m);
    expect(await host.reminders()).toBe(FIRING);
  }, 60_000);

  it('holds a pulled library of one batch, keeps the old one answering, and takes it when an admin says so', async () => {
    platform.clearFaults();
    const host = await sidecar();
    expect(await pull(host, v2)).toMatchObject({ json: { outcome: 'activated' } });
    const before = points(v2);
    const after = points(oneBatch);
    expect(after).toBeLessThan(before / 2);

    const polled = await pull(host, oneBatch);
    const held = {
      version: ONE_BATCH,
      sha256: oneBatch.manifest.signed.library.sha256,
      source: 'sync',
      points_before: before,
      points_after: after,
      dropped_share: Math.round(((before - after) / before) * 1000) / 1000,
      max_drop_share: 0.5,
      reason: expect.stringContaining(
        `${ONE_BATCH} has ${after} knowledge points, ${V2} has ${before}: ${before - after} (`,
      ),
    };
    expect(polled).toMatchObject({ status: 200, json: { outcome: 'held', held } });
    expect((polled.json.held as Held).reason).toMatch(
      /would be gone, more than PREALERT_SYNC_MAX_DROP_SHARE allows \(50%\); it is held and .* stays active\. To run it anyway, POST \/v1\/admin\/sync\?allow_shrink=[0-9a-f]{12}$/,
    );
    const status = await host.status();
    expect(status.library).toMatchObject({ version: V2, knowledge_points: before, held });
    expect(status.sync.held).toMatchObject(held);
    expect(await host.metrics()).toMatch(/^prealert_sync_library_held 1$/m);
    const fleet = await fleetStatus(host.url);
    expect(fleet.json[0]!.held).toMatchObject(held);
    const gone = Math.round(((before - after) / before) * 1000) / 10;
    expect(fleet.table.replace(/[│\s]+/g, ' ')).toContain(`${ONE_BATCH}: ${before} → ${after} points (${gone}% gone)`);
    // Against the platform, which offers that library: held (waiting for an admin), not behind.
    const compared = await fleetStatus(host.url, ['--platform', platform.bundleUrl]);
    expect(compared.json[0]).toMatchObject({ platform: 'held', held });
    const row = compared.table.replace(/[│\s]+/g, ' ');
    expect(row).toContain(`HELD (${before} → ${after} points)`);
    expect(row).not.toContain('BEHIND');
    expect(row).toContain(
      `0 of 1 on ${ONE_BATCH} (${held.sha256.slice(0, 12)}), the platform's current library; held (would drop too many points, waiting for an admin): ${host.url}`,
    );
    expect(host.lines).toContainEqual(
      expect.objectContaining({
        level: 40,
        msg: 'library held: it would drop too many knowledge points; the active library stays',
        version: ONE_BATCH,
        points_before: before,
        points_after: after,
      }),
    );
    // The old library still answers 3101, with its rules: every male-only item is reminded of.
    expect(await host.reminders()).toBe(FIRING);
    // Polled again it stays held (its manifest is read again, its library not downloaded), logged only once.
    expect(await host.admin('/sync')).toMatchObject({ json: { outcome: 'held' } });
    expect(host.lines.filter((l) => String(l.msg).startsWith('library held'))).toHaveLength(1);

    // IT read status and names that library; meanwhile the platform offers another broken export: not taken.
    const named = held.sha256.slice(0, 12);
    expect((polled.json.held as Held).reason).toMatch(new RegExp(`allow_shrink=${named}$`));
    platform.publish(otherBatch.dir);
    const other = otherBatch.manifest.signed.library.sha256;
    const conflict = await host.admin(`/sync?allow_shrink=${named}`);
    expect(conflict).toMatchObject({
      status: 409,
      json: { outcome: 'not_named', version: otherBatch.manifest.signed.version, sha256: other, named },
    });
    expect(conflict.json.error).toBe(
      `allow_shrink names the library ${named}, but the platform now offers ${otherBatch.manifest.signed.version} (${other}): nothing was activated; read /v1/status library.held and name the library to take`,
    );
    const meanwhile = await host.status();
    expect(meanwhile.library).toMatchObject({ version: V2, held: { sha256: other, source: 'sync' } });
    expect(await host.reminders()).toBe(FIRING);
    expect((await host.admin('/sync?allow_shrink=0123456789a')).status).toBe(400);

    platform.publish(oneBatch.dir);
    const taken = await host.admin(`/sync?allow_shrink=${named.toUpperCase()}`);
    expect(taken).toMatchObject({
      status: 200,
      json: { outcome: 'activated', report: { version: ONE_BATCH, knowledge_points: after } },
    });
    const now = await host.status();
    expect(now.library).toMatchObject({ version: ONE_BATCH, knowledge_points: after, held: null });
    expect(await host.metrics()).toMatch(/^prealert_sync_library_held 0$/m);
    expect(await host.reminders()).toBe(firingUnderOneBatch);
    expect((await host.admin('/sync?allow_shrink=maybe')).status).toBe(400);
  }, 60_000);

  it('holds a pushed library of one batch with 409 and the counts, and takes it pushed with --allow-shrink', async () => {
    platform.clearFaults();
    const host = await sidecar();
    expect(await pull(host, v2)).toMatchObject({ json: { outcome: 'activated' } });
    // A push names the bundle it carries; another sha256 is refused before anything is activated.
    const misnamed = await host.admin(`/bundle?allow_shrink=${'0'.repeat(64)}`, pushBody(oneBatch));
    expect(misnamed.status).toBe(409);
    expect(misnamed.json.error).toContain(
      `but the pushed bundle is ${ONE_BATCH} (${oneBatch.manifest.signed.library.sha256})`,
    );
    const refused = await host.admin('/bundle', pushBody(oneBatch));
    expect(refused.status).toBe(409);
    expect(refused.json.error).toMatch(
      new RegExp(
        `^${ONE_BATCH} has ${points(oneBatch)} knowledge points, .* stays active\\. To run it anyway, push it with allow_shrink=1 \\(prealert push --allow-shrink\\)$`,
      ),
    );
    const status = await host.status();
    expect(status.library).toMatchObject({
      version: V2,
      held: { version: ONE_BATCH, source: 'push', points_before: points(v2), points_after: points(oneBatch) },
    });
    expect(status.sync.last_push).toMatchObject({ outcome: 'refused' });
    expect(await host.reminders()).toBe(FIRING);

    // As IT takes it: `prealert push --allow-shrink` (the built CLI) sends allow_shrink=1.
    const hosts = path.join(bundles.dir, `push-hosts-${Date.now()}.txt`);
    fs.writeFileSync(hosts, `${host.url}\n`);
    assertBuilt();
    const pushed = await promisify(execFile)(
      process.execPath,
      [CLI, 'push', '--bundle', oneBatch.dir, '--hosts', hosts, '--allow-shrink'],
      { env: { ...process.env, NO_COLOR: '1', PREALERT_ADMIN_TOKEN: TOKEN } },
    );
    expect(pushed.stdout).toContain(`1/1 hosts run ${ONE_BATCH}`);
    expect((await host.status()).library).toMatchObject({ version: ONE_BATCH, held: null });
    expect(await host.reminders()).toBe(firingUnderOneBatch);
  }, 60_000);

  it('activates it directly with PREALERT_SYNC_MAX_DROP_SHARE=off', async () => {
    platform.clearFaults();
    const host = await sidecar({ PREALERT_SYNC_MAX_DROP_SHARE: 'off' });
    expect(await pull(host, v2)).toMatchObject({ json: { outcome: 'activated' } });
    expect(await pull(host, oneBatch)).toMatchObject({
      status: 200,
      json: { outcome: 'activated', report: { version: ONE_BATCH, knowledge_points: points(oneBatch) } },
    });
    expect((await host.status()).library).toMatchObject({ version: ONE_BATCH, held: null });
    expect(await host.reminders()).toBe(firingUnderOneBatch);
  }, 60_000);

  it('never holds the first library of an empty install', async () => {
    platform.clearFaults();
    const host = await sidecar();
    expect((await host.status()).library.knowledge_points).toBeGreaterThan(2 * points(oneBatch));
    expect(await pull(host, oneBatch)).toMatchObject({
      status: 200,
      json: { outcome: 'activated', report: { version: ONE_BATCH } },
    });
    expect((await host.status()).sync.held).toBeNull();
  }, 60_000);
});

describe('PREALERT_SYNC_MAX_DROP_SHARE', () => {
  it('is a share from 0 to 1 (default 0.5); 1 and off turn the guard off', () => {
    expect(loadSyncConfig({}).maxDropShare).toBe(0.5);
    expect(loadSyncConfig({ PREALERT_SYNC_MAX_DROP_SHARE: ' 0.25 ' }).maxDropShare).toBe(0.25);
    expect(loadSyncConfig({ PREALERT_SYNC_MAX_DROP_SHARE: '0' }).maxDropShare).toBe(0);
    expect(loadSyncConfig({ PREALERT_SYNC_MAX_DROP_SHARE: '1' }).maxDropShare).toBeUndefined();
    expect(loadSyncConfig({ PREALERT_SYNC_MAX_DROP_SHARE: 'off' }).maxDropShare).toBeUndefined();
  });

  it.each(['50', '5e-1', '0x1', '+0.5', '.5', '-0.1', '50%', 'on'])('refuses %j, naming the variable', (raw) => {
    expect(() => loadSyncConfig({ PREALERT_SYNC_MAX_DROP_SHARE: raw })).toThrow(
      `PREALERT_SYNC_MAX_DROP_SHARE must be a share from 0 to 1 such as 0.5, or off (got ${JSON.stringify(raw)})`,
    );
  });
});
