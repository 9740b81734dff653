import { afterEach } from 'vitest';

export interface Closable {
  close(): Promise<void>;
}

export interface TrackedServers<S extends Closable> {
  /** Has `server` closed after its test, whether it passed or not; returns it, as typed. */
  track<T extends S>(server: T): T;
  /** Closes `server` before its test ends (a restart on its data dir); it is then no longer tracked. */
  stop(server: S): Promise<void>;
  /** Closes every tracked server now (a test that must let go of what they hold before it ends). */
  closeAll(): Promise<void>;
}

/**
 * Call at a test file's top level. The servers it tracks are closed after each test, each then handed to
 * `afterClose` (to remove its data dir, say); one a test stops itself is not, as a restart reuses what it left.
 */
export function trackedServers<S extends Closable>(afterClose?: (server: S) => void): TrackedServers<S> {
  const servers: S[] = [];
  async function closeAll(): Promise<void> {
    // Every one is closed, and handed on, even when one before it fails to close; the first failure is then thrown.
    let failure: unknown;
    for (const server of servers.splice(0)) {
      try {
        await server.close();
      } catch (error) {
        failure ??= error;
      } finally {
        afterClose?.(server);
      }
    }
    if (failure !== undefined) throw failure;
  }
  afterEach(closeAll);
  return {
    track(server) {
      servers.push(server);
      return server;
    },
    async stop(server) {
      await server.close();
      // One not tracked (never, or stopped already) stays so: splice(-1) would untrack the last one, never closed then.
      const index = servers.indexOf(server);
      if (index >= 0) servers.splice(index, 1);
    },
    closeAll,
  };
}
