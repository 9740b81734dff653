import { onWorker } from './analysis-thread-status';
import { testServer } from './test-server';
import { trackedServers } from './tracked-servers';

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
  const servers = trackedServers<StartedServer>();
  return {
    async start(analysisThread, dataDir) {
      const server = servers.track(await testServer({ analysisThread, ...(dataDir ? { dataDir } : {}) }));
      await server.listen();
      if (analysisThread) await onWorker(server);
      return server;
    },
    stop: servers.stop,
  };
}
