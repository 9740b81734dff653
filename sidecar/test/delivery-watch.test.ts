// watchDelivery on real loopback sockets: which answers count as delivered. node:http emits 'finish' even for an
// answer cut off by the client halfway, so these are the cases a wrong signal gets wrong.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { watchDelivery, watchWrittenDelivery } from '../src/national/delivery-watch';
import { until } from './helpers/until';

let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** watchDelivery before the answer is written (the fastify route), watchWrittenDelivery after it (the direct lane). */
type Watch = 'before' | 'after';

/** A server that answers every request after `delayMs` with `size` bytes, noting each answer's delivery. */
async function answering(delayMs: number, size: number, watch: Watch) {
  const outcomes: { url: string; delivered: boolean }[] = [];
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      setTimeout(() => {
        let delivered = true;
        const undelivered = () => {
          delivered = false;
        };
        if (watch === 'before') watchDelivery(res, undelivered);
        const note = () => setImmediate(() => outcomes.push({ url: req.url ?? '', delivered }));
        // A response whose client had gone has closed already.
        if (res.destroyed) note();
        else res.once('close', note);
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': size });
        res.end(Buffer.alloc(size, 'a'));
        if (watch === 'after') watchWrittenDelivery(res, undelivered);
      }, delayMs),
    );
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, outcomes };
}

const raw = (path: string) => `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx`;

describe.each<Watch>(['before', 'after'])('watching delivery %s the answer is written', (watch) => {
  it('an answer ready after the client closed is undelivered', async () => {
    const { port, outcomes } = await answering(200, 10, watch);
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write(raw('/gone'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    await until(() => outcomes.length === 1);
    expect(outcomes).toEqual([{ url: '/gone', delivered: false }]);
  });

  it('an answer the client cuts off halfway is undelivered, though node:http emits finish for it', async () => {
    // Far more than loopback's socket buffers hold: the write is still going when the client, reading nothing, leaves.
    const { port, outcomes } = await answering(0, 64 * 1024 * 1024, watch);
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    socket.pause();
    socket.write(raw('/cut'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    socket.destroy();
    await until(() => outcomes.length === 1);
    expect(outcomes).toEqual([{ url: '/cut', delivered: false }]);
  });

  it('answers read whole on one keep-alive connection, which then closes, are delivered', async () => {
    const { port, outcomes } = await answering(0, 1000, watch);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (const path of ['/ka1', '/ka2']) {
      await new Promise<void>((resolve, reject) => {
        const request = http.request({ host: '127.0.0.1', port, method: 'POST', path, agent }, (res) => {
          res.resume();
          res.on('end', resolve);
        });
        request.on('error', reject);
        request.end('x');
      });
    }
    agent.destroy();
    await until(() => outcomes.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(outcomes).toEqual([
      { url: '/ka1', delivered: true },
      { url: '/ka2', delivered: true },
    ]);
  });
});
