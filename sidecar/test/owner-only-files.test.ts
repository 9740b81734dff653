/**
 * What the sidecar keeps, as another account of the same machine finds it: a real sidecar (its own log file,
 * records database, spool replay) started in a data dir it creates, and again over files an earlier prealert left
 * readable by all. And what /v1/status tells anyone who reaches it of the bundle URL.
 */
import fs from 'node:fs';
import path from 'node:path';
import { generateSigningKeys } from '@prealert/rules-cache';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { HOLDER_FILE_NAME, LOCK_FILE_NAME } from '../src/data-dir-lock';
import { createServer } from '../src/server';
import { DATABASE_FILE_NAME } from '../src/store/database';
import { analysisEnvelope, feedbackEnvelope } from './fixtures/his-requests';
import { callOverHttp, tempDataDir } from './helpers/test-server';

const mode = (file: string) => fs.statSync(file).mode & 0o777;

async function startIn(dataDir: string) {
  const base = loadConfig({ env: {}, overrides: { dataDir, port: 0 } });
  const server = await createServer({
    config: { ...base, log: { ...base.log, level: 'info', file: path.join(dataDir, 'logs', 'prealert.log') } },
  });
  await server.listen();
  return server;
}

function spoolFile(envelope: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(envelope), 'utf8');
  const head = `prealert-spool 1\ninfno: 3103\ncharset: utf-8\ntime_ms: ${Date.now()}\nlength: ${body.length}\n\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

describe('files the sidecar keeps', () => {
  it('are created owner-only (0600, folders 0700), and made so when an earlier run left them readable', async (ctx) => {
    if (process.platform === 'win32') return ctx.skip('POSIX modes: on Windows files take the folder ACL');
    const dataDir = path.join(tempDataDir(), 'workstation', 'prealert');
    const probe = path.join(path.dirname(path.dirname(dataDir)), 'probe');
    fs.writeFileSync(probe, '');
    if ((mode(probe) & 0o044) === 0) return ctx.skip('the umask already keeps files from others');

    let server = await startIn(dataDir);
    const spoolDir = path.join(dataDir, 'spool');
    const rejected = path.join(spoolDir, 'rejected', '0001-unknown.req');
    try {
      expect((await callOverHttp(server, analysisEnvelope({ encounterId: 'MZ-MODE-1' }))).body.infcode).toBe(0);
      await server.app.inject({ url: '/v1/stats' }); // the answer is written: the WAL holds it
      // A spool file written readable by all (by hand, an older shim) that cannot be stored.
      fs.mkdirSync(spoolDir, { recursive: true });
      fs.writeFileSync(
        path.join(spoolDir, '0001-unknown.req'),
        spoolFile(feedbackEnvelope([{ jrId: 'JR-X', way: '2' }])),
        {
          mode: 0o644,
        },
      );
      const deadline = Date.now() + 8_000;
      while (!fs.existsSync(rejected) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(fs.existsSync(rejected)).toBe(true);
      const db = path.join(dataDir, DATABASE_FILE_NAME);
      expect(fs.existsSync(`${db}-wal`) && fs.existsSync(`${db}-shm`)).toBe(true);
      const modes = Object.fromEntries(
        [
          dataDir,
          db,
          `${db}-wal`,
          `${db}-shm`,
          path.join(dataDir, LOCK_FILE_NAME),
          path.join(dataDir, HOLDER_FILE_NAME),
          path.join(dataDir, 'logs'),
          path.dirname(rejected),
          rejected,
        ].map((f) => [path.relative(dataDir, f) || '.', mode(f).toString(8)]),
      );
      expect(modes).toEqual({
        '.': '700',
        [DATABASE_FILE_NAME]: '600',
        [`${DATABASE_FILE_NAME}-wal`]: '600',
        [`${DATABASE_FILE_NAME}-shm`]: '600',
        // Names the process that owns the records (review: it was 0644 beside a 0600 database).
        [LOCK_FILE_NAME]: '600',
        [HOLDER_FILE_NAME]: '600',
        logs: '700',
        'spool/rejected': '700',
        'spool/rejected/0001-unknown.req': '600',
      });
    } finally {
      await server.close();
    }
    const logs = fs.readdirSync(path.join(dataDir, 'logs')).map((name) => path.join(dataDir, 'logs', name));
    expect(logs.length).toBeGreaterThan(0);
    for (const log of logs) expect(mode(log).toString(8), log).toBe('600');

    // An earlier prealert's files, readable by all: made owner-only at the next start.
    const db = path.join(dataDir, DATABASE_FILE_NAME);
    const lock = path.join(dataDir, LOCK_FILE_NAME);
    for (const file of [db, lock, ...logs]) fs.chmodSync(file, 0o644);
    server = await startIn(dataDir);
    try {
      expect(mode(db).toString(8)).toBe('600');
      expect(mode(lock).toString(8)).toBe('600');
      const deadline = Date.now() + 5_000;
      while (logs.some((log) => mode(log) !== 0o600) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      for (const log of logs) expect(mode(log).toString(8), log).toBe('600');
    } finally {
      await server.close();
    }
  });
});

describe('/v1/status', () => {
  it('shows the bundle URL with its userinfo and query values masked, without its fragment', async () => {
    const dataDir = tempDataDir();
    const keys = generateSigningKeys(tempDataDir());
    const saved = { url: process.env.PREALERT_SYNC_URL, key: process.env.PREALERT_SYNC_PUBKEY };
    process.env.PREALERT_SYNC_URL = 'http://prealert:s3cret-pw@127.0.0.1:9/bundles/?access_key=AK-77f1#frag';
    process.env.PREALERT_SYNC_PUBKEY = keys.publicKeyFile;
    let server: Awaited<ReturnType<typeof startIn>> | undefined;
    try {
      server = await startIn(dataDir);
      const reply = await server.app.inject({ url: '/v1/status' });
      expect(reply.statusCode).toBe(200);
      const sync = (JSON.parse(reply.payload) as { sync: { url: string } }).sync;
      expect(sync.url).toBe('http://***:***@127.0.0.1:9/bundles/?access_key=***');
      for (const secret of ['s3cret-pw', 'AK-77f1', 'frag']) expect(reply.payload).not.toContain(secret);
    } finally {
      if (saved.url === undefined) delete process.env.PREALERT_SYNC_URL;
      else process.env.PREALERT_SYNC_URL = saved.url;
      if (saved.key === undefined) delete process.env.PREALERT_SYNC_PUBKEY;
      else process.env.PREALERT_SYNC_PUBKEY = saved.key;
      await server?.close();
    }
  });
});
