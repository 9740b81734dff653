/**
 * A library published under the version name of the one a workstation runs, with other content (a publisher's
 * mistake: an old builder, a bundle made by hand): refused on poll and on push with both sha256 prefixes named,
 * so that the name IT reads everywhere keeps meaning one library. A real sidecar on loopback, the provincial
 * platform simulator, real bundles from the NHSA files.
 */
import fs from 'node:fs';
import type { WrittenBundle } from '@prealert/rules-cache';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProvincialPlatform, startPlatform } from '../../examples/provincial-platform/src/platform-server';
import type { SidecarServer } from '../src/server';
import { pushBody, sha256Prefix } from './helpers/pushed-bundle';
import { testServer } from './helpers/test-server';
import { BundleFactory, clearSyncEnv, provincialCsv, useSyncEnv, V2 } from './sync-support';

const TOKEN = 'reused-name-test-token-0123456789';
let platform: ProvincialPlatform;
let bundles: BundleFactory;
let first: WrittenBundle;
/** V2 again, newer, with a local row added: same name, other library. */
let renamed: WrittenBundle;
let server: SidecarServer;
let url: string;

beforeAll(async () => {
  bundles = new BundleFactory();
  first = bundles.write('first', bundles.library(V2, { revision: true }));
  renamed = bundles.write('renamed', bundles.library(V2, { revision: true, extra: [provincialCsv(bundles.dir)] }));
  platform = await startPlatform();
  useSyncEnv(platform.bundleUrl, bundles.keys.publicKeyFile);
  server = await testServer({ adminToken: TOKEN });
  ({ url } = await server.listen());
});

afterAll(async () => {
  await server?.close();
  clearSyncEnv();
  await platform?.close();
  if (server) fs.rmSync(server.config.dataDir, { recursive: true, force: true });
  fs.rmSync(bundles.dir, { recursive: true, force: true });
});

async function call<T = Record<string, unknown>>(route: string, body?: Buffer) {
  const response = await request(`${url}${route}`, {
    method: route.includes('/admin/') ? 'POST' : 'GET',
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body ? { 'content-type': 'application/x-ndjson' } : {}),
    },
    ...(body ? { body } : {}),
  });
  return { status: response.statusCode, json: (await response.body.json()) as T };
}

describe('a library offered under the running version name with other content', () => {
  it('is refused on poll, naming both sha256 prefixes, and the running library stays', async () => {
    platform.publish(first.dir);
    expect((await call('/v1/admin/sync')).json).toMatchObject({ outcome: 'activated', report: { version: V2 } });
    const before = (await call<{ library: { knowledge_points: number } }>('/v1/status')).json;

    platform.publish(renamed.dir);
    const polled = (await call<{ outcome: string; error: string }>('/v1/admin/sync')).json;
    expect(polled.outcome).toBe('failed');
    expect(polled.error).toContain(
      `${sha256Prefix(renamed)}…) has the version name of the library this workstation runs`,
    );
    expect(polled.error).toContain(`(sha256 ${sha256Prefix(first)}…)`);
    const status = (
      await call<{
        library: { knowledge_points: number };
        sync: { library: { sha256: string }; last_error: string };
      }>('/v1/status')
    ).json;
    expect(status.sync.library.sha256).toBe(first.manifest.signed.library.sha256);
    expect(status.library.knowledge_points).toBe(before.library.knowledge_points);
    expect(status.sync.last_error).toBe(polled.error);
  });

  it('is refused on push with 409, naming both sha256 prefixes', async () => {
    const pushed = await call('/v1/admin/bundle', pushBody(renamed));
    expect(pushed.status).toBe(409);
    expect(String(pushed.json.error)).toMatch(
      new RegExp(
        `^pushed manifest: .*\\(library sha256 ${sha256Prefix(renamed)}….*\\(sha256 ${sha256Prefix(first)}…\\)`,
      ),
    );
    const status = (await call<{ sync: { library: { sha256: string } } }>('/v1/status')).json;
    expect(status.sync.library.sha256).toBe(first.manifest.signed.library.sha256);
  });
});
