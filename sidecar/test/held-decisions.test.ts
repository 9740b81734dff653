/**
 * The doctor's 继续执行 decisions are held in memory on both threads only for the active library's version: a
 * decision given under another version covers nothing (the jr_id includes the version). A library update drops the
 * old version's (the request thread after a grace for answers still in flight on the old library), a rollback reads
 * them back from the database. Real sidecar, real national library, real library swaps, over loopback HTTP.
 */
import { loadNationalLibrary } from '@prealert/rules-cache';
import { afterEach, describe, expect, it } from 'vitest';
import { analysisEnvelope, feedbackEnvelope } from './fixtures/his-requests';
import { analysisStatus, onWorker } from './helpers/analysis-thread-status';
import { callOverHttp, testServer } from './helpers/test-server';

type Server = Awaited<ReturnType<typeof testServer>>;

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

let server: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('continued decisions held in memory across library swaps', () => {
  for (const analysisThread of [true, false]) {
    it(`are dropped when another version is activated and come back on a rollback (analysis thread ${analysisThread ? 'on' : 'off'})`, async () => {
      const graceMs = 300;
      server = await testServer({ analysisThread }, { replacedLibraryDecisionsMs: graceMs });
      await server.listen();
      if (analysisThread) await onWorker(server);
      const national = loadNationalLibrary();
      const v1 = national.meta.version;
      // The same rules under another version: every jr_id it raises is new.
      const update = { ...national, meta: { ...national.meta, version: `${v1}-update` } };

      const first = await callOverHttp(server, analysisEnvelope({ encounterId: 'MZ-HELD-1' }));
      const [a, b] = first.body.output.result!;
      const decided = await callOverHttp(
        server,
        feedbackEnvelope([
          { jrId: a!.jr_id, way: '1', reason: '已核实' },
          { jrId: b!.jr_id, way: '1', reason: '患者知情同意' },
        ]),
      );
      expect(decided.body.infcode).toBe(0);
      expect(server.dispositions.heldContinued()).toBe(2);

      // The update: the worker drops them with the swap, the request thread once the grace is over.
      server.holder.load(() => update, 'sync');
      expect(server.dispositions.heldContinued()).toBe(2);
      if (analysisThread) {
        await onWorker(server);
        expect(server.analysis!.workerContinued).toBe(0);
      }
      await until(() => server!.dispositions.heldContinued() === 0, 'the request thread to drop them');
      // Nothing they could have decided: the same encounter under the update is asked anew.
      const underUpdate = await callOverHttp(
        server,
        analysisEnvelope({ encounterId: 'MZ-HELD-1', taskId: 'T-MZ-HELD-1b' }),
      );
      const updated = underUpdate.body.output.result!;
      expect(updated.length).toBe(first.body.output.result!.length);
      expect(updated.some((r) => r.jr_id === a!.jr_id || r.prior_dspo)).toBe(false);

      // The rollback: at once, on both threads, the earlier decisions answer again.
      server.holder.load(() => national, 'rollback');
      expect(server.dispositions.heldContinued()).toBe(2);
      const before = analysisThread ? (await onWorker(server)).answered_on_worker : 0;
      if (analysisThread) expect(server.analysis!.workerContinued).toBe(2);
      const again = await callOverHttp(server, analysisEnvelope({ encounterId: 'MZ-HELD-1', taskId: 'T-MZ-HELD-1c' }));
      expect(again.body.output.result!.find((r) => r.jr_id === a!.jr_id)).toMatchObject({
        dspo_way: '1',
        dspo_way_rea: '已核实',
        prior_dspo: true,
      });
      expect(again.body.output.result!.find((r) => r.jr_id === b!.jr_id)).toMatchObject({
        dspo_way_rea: '患者知情同意',
        prior_dspo: true,
      });
      if (analysisThread) expect((await analysisStatus(server))!.answered_on_worker).toBe(before + 1);
      // And stay after the grace: the rollback's version is the active one.
      await new Promise((resolve) => setTimeout(resolve, graceMs + 100));
      expect(server.dispositions.heldContinued()).toBe(2);
    });
  }
});
