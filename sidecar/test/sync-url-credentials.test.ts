/**
 * PREALERT_SYNC_URL with credentials (`user:secret@`, `?key=…`): they were never sent (no Authorization, the query
 * dropped from every file URL), so an authenticated bundle server could not be used, yet every error printed them:
 * sync.last_error, stale_reason, /readyz, the warn log and the HIS's err_msg. A real bundle server on loopback that
 * wants both, and the real sync with a real data dir.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { WrittenBundle } from '@prealert/rules-cache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LibraryHolder } from '../src/library-holder';
import { LibrarySync } from '../src/sync/library-sync';
import { loadSyncConfig } from '../src/sync/sync-config';
import { capturingLogger } from './helpers/capturing-logger';
import { BundleFactory, tempDir, V1 } from './sync-support';

const USER = 'ws-0231';
const PASSWORD = 's@cret-9f2';
const KEY = 'k3y-7c1e';

let bundles: BundleFactory;
let v1: WrittenBundle;
let server: http.Server;
let port: number;
/** Each request the bundle server got: its path with query, and the credentials it carried. */
const seen: { path: string; basic: string | null }[] = [];
const dataDirs: string[] = [];
const syncs: LibrarySync[] = [];

beforeAll(async () => {
  bundles = new BundleFactory();
  v1 = bundles.write('v1', bundles.library(V1));
  server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://bundles.invalid');
    const auth = request.headers.authorization;
    const basic = auth?.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString('utf8') : null;
    seen.push({ path: `${url.pathname}${url.search}`, basic });
    if (basic !== `${USER}:${PASSWORD}`) {
      response.writeHead(401, { 'www-authenticate': 'Basic realm="bundles"' }).end();
      return;
    }
    if (url.searchParams.get('key') !== KEY) {
      response.writeHead(403).end();
      return;
    }
    const file = path.join(v1.dir, path.basename(url.pathname));
    if (!url.pathname.startsWith('/bundles/') || !fs.existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200).end(fs.readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const sync of syncs) await sync.stop();
  await new Promise((resolve) => server.close(resolve));
  for (const dir of [...dataDirs, bundles.dir]) fs.rmSync(dir, { recursive: true, force: true });
});

function follow(url: string, env: Record<string, string> = {}, now?: () => number) {
  const dataDir = tempDir('sync-credentials');
  dataDirs.push(dataDir);
  const { logger, lines } = capturingLogger('warn');
  const sync = new LibrarySync({
    config: loadSyncConfig({
      PREALERT_SYNC_URL: url,
      PREALERT_SYNC_PUBKEY: bundles.keys.publicKeyFile,
      PREALERT_SYNC_TIMEOUT_S: '5',
      ...env,
    }),
    dataDir,
    holder: new LibraryHolder(),
    logger,
    adminEnabled: false,
    ...(now ? { now } : {}),
  });
  syncs.push(sync);
  return { sync, lines };
}

describe('a sync URL with credentials', () => {
  it('sends its userinfo as HTTP Basic and keeps its query on the manifest and on every bundle file', async () => {
    const password = encodeURIComponent(PASSWORD);
    const { sync } = follow(`http://${USER}:${password}@127.0.0.1:${port}/bundles/?key=${KEY}`);
    const from = seen.length;
    const polled = await sync.pollNow();
    expect(polled).toMatchObject({ outcome: 'activated', report: { version: V1 } });
    const requests = seen.slice(from);
    expect(requests.map((r) => r.path)).toEqual([
      `/bundles/manifest.json?key=${KEY}`,
      `/bundles/${v1.manifest.signed.library.file}?key=${KEY}`,
    ]);
    for (const request of requests) expect(request.basic).toBe(`${USER}:${PASSWORD}`);
  });

  it('never shows the userinfo or the query values: status, stale reason and log name the URL masked', async () => {
    let clock = Date.now();
    const wrong = 'wrong-p4ss';
    const { sync, lines } = follow(
      `http://${USER}:${wrong}@127.0.0.1:${port}/bundles/?key=${KEY}`,
      { PREALERT_SYNC_MAX_AGE_S: '60', PREALERT_SYNC_WHEN_STALE: 'refuse' },
      () => clock,
    );
    // The bundled national library, as at a start without a stored one: its age is what goes stale.
    await sync.restore();
    expect((await sync.pollNow()).outcome).toBe('failed');
    clock += 120_000;
    const status = sync.status();
    const shown = `GET http://***:***@127.0.0.1:${port}/bundles/manifest.json?key=***: HTTP 401`;
    expect(status.last_error).toBe(shown);
    expect(status.stale_reason).toContain(`last sync error: ${shown}`);
    const logged = JSON.stringify(lines);
    expect(logged).toContain(shown);
    // `url` is the setting itself; /v1/status strips it (status.ts), as sidecar/README.md says.
    for (const text of [JSON.stringify({ ...status, url: null }), logged]) {
      expect(text).not.toContain(wrong);
      expect(text).not.toContain(USER);
      expect(text).not.toContain(KEY);
    }

    // A server that does not answer at all: the connection error names the URL the same way.
    const closed = follow(`http://${USER}:${wrong}@127.0.0.1:9/bundles/?key=${KEY}`);
    expect((await closed.sync.pollNow()).outcome).toBe('failed');
    const refused = closed.sync.status().last_error ?? '';
    expect(refused).toMatch(/^GET http:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:9\/bundles\/manifest\.json\?key=\*\*\*: /);
    expect(refused).not.toContain(wrong);
    expect(refused).not.toContain(KEY);
  });
});
