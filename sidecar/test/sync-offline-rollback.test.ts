/**
 * `prealert rollback` while the sidecar is stopped (the built CLI, as IT runs it): the next start says so in the log
 * as an online rollback is logged, and in sync status, once. Real bundles from the NHSA files, the provincial
 * platform simulator on loopback, a real data directory.
 */
import { spawnSync } from 'node:child_process';
import type { WrittenBundle } from '@prealert/rules-cache';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { bundlesOnPlatform } from './helpers/bundles-on-platform';
import { freeLoopbackPort } from './helpers/free-port';
import { assertBuilt, CLI } from './helpers/spawn-sidecar';
import { pullInTurn, Workstations } from './sync-support';

const A = 'prov-a';
const B = 'prov-b';

const workstations = new Workstations();
const scene = bundlesOnPlatform(
  [
    { name: 'a', version: A },
    { name: 'b', version: B, revision: true },
  ],
  workstations,
);

type LogLine = Record<string, unknown> & { level: number; msg: string };

/** A start of the workstation's sync, as the sidecar's, with what it logs kept. */
async function start(dataDir: string): Promise<{ lines: LogLine[]; sync: ReturnType<Workstations['follow']>['sync'] }> {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  const { sync } = workstations.follow(scene.platform, scene.bundles.keys, dataDir, { logger, startEmpty: true });
  await sync.restore();
  return { lines, sync };
}

const shortSha = (bundle: WrittenBundle) => bundle.manifest.signed.library.sha256.slice(0, 12);

describe('an offline rollback', () => {
  it('is logged by the next start as the online rollback is, with from, to and when, and shown in sync status', async () => {
    const dataDir = workstations.freshDataDir('offline-rollback');
    const first = workstations.follow(scene.platform, scene.bundles.keys, dataDir);
    await first.sync.restore();
    await pullInTurn(scene.platform, first.sync, [scene.written.a, scene.written.b]);
    await first.sync.stop();

    assertBuilt();
    const before = Date.now();
    const rolled = spawnSync(process.execPath, [CLI, 'rollback', '--data-dir', dataDir], {
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        ...process.env,
        // Nothing listens there: the command finds no sidecar.
        PREALERT_PORT: String(await freeLoopbackPort()),
        PREALERT_ADMIN_TOKEN: '',
      },
    });
    expect(rolled.stderr).toBe('');
    expect(rolled.status).toBe(0);
    expect(rolled.stdout).toContain(`its next start uses ${A} instead of ${B}`);
    const after = Date.now();

    const next = await start(dataDir);
    expect(next.sync.status().library).toMatchObject({ version: A });
    const logged = next.lines.filter((l) => l.msg === 'library rolled back');
    expect(logged).toHaveLength(1);
    const line = logged[0]!;
    // At warn (40), as the online rollback logs it, with its fields.
    expect(line).toMatchObject({
      level: 40,
      offline: true,
      source: 'rollback',
      version_before: B,
      version: A,
      sha256: scene.written.a.manifest.signed.library.sha256,
      path: 'stored',
      from: `${B} (${shortSha(scene.written.b)})`,
      to: `${A} (${shortSha(scene.written.a)})`,
    });
    const at = Date.parse(String(line.at));
    expect(at).toBeGreaterThanOrEqual(before - 1000);
    expect(at).toBeLessThanOrEqual(after);
    expect(next.sync.status().last_activation).toMatchObject({
      source: 'rollback',
      offline: true,
      version_before: B,
      version: A,
      at: line.at,
    });
    expect(next.sync.status().held_back).toEqual([`${B} (${shortSha(scene.written.b)})`]);
    await next.sync.stop();

    // Logged once: the start after that has nothing more to say about it.
    const again = await start(dataDir);
    expect(again.sync.status().library).toMatchObject({ version: A });
    expect(again.lines.filter((l) => l.msg === 'library rolled back')).toEqual([]);
    expect(again.sync.status().last_activation).toBeNull();
    await again.sync.stop();
  }, 120_000);
});
