import type { SidecarServer } from '../../src/server';
import { type PlatformReceiver, startPlatformReceiver } from './platform-receiver';
import { type ConfigPatch, testServer } from './test-server';

export interface SidecarWithPlatform {
  server: SidecarServer & { dataDir: string };
  platform: PlatformReceiver;
  /** Closes the sidecar, then the stand-in (the forwarder may still be sending to it). */
  close(): Promise<void>;
}

/**
 * A real sidecar listening on loopback whose outbox forwards to a 数据归集 stand-in, also on loopback. Retries are
 * quick (50–200 ms) so a test waiting for a delivery does not wait out the production backoff. `patch` sets the rest
 * of the sidecar's configuration (a gateway, the records' retention) as testServer's does.
 */
export async function sidecarWithPlatform(patch: Omit<ConfigPatch, 'platform'> = {}): Promise<SidecarWithPlatform> {
  const platform = await startPlatformReceiver();
  const server = await testServer({ ...patch, platform: { url: platform.url, retryMinMs: 50, retryMaxMs: 200 } }).catch(
    async (error: unknown) => {
      await platform.close();
      throw error;
    },
  );
  const pair: SidecarWithPlatform = {
    server,
    platform,
    async close() {
      await server.close();
      await platform.close();
    },
  };
  // Whatever started is closed when the listen fails: a beforeAll that throws gets no afterAll to do it.
  await server.listen().catch(async (error: unknown) => {
    await pair.close();
    throw error;
  });
  return pair;
}
