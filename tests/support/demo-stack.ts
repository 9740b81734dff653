import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { type DemoServer, startDemoServer } from '../../examples/web-his/demo-server.mjs';
import { type RunningSidecar, startSidecar } from '../../examples/web-his/sidecar-process.mjs';
import { launchChromium } from './chromium';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');

export interface DemoStack {
  demo: DemoServer;
  sidecar: RunningSidecar;
  context: BrowserContext;
  /** Stops the sidecar (SIGTERM), as an update or a crash would; `startSidecarAgain` brings it back. */
  stopSidecar(): Promise<void>;
  /** Starts the sidecar again on the same port and data dir (`sidecar` is then the new process). */
  startSidecarAgain(): Promise<RunningSidecar>;
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
  const start = (port: string) =>
    startSidecar({
      cli: path.join(repoRoot, 'sidecar/dist/cli.js'),
      port,
      dataDir,
      corsOrigins: [demo.url],
      env: options.env,
    });
  const sidecar = await start('0');
  demo.setSidecarUrl(sidecar.url);
  const { context, profileDir } = await launchChromium({ timezoneId: options.timezoneId });
  const stack: DemoStack = {
    demo,
    sidecar,
    context,
    async stopSidecar() {
      await stack.sidecar.stop();
    },
    async startSidecarAgain() {
      stack.sidecar = await start(new URL(sidecar.url).port);
      return stack.sidecar;
    },
    async stop() {
      await context.close();
      if (stack.sidecar.child.exitCode === null) stack.sidecar.child.kill('SIGCONT');
      await stack.sidecar.stop();
      await demo.close();
      for (const dir of [profileDir, dataDir]) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return stack;
}

/**
 * Opens the demo doctor station at `demoUrl` in `page` and waits until the cursor is in the entry field: the station
 * reads its configuration before it focuses the field, so typing or filling before that would be lost.
 */
export async function openStation(page: Page, demoUrl: string, timeoutMs = 10_000): Promise<void> {
  await page.goto(`${demoUrl}/`);
  await page.waitForFunction(() => document.activeElement?.id === 'entry-item', undefined, { timeout: timeoutMs });
}
