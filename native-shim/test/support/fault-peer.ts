import http from 'node:http';
import net from 'node:net';

/**
 * Fault injectors: small loopback servers that misbehave the ways a sidecar can (hang, answer late,
 * answer garbage, ignore the capacity). The real sidecar covers every normal path.
 */
export interface Peer {
  port: number;
  /** What the peer received, one entry per request. */
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

export interface ReceivedRequest {
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

function tracked(server: net.Server): () => Promise<void> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
}

/** Accepts connections, reads the request, never answers. */
export async function silentPeer(): Promise<Peer> {
  const requests: ReceivedRequest[] = [];
  const server = net.createServer((socket) => {
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
  });
  const close = tracked(server);
  return { port: await listen(server), requests, close };
}

export type Responder = (request: ReceivedRequest, response: http.ServerResponse) => void;

/** An HTTP server that keeps every request it reads and lets `respond` answer it. */
function recordingServer(respond: Responder): { server: http.Server; requests: ReceivedRequest[] } {
  const requests: ReceivedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const received = { url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      requests.push(received);
      respond(received, res);
    });
  });
  return { server, requests };
}

/** An HTTP peer whose answer the test decides (late, wrong status, oversized …). */
export async function httpPeer(respond: Responder): Promise<Peer> {
  const { server, requests } = recordingServer(respond);
  const close = tracked(server);
  return { port: await listen(server), requests, close };
}

/**
 * An HTTP peer on a fixed port (the shim's fallback port 17311, standing for another user's sidecar), or undefined
 * when that port is taken: the caller then says what it could not check.
 */
export async function httpPeerOn(port: number, respond: Responder): Promise<Peer | undefined> {
  const { server, requests } = recordingServer(respond);
  const close = tracked(server);
  const bound = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  return bound ? { port, requests, close } : undefined;
}

/** Writes fixed bytes once the request has arrived, then closes: for answers no HTTP server would send. */
export async function rawPeer(answer: Buffer | string): Promise<Peer> {
  const requests: ReceivedRequest[] = [];
  const server = net.createServer((socket) => {
    let received = Buffer.alloc(0);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const headerEnd = received.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const length = Number(/content-length:\s*(\d+)/i.exec(received.subarray(0, headerEnd).toString())?.[1] ?? 0);
      if (received.length < headerEnd + 4 + length) return;
      socket.end(answer);
    });
  });
  const close = tracked(server);
  return { port: await listen(server), requests, close };
}

/** A national-looking answer for peers that should be accepted. */
export const OK_ENVELOPE = '{"infcode":0,"err_msg":"","output":{"result":[]}}';
