import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeGateway {
  /** Its base URL, without a trailing slash. */
  url: string;
  /** Drops every connection (answers held open included) and stops listening. */
  close(): Promise<void>;
}

/**
 * A stand-in provincial gateway on loopback: each request's body is read whole, parsed as JSON and handed to
 * `answer`, which writes the response (or keeps it, to play a gateway that hangs).
 */
export async function startFakeGateway<Body>(
  answer: (body: Body, res: http.ServerResponse, req: http.IncomingMessage) => void,
): Promise<FakeGateway> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => answer(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Body, res, req));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
