import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discardCapBytes } from '../src/national/oversized-body';
import type { SidecarServer } from '../src/server';
import { analysisEnvelope } from './fixtures/his-requests';
import { callOverHttp, type NationalReply, testServer } from './helpers/test-server';

// A body over the limit, sent as a HIS sends a long stay's 3102: no `Expect: 100-continue`, written while the
// sidecar may already be answering. Small chunks with pauses keep the client writing after the refusal every time,
// which is what made about half of such calls end in EPIPE instead of the envelope (review-scale finding 1).
const LIMIT = 100_000;
const CHUNK = 8 * 1024;
const PAUSE_MS = 2;

let server: SidecarServer;
let port: number;

beforeAll(async () => {
  server = await testServer({ bodyLimitBytes: LIMIT });
  const listening = await server.listen();
  port = listening.port;
});
afterAll(async () => {
  await server.close();
});

/** A real 3102 envelope padded to `bytes`: the stay's lines are what makes such bodies large. */
function bigEnvelope(bytes: number): Buffer {
  const envelope = analysisEnvelope({ encounterId: 'ZY-BIG-1', infno: '3102' }) as Record<string, unknown>;
  const head = JSON.stringify({ ...envelope, padding: '' });
  const padding = 'x'.repeat(bytes - Buffer.byteLength(head));
  return Buffer.from(JSON.stringify({ ...envelope, padding }));
}

interface Outcome {
  status?: number;
  reply?: NationalReply;
  connection?: string;
  /** The first error on the request, even after the answer came: a HIS that writes its whole body first sees it. */
  error?: string;
  /** The whole body went out (Java's HttpURLConnection, .NET and others write it all before reading the answer). */
  bodySent: boolean;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Posts `body` in small chunks with pauses, with a declared length or chunked; waits for the writes and the answer. */
async function postSlowly(path: string, body: Buffer, declared: boolean): Promise<Outcome> {
  const headers: Record<string, string | number> = { 'content-type': 'application/json' };
  if (declared) headers['content-length'] = body.length;
  const outcome: Outcome = { bodySent: false };
  // Kept alive as a HIS's client keeps it: whether the sidecar closes the connection is its own choice.
  const agent = new http.Agent({ keepAlive: true });
  const request = http.request({ host: '127.0.0.1', port, method: 'POST', path, headers, agent });
  const failed = new Promise<void>((resolve) => {
    request.on('error', (error: NodeJS.ErrnoException) => {
      outcome.error ??= error.code ?? error.message;
      resolve();
    });
  });
  const answered = new Promise<void>((resolve) => {
    request.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        outcome.status = res.statusCode;
        outcome.reply = JSON.parse(Buffer.concat(chunks).toString('utf8')) as NationalReply;
        outcome.connection = res.headers.connection;
        resolve();
      });
    });
  });
  const sent = new Promise<void>((resolve) => request.on('finish', resolve));
  // Closed under a body not yet sent whole: node's client then drops the rest of the writes without an error.
  const closed = new Promise<void>((resolve) => request.on('close', resolve));
  for (let at = 0; at < body.length && !request.destroyed; at += CHUNK) {
    const chunk = body.subarray(at, at + CHUNK);
    if (at + CHUNK >= body.length) request.end(chunk);
    else request.write(chunk);
    await pause(PAUSE_MS);
  }
  await Promise.race([sent.then(() => Promise.race([answered, failed])), failed, closed]);
  // A reset after the answer still shows as an error on the request: give it the moment it takes to arrive.
  await pause(20);
  outcome.bodySent = request.writableFinished;
  agent.destroy();
  return outcome;
}

function expectRefusal(outcome: Outcome, status = 200): void {
  expect(outcome.error).toBeUndefined();
  expect(outcome.bodySent).toBe(true);
  expect(outcome.status).toBe(status);
  expect(outcome.reply?.infcode).toBe(-1);
}

describe('a body over bodyLimitBytes', () => {
  const body = bigEnvelope(3 * LIMIT);

  it('is answered with the infcode -1 envelope naming the setting, never a broken connection', async () => {
    for (let i = 0; i < 5; i++) {
      const outcome = await postSlowly('/fsi/api/rsfComIfsService/callService', body, true);
      expectRefusal(outcome);
      expect(outcome.reply?.err_msg).toBe(
        `请求体超过 ${LIMIT} 字节上限（可在 prealert.config.json 的 bodyLimitBytes 调整）`,
      );
      // Read to its end, the connection may carry the HIS's next call.
      expect(outcome.connection).not.toBe('close');
    }
  });

  it('sent chunked (no Content-Length), is answered the same', async () => {
    for (let i = 0; i < 3; i++) {
      const outcome = await postSlowly('/fsi/api/rsfComIfsService/callService', body, false);
      expectRefusal(outcome);
      expect(outcome.reply?.err_msg).toMatch(/bodyLimitBytes/);
    }
  });

  it('on the shim route, the infno-in-path route and a mistyped path, is answered the same', async () => {
    expectRefusal(await postSlowly('/v1/yb/3102', body, true));
    expectRefusal(await postSlowly('/fsi/api/rsfComIfsService/callService3102', body, true));
    // A wrong path still gets its national 404 envelope, not a reset.
    const mistyped = await postSlowly('/fsi/api/rsfComIfsService/callservice', body, true);
    expectRefusal(mistyped, 404);
    expect(mistyped.reply?.err_msg).toMatch(/callservice/);
  });

  it('far beyond the cap, is not read to its end: the connection is closed while the client still sends', async () => {
    const total = discardCapBytes(LIMIT) * 3;
    const written = await new Promise<number>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      let sent = 0;
      let open = true;
      const stop = () => {
        if (!open) return;
        open = false;
        socket.destroy();
        resolve(sent);
      };
      socket.on('error', stop);
      socket.on('close', stop);
      socket.on('connect', async () => {
        socket.write(
          'POST /fsi/api/rsfComIfsService/callService HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
            `Content-Type: application/json\r\nContent-Length: ${total}\r\n\r\n`,
        );
        const piece = Buffer.alloc(64 * 1024, 0x20);
        while (open && sent < total) {
          socket.write(piece);
          sent += piece.length;
          await pause(PAUSE_MS);
        }
        // Everything went: the server read it all, which the cap is there to prevent.
        stop();
      });
    });
    expect(written).toBeLessThan(total);
    // And the sidecar goes on answering.
    const after = await callOverHttp(server, analysisEnvelope({ encounterId: 'MZ-AFTER-BIG' }));
    expect(after.body.infcode).toBe(0);
  });
});

// More than the loopback socket buffers hold (a few MB), as the reviewer's 4.4 MB 3102: a server that stops reading
// leaves the client blocked in its write until the reset, every time.
describe('a body of several MB over bodyLimitBytes', () => {
  const BIG_LIMIT = 1024 * 1024;
  const RAW_CHUNK = 64 * 1024;
  const body = bigEnvelope(4 * BIG_LIMIT);
  let big: SidecarServer;
  let bigPort: number;
  beforeAll(async () => {
    big = await testServer({ bodyLimitBytes: BIG_LIMIT });
    bigPort = (await big.listen()).port;
  });
  afterAll(async () => {
    await big.close();
  });

  it('written whole before the answer is read (as Java and .NET clients do) over a raw socket: no EPIPE', async () => {
    for (let i = 0; i < 3; i++) {
      const { error, text } = await new Promise<{ error?: string; text: string }>((resolve) => {
        const socket = net.connect(bigPort, '127.0.0.1');
        const received: Buffer[] = [];
        let error: string | undefined;
        socket.on('data', (chunk: Buffer) => received.push(chunk));
        socket.on('error', (e: NodeJS.ErrnoException) => {
          error ??= e.code ?? e.message;
        });
        socket.on('close', () => resolve({ error, text: Buffer.concat(received).toString('utf8') }));
        socket.on('connect', async () => {
          socket.write(
            'POST /fsi/api/rsfComIfsService/callService HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n' +
              `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
          );
          for (let at = 0; at < body.length && !socket.destroyed; at += RAW_CHUNK) {
            socket.write(body.subarray(at, at + RAW_CHUNK));
            await pause(PAUSE_MS);
          }
          if (!socket.destroyed) socket.end();
        });
      });
      expect(error).toBeUndefined();
      expect(text).toMatch(/^HTTP\/1\.1 200 /);
      const reply = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as NationalReply;
      expect(reply.infcode).toBe(-1);
      expect(reply.err_msg).toMatch(/bodyLimitBytes/);
    }
  });
});
