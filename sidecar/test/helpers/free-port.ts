import net from 'node:net';

/** A loopback port free a moment ago: nothing listens there until the test starts something on it. */
export async function freeLoopbackPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', resolve);
  });
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export interface RefusingPort {
  readonly port: number;
  release(): Promise<void>;
}

/**
 * A loopback port where nothing listens, held so that nothing can start listening there until release(): the local
 * end of a connection this process keeps open to a server of its own. Connecting to it on 127.0.0.1 is refused
 * (ECONNREFUSED); another process's listen on it at 127.0.0.1, 0.0.0.0, :: or localhost fails (EADDRINUSE) where a
 * port freed a moment ago could be taken by anyone. A listen on ::1 alone still succeeds (another address): probe it
 * at 127.0.0.1, as the tests do.
 */
export async function refusingLoopbackPort(): Promise<RefusingPort> {
  const accepted: net.Socket[] = [];
  const peer = net.createServer((connection) => accepted.push(connection));
  await new Promise<void>((resolve, reject) => {
    peer.once('error', reject);
    peer.listen(0, '127.0.0.1', resolve);
  });
  const holder = net.connect((peer.address() as net.AddressInfo).port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    holder.once('error', reject);
    holder.once('connect', resolve);
  });
  const port = holder.localPort;
  if (port === undefined) throw new Error('the holding connection has no local port');
  return {
    port,
    async release() {
      holder.destroy();
      // close() waits for the accepted end as well, which would otherwise stay open.
      for (const connection of accepted) connection.destroy();
      await new Promise((resolve) => peer.close(resolve));
    },
  };
}
