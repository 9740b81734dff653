import { afterEach } from 'vitest';
import { onWorker } from './analysis-thread-status';
import { testServer } from './test-server';

export type StartedServer = Awaited<ReturnType<typeof testServer>>;

export interface StartedServers {
  start(analysisThread: boolean, dataDir?: string): Promise<StartedServer>;
  /** Closes `server` before its test ends (a restart on its data dir). */
  stop(server: StartedServer): Promise<void>;
}

/**
 * Call at a test file's top level. Its `start` starts real sidecars listening on loopback (in a fresh data dir, or
 * on `dataDir` for a restart), answering on the analysis thread when `analysisThread` (ready once that thread holds
 * the library) or on the request thread only; each is closed after its test, whether it passed or not.
 */
export function startedServers(): StartedServers {
  const servers: StartedServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });
  return {
    async start(analysisThread, dataDir) {
      const server = await testServer({ analysisThread, ...(dataDir ? { dataDir } : {}) });
      servers.push(server);
      await server.listen();
      if (analysisThread) await onWorker(server);
      return server;
    },
    async stop(server) {
      await server.close();
      // One this helper did not start is not tracked: splice(-1) would untrack the last one, never closed then.
      const index = servers.indexOf(server);
      if (index >= 0) servers.splice(index, 1);
    },
  };
}
