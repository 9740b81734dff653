import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { type DemoServer, startDemoServer } from '../../examples/web-his/demo-server.mjs';
import { type RunningSidecar, startSidecar } from '../../examples/web-his/sidecar-process.mjs';
import { launchChromium } from './chromium';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');

export interface DemoStack {
  demo: DemoServer;
  sidecar: RunningSidecar;
  context: BrowserContext;
  /** Closes the browser, the sidecar (thawed first if a test froze it) and the demo, and removes their files. */
  stop(): Promise<void>;
}

/**
 * What the browser tests run against: the demo doctor station on a free port, the built sidecar on another with a
 * fresh data dir and the station's origin allowed, and Debian's Chromium with a new profile (in `timezoneId` when
 * given, else this machine's zone).
 */
export async function startDemoStack(
  name: string,
  /** env: the sidecar's own settings (PREALERT_UPSTREAM_URL …). */
  options: { timezoneId?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<DemoStack> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `prealert-${name}-`));
  const demo = await startDemoServer({ port: 0 });
  const sidecar = await startSidecar({
    cli: path.join(repoRoot, 'sidecar/dist/cli.js'),
    port: '0',
    dataDir,
    corsOrigins: [demo.url],
    env: options.env,
  });
  demo.setSidecarUrl(sidecar.url);
  const { context, profileDir } = await launchChromium({ timezoneId: options.timezoneId });
  return {
    demo,
    sidecar,
    context,
    async stop() {
      await context.close();
      if (sidecar.child.exitCode === null) sidecar.child.kill('SIGCONT');
      await sidecar.stop();
      await demo.close();
      for (const dir of [profileDir, dataDir]) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
