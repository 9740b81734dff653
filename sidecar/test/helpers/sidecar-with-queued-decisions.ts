import fs from 'node:fs';
import { afterEach, expect } from 'vitest';
import type { SidecarServer } from '../../src/server';
import { analysisEnvelope, feedbackEnvelope } from '../fixtures/his-requests';
import { capturingLogger } from './capturing-logger';
import { type PlatformReceiver, startPlatformReceiver } from './platform-receiver';
import { callOverHttp, tempDataDir, testServer } from './test-server';

export interface LoggedSidecar {
  server: SidecarServer & { dataDir: string };
  /** Every log line the sidecar wrote, info and above. */
  lines: Record<string, unknown>[];
  /** The loopback base URL. */
  base: string;
}

/**
 * A real sidecar on the records in `dir`, listening on loopback, its outbox forwarding to the stand-in at `url` with
 * quick retries (50–200 ms), so a test waiting for a delivery or a set-aside does not wait out the production
 * backoff. Its log lines are captured; `adminToken` opens the admin routes.
 */
export async function loggedSidecarOn(dir: string, url: string, adminToken?: string): Promise<LoggedSidecar> {
  const { logger, lines } = capturingLogger();
  const server = await testServer(
    {
      dataDir: dir,
      ...(adminToken === undefined ? {} : { adminToken }),
      platform: { url, retryMinMs: 50, retryMaxMs: 200 },
    },
    { logger },
  );
  const listening = await server.listen();
  return { server, lines, base: listening.url };
}

export interface QueuedDecisions {
  encounterId: string;
  taskId?: string;
  /** The 3103 reason given on each reminder. */
  reason: string;
  adminToken?: string;
  /** A pause after each decision, so that each is queued strictly after the one before. Default none. */
  apartMs?: number;
}

/**
 * With the platform stand-in down, as on a workstation whose platform was unreachable: a sidecar on `dir` answers a
 * 3101 whose two reminders (real national items) it then gets a 3103 on each, queued in the outbox, in order; closed
 * after. Returns the two jr_ids in the order decided.
 */
export async function decisionsQueuedWhileDown(
  dir: string,
  platform: PlatformReceiver,
  queued: QueuedDecisions,
): Promise<[string, string]> {
  await platform.down();
  const first = await loggedSidecarOn(dir, platform.url, queued.adminToken);
  try {
    const envelope = analysisEnvelope({
      encounterId: queued.encounterId,
      ...(queued.taskId === undefined ? {} : { taskId: queued.taskId }),
    });
    const answer = await callOverHttp(first.server, envelope);
    expect(answer.body.infcode, answer.body.err_msg).toBe(0);
    const results = answer.body.output.result!;
    expect(results).toHaveLength(2);
    const jrIds: [string, string] = [results[0]!.jr_id, results[1]!.jr_id];
    for (const jrId of jrIds) {
      const fb = await callOverHttp(first.server, feedbackEnvelope([{ jrId, way: '1', reason: queued.reason }]));
      expect(fb.body.infcode, fb.body.err_msg).toBe(0);
      if (queued.apartMs !== undefined) await new Promise((resolve) => setTimeout(resolve, queued.apartMs));
    }
    return jrIds;
  } finally {
    await first.server.close();
  }
}

export interface MadeForEachTest {
  /** A fresh data dir, removed after the test. */
  dataDir(): string;
  /** A platform stand-in on loopback, closed after the test. */
  platform(): Promise<PlatformReceiver>;
}

/**
 * Call at a test file's top level: registers the afterEach that closes the stand-ins and removes the data dirs made
 * through it during each test, whether the test passed or not.
 */
export function madeForEachTest(): MadeForEachTest {
  let dirs: string[] = [];
  let platforms: PlatformReceiver[] = [];
  afterEach(async () => {
    const closing = platforms;
    const removing = dirs;
    platforms = [];
    dirs = [];
    for (const platform of closing) await platform.close();
    for (const dir of removing) fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    dataDir() {
      const dir = tempDataDir();
      dirs.push(dir);
      return dir;
    },
    async platform() {
      const platform = await startPlatformReceiver();
      platforms.push(platform);
      return platform;
    },
  };
}
