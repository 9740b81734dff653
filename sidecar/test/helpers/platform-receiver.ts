import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a 数据归集 platform received: the Idempotency-Key header and the JSON body. */
export interface PlatformDelivery {
  key: string;
  body: { id: string; kind: string; payload: Record<string, unknown> };
}

export interface PlatformReceiver {
  /** The /collect URL to configure as `platform.url`. */
  readonly url: string;
  readonly deliveries: PlatformDelivery[];
  /** Answers the next this-many requests 503 (the platform down for a moment). */
  failNext: number;
  close(): Promise<void>;
}

/** A 数据归集 receiver on loopback that keeps what arrives. */
export async function startPlatformReceiver(): Promise<PlatformReceiver> {
  const deliveries: PlatformDelivery[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (receiver.failNext > 0) {
        receiver.failNext--;
        res.statusCode = 503;
        res.end();
        return;
      }
      const key = String(req.headers['idempotency-key']);
      deliveries.push({ key, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as PlatformDelivery['body'] });
      res.statusCode = 202;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const receiver: PlatformReceiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/collect`,
    deliveries,
    failNext: 0,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return receiver;
}
