import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MANIFEST_FILE, readManifestUnverified } from '@prealert/rules-cache';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { type Fault, FaultBoard, parseFault, type RequestTarget } from './faults';
import { type Upload, UploadInbox } from './uploads';

export interface PlatformOptions {
  host?: string;
  port?: number;
  /** The directory served under /bundles/ (created if missing). Default: a fresh temporary directory. */
  bundleDir?: string;
}

export interface RequestRecord {
  at: string;
  method: string;
  path: string;
  target: RequestTarget;
  status: number;
  if_none_match: string | null;
  fault: string | null;
}

export interface ProvincialPlatform {
  app: FastifyInstance;
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  /** What a sidecar's PREALERT_SYNC_URL points at. */
  bundleUrl: string;
  /** What a sidecar's PREALERT_PLATFORM_URL (数据归集) points at. */
  collectUrl: string;
  bundleDir: string;
  faults: FaultBoard;
  inbox: UploadInbox;
  requests: RequestRecord[];
  /** Copies a bundle directory in as the published one: payload files first, manifest.json last (as a CDN origin sync would). */
  publish(sourceDir: string): void;
  inject(fault: Fault): void;
  clearFaults(): void;
  uploads(): Upload[];
  close(): Promise<void>;
}

const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

function targetOf(name: string): RequestTarget {
  if (name === MANIFEST_FILE) return 'manifest';
  if (name.startsWith('library-')) return 'library';
  if (name.startsWith('delta-')) return 'delta';
  return 'other';
}

function etagOf(bytes: Buffer): string {
  return `"${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}"`;
}

/** RFC 9110 If-None-Match: a list of (possibly weak) tags, or *. */
function noneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

/** The manifest with its first signature altered: still base64 of 64 bytes, no longer valid. */
function corruptSignature(bytes: Buffer): Buffer {
  const parsed = JSON.parse(bytes.toString('utf8')) as { signatures?: { sig: string }[] };
  const sig = parsed.signatures?.[0];
  if (sig) {
    const raw = Buffer.from(sig.sig, 'base64');
    raw[10] = raw[10]! ^ 0xff;
    sig.sig = raw.toString('base64');
  }
  return Buffer.from(`${JSON.stringify(parsed, null, 2)}\n`);
}

/** One byte changed in the middle, keeping the file valid UTF-8 text of the same size. */
function corruptByte(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  // A point's batch number, where there is one past the middle: still a well-formed point with the ids it had, so
  // only the hash tells (a digit of an id would be caught earlier, by the line's own checks).
  const batch = copy.indexOf('"batch":', Math.floor(copy.length / 2));
  if (batch >= 0) {
    const at = batch + '"batch":'.length;
    const c = copy[at]!;
    if (c >= 0x31 && c <= 0x38) {
      copy[at] = c + 1;
      return copy;
    }
  }
  for (let i = Math.floor(copy.length / 2); i < copy.length; i++) {
    const c = copy[i]!;
    if (c >= 0x30 && c <= 0x39) {
      copy[i] = c === 0x39 ? 0x30 : c + 1;
      return copy;
    }
  }
  copy[copy.length - 2] = 0x20;
  return copy;
}

async function sendBody(request: FastifyRequest, reply: FastifyReply, body: Buffer, fault: Fault | undefined) {
  if (fault?.kind === 'truncate') {
    // Content-Length promises the whole file; the connection dies part way, as a flaky proxy does.
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { ...(reply.getHeaders() as Record<string, string>), 'content-length': body.length });
    raw.write(body.subarray(0, Math.floor(body.length * (fault.fraction ?? 0.5))));
    setTimeout(() => request.raw.socket.destroy(), 20);
    return;
  }
  if (fault?.kind === 'slow' && fault.bytesPerSecond) {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { ...(reply.getHeaders() as Record<string, string>), 'content-length': body.length });
    const piece = Math.max(1, Math.floor(fault.bytesPerSecond / 10));
    for (let at = 0; at < body.length && !raw.destroyed; at += piece) {
      raw.write(body.subarray(at, at + piece));
      await sleep(100);
    }
    raw.end();
    return;
  }
  return reply.send(body);
}

/**
 * A stand-in for the provincial platform: serves a bundle directory as a static server or CDN would (strong ETags,
 * 304 on If-None-Match, immutable caching for hash-named files), receives 数据归集 uploads with idempotency keys,
 * and injects the faults a real network and a real publisher produce.
 */
export async function startPlatform(options: PlatformOptions = {}): Promise<ProvincialPlatform> {
  const ownDir = options.bundleDir === undefined;
  const bundleDir = options.bundleDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-platform-'));
  fs.mkdirSync(bundleDir, { recursive: true });
  const faults = new FaultBoard();
  // Files are read (and hashed for the ETag) once per version of the file, as a static server caches them: a test
  // running the sidecar in this same process must not see the simulator's hashing of 100 MB as its own stall.
  const cache = new Map<string, { mtimeMs: number; size: number; body: Buffer; etag: string }>();
  const cached = (file: string) => {
    const stat = fs.statSync(file);
    let entry = cache.get(file);
    if (!entry || entry.mtimeMs !== stat.mtimeMs || entry.size !== stat.size) {
      const body = fs.readFileSync(file);
      entry = { mtimeMs: stat.mtimeMs, size: stat.size, body, etag: etagOf(body) };
      cache.set(file, entry);
    }
    return entry;
  };
  const readCached = (file: string) => cached(file).body;
  const inbox = new UploadInbox();
  const requests: RequestRecord[] = [];
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 });

  const record = (request: FastifyRequest, target: RequestTarget, status: number, fault: Fault | undefined) => {
    const inm = request.headers['if-none-match'];
    requests.push({
      at: new Date().toISOString(),
      method: request.method,
      path: request.url,
      target,
      status,
      if_none_match: typeof inm === 'string' ? inm : null,
      fault: fault?.kind ?? null,
    });
  };

  const serveFile = async (request: FastifyRequest<{ Params: { name: string } }>, reply: FastifyReply) => {
    const { name } = request.params;
    const target = targetOf(name);
    const fault = faults.take(target);
    if (fault?.kind === 'reset') {
      record(request, target, 0, fault);
      request.raw.socket.destroy();
      return reply.hijack();
    }
    if (fault?.kind === 'slow' && fault.delayMs) await sleep(fault.delayMs);
    if (fault?.kind === 'status') {
      record(request, target, fault.status ?? 503, fault);
      return reply.code(fault.status ?? 503).send({ error: 'injected fault' });
    }
    const file = path.join(bundleDir, name);
    if (!FILE_NAME.test(name) || !fs.existsSync(file)) {
      record(request, target, 404, fault);
      return reply.code(404).send({ error: `no ${name}` });
    }
    let body: Buffer = readCached(file);
    if (fault?.kind === 'bad_signature' && target === 'manifest') body = corruptSignature(body);
    if (fault?.kind === 'wrong_hash' && target !== 'manifest') body = corruptByte(body);
    const etag = body === readCached(file) ? cached(file).etag : etagOf(body);
    reply
      .header('etag', etag)
      .header('last-modified', fs.statSync(file).mtime.toUTCString())
      .header('cache-control', target === 'manifest' ? 'no-cache' : 'public, max-age=31536000, immutable')
      .type(name.endsWith('.json') ? 'application/json' : 'application/x-ndjson');
    if (noneMatch(request.headers['if-none-match'], etag)) {
      record(request, target, 304, fault);
      return reply.code(304).send();
    }
    record(request, target, 200, fault);
    return sendBody(request, reply, body, fault);
  };
  app.get('/bundles/:name', serveFile);

  const collect = async (request: FastifyRequest, reply: FastifyReply) => {
    const fault = faults.take('collect');
    if (fault?.kind === 'slow' && fault.delayMs) await sleep(fault.delayMs);
    if (fault?.kind === 'reset') {
      record(request, 'collect', 0, fault);
      request.raw.socket.destroy();
      return reply.hijack();
    }
    if (fault?.kind === 'status') {
      record(request, 'collect', fault.status ?? 503, fault);
      return reply.code(fault.status ?? 503).send({ error: 'injected fault' });
    }
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string' || key.trim() === '') {
      record(request, 'collect', 400, fault);
      return reply.code(400).send({ error: 'Idempotency-Key header is required' });
    }
    if (typeof request.body !== 'object' || request.body === null) {
      record(request, 'collect', 400, fault);
      return reply.code(400).send({ error: 'body must be a JSON object' });
    }
    const fresh = inbox.accept(key, request.url, request.body);
    record(request, 'collect', 200, fault);
    return { accepted: true, duplicate: !fresh, key };
  };
  app.post('/collect', collect);
  app.post('/collect/*', collect);

  // Control endpoints for demos (tests use the returned object directly).
  app.get('/_sim/state', async () => {
    let published: unknown = null;
    try {
      const m = readManifestUnverified(fs.readFileSync(path.join(bundleDir, MANIFEST_FILE)));
      published = { version: m.version, created_at: m.created_at, delta_from: m.delta?.from_version ?? null };
    } catch {
      // Nothing published yet.
    }
    return {
      bundle_dir: bundleDir,
      published,
      faults: faults.list(),
      uploads: inbox.list().length,
      requests: requests.length,
    };
  });
  app.post('/_sim/faults', async (request, reply) => {
    try {
      faults.add(parseFault(request.body));
      return { faults: faults.list() };
    } catch (error) {
      return reply.code(400).send({ error: (error as Error).message });
    }
  });
  app.delete('/_sim/faults', async () => {
    faults.clear();
    return { faults: [] };
  });
  app.get('/_sim/uploads', async () => ({ uploads: inbox.list() }));
  app.get('/_sim/requests', async () => ({ requests }));
  app.post<{ Body: { dir?: unknown } }>('/_sim/publish', async (request, reply) => {
    const dir = request.body?.dir;
    if (typeof dir !== 'string') return reply.code(400).send({ error: 'dir: the bundle directory to publish' });
    try {
      publish(dir);
      return { published: dir };
    } catch (error) {
      return reply.code(400).send({ error: (error as Error).message });
    }
  });

  function publish(sourceDir: string): void {
    const manifestFile = path.join(sourceDir, MANIFEST_FILE);
    const manifest = readManifestUnverified(fs.readFileSync(manifestFile), manifestFile);
    for (const name of [manifest.library.file, manifest.delta?.file].filter(Boolean) as string[]) {
      fs.copyFileSync(path.join(sourceDir, name), path.join(bundleDir, name));
    }
    const temp = path.join(bundleDir, `${MANIFEST_FILE}.tmp`);
    fs.copyFileSync(manifestFile, temp);
    fs.renameSync(temp, path.join(bundleDir, MANIFEST_FILE));
    for (const name of fs.readdirSync(bundleDir)) cached(path.join(bundleDir, name));
  }

  await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host ?? '127.0.0.1';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    app,
    url,
    bundleUrl: `${url}/bundles/`,
    collectUrl: `${url}/collect`,
    bundleDir,
    faults,
    inbox,
    requests,
    publish,
    inject: (fault) => faults.add(fault),
    clearFaults: () => faults.clear(),
    uploads: () => inbox.list(),
    close: async () => {
      await app.close();
      if (ownDir) fs.rmSync(bundleDir, { recursive: true, force: true });
    },
  };
}
