import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { until } from './until';

/** What a 数据归集 platform received: the Idempotency-Key header and the JSON body. */
export interface PlatformDelivery {
  key: string;
  body: { id: string; kind: string; payload: Record<string, unknown> };
}

export interface PlatformReceiver {
  /** The /collect URL to configure as `platform.url`. */
  readonly url: string;
  readonly deliveries: PlatformDelivery[];
  /** Requests that reached the receiver, whatever it answered (or did not). */
  requests: number;
  /** Answers the next this-many requests 503 (the platform down for a moment). */
  failNext: number;
  /** While set, requests are read and never answered (a platform that hangs). */
  hang: boolean;
  /** An HTTP status to refuse one entry with (by its Idempotency-Key); undefined takes it. */
  refuse: (key: string) => number | undefined;
  /** Stops listening: connections to the port are refused until up(). */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

/** A 数据归集 receiver on loopback that keeps what arrives. */
export async function startPlatformReceiver(): Promise<PlatformReceiver> {
  const deliveries: PlatformDelivery[] = [];
  const server = http.createServer((req, res) => {
    receiver.requests++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (receiver.hang) return;
      if (receiver.failNext > 0) {
        receiver.failNext--;
        res.statusCode = 503;
        res.end();
        return;
      }
      const key = String(req.headers['idempotency-key']);
      const refusal = receiver.refuse(key);
      if (refusal !== undefined) {
        res.statusCode = refusal;
        res.end();
        return;
      }
      deliveries.push({ key, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as PlatformDelivery['body'] });
      res.statusCode = 202;
      res.end();
    });
  });
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const stop = async () => {
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeAllConnections();
    await closed;
  };
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  const receiver: PlatformReceiver = {
    url: `http://127.0.0.1:${port}/collect`,
    deliveries,
    requests: 0,
    failNext: 0,
    hang: false,
    refuse: () => undefined,
    down: stop,
    up: () => listen(port),
    close: async () => {
      if (server.listening) await stop();
    },
  };
  return receiver;
}

/** The disposition entry `receiver` was sent for this jr_id (its warn_rslt_id), once it arrives. */
export async function deliveredDisposition(receiver: PlatformReceiver, jrId: string): Promise<Record<string, unknown>> {
  const find = () =>
    receiver.deliveries.find((d) => d.body.kind === 'disposition' && d.body.payload.warn_rslt_id === jrId);
  await until(() => find() !== undefined);
  return find()!.body.payload;
}
