/**
 * The replay mark when a new library runs but could not be saved as last-good. Real bundles from the NHSA files,
 * the provincial platform simulator on loopback, a real data directory; the save fails on a real path: a file
 * where the store needs a directory (which stops root as well as anyone).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundlesOnPlatform } from './helpers/bundles-on-platform';
import { pollMemory, Workstations } from './sync-support';

const A = 'prov-replay-a';
const BETWEEN = 'prov-replay-between';
const B = 'prov-replay-b';

const workstations = new Workstations();
const scene = bundlesOnPlatform(
  [
    { name: 'a', version: A },
    // Created after A and before B: newer than anything the workstation keeps once B is lost.
    { name: 'between', version: BETWEEN },
    { name: 'b', version: B, revision: true },
  ],
  workstations,
);

function newSync(dataDir: string, options: { startEmpty?: boolean } = {}) {
  return workstations.follow(scene.platform, scene.bundles.keys, dataDir, { useWorker: false, ...options });
}

describe('a new library that runs but could not be saved as last-good', () => {
  it('does not move the replay mark: after a restart on the saved library, a bundle newer than it is taken', async () => {
    scene.platform.clearFaults();
    const dataDir = workstations.freshDataDir('replay-unsaved');
    const first = newSync(dataDir);
    await first.sync.restore();
    scene.platform.publish(scene.written.a.dir);
    expect(await first.sync.pollNow()).toMatchObject({ outcome: 'activated', report: { version: A } });

    // B's place in versions/ is taken by a file: moving the received library into it fails (ENOTDIR).
    const blocker = path.join(first.sync.store.dir, 'versions', scene.written.b.manifest.signed.library.sha256);
    fs.writeFileSync(blocker, 'not a directory');
    scene.platform.publish(scene.written.b.dir);
    expect(await first.sync.pollNow()).toMatchObject({ outcome: 'activated', report: { version: B } });
    expect(first.sync.store.current).toMatchObject({ version: A });
    expect(first.sync.status().last_error).toMatch(/prov-replay-b is active but could not be saved as last-good/);

    // While B runs, an older bundle is still a step back from what answers: refused.
    scene.platform.publish(scene.written.between.dir);
    expect(await first.sync.pollNow()).toMatchObject({
      outcome: 'failed',
      error: expect.stringMatching(/offers prov-replay-between .* already taken/),
    });
    expect(first.holder.get()!.info.version).toBe(B);
    await first.sync.stop();
    // What a restart reads: the mark is the saved library's, not the lost one's.
    expect(pollMemory(dataDir).pulled_created_at).toBe(scene.written.a.manifest.signed.created_at);

    fs.rmSync(blocker);
    const second = newSync(dataDir, { startEmpty: true });
    await second.sync.restore();
    expect(second.holder.get()!.info).toMatchObject({ version: A, source: 'last-good' });
    // Newer than A, the only library this workstation kept: an upgrade, not a replay.
    expect(await second.sync.pollNow()).toMatchObject({ outcome: 'activated', report: { version: BETWEEN } });
    expect(second.sync.store.current).toMatchObject({ version: BETWEEN });
    // And the bundle that could not be saved is taken again, this time for good.
    scene.platform.publish(scene.written.b.dir);
    expect(await second.sync.pollNow()).toMatchObject({ outcome: 'activated', report: { version: B } });
    expect(second.sync.store.current).toMatchObject({ version: B });
    expect(second.sync.status().last_error).toBeNull();
  });
});
