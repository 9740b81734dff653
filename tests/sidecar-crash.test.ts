/**
 * kill -9 during a stream of 3103 calls: after a restart, every disposition the sidecar acknowledged
 * (infcode 0 received) is there. Three crash cycles on the same data dir, each at an arbitrary point of a
 * stream with several 3103 requests in flight.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analysisEnvelope, feedbackEnvelope } from '../sidecar/test/fixtures/his-requests';
import { post, spawnSidecar } from '../sidecar/test/helpers/spawn-sidecar';

const CALL_SERVICE = '/fsi/api/rsfComIfsService/callService';
const ENCOUNTERS = 30;
const IN_FLIGHT = 4;

describe('crash safety of 3103', () => {
  it('loses no acknowledged disposition to kill -9', { timeout: 120_000 }, async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-crash-'));
    /** jr_id → the decision last acknowledged, and the task that answered it. */
    const acknowledged = new Map<string, { way: '1' | '2'; reason: string; taskId: string }>();

    for (let cycle = 0; cycle < 3; cycle++) {
      const sidecar = await spawnSidecar(dataDir);
      const url = `${sidecar.url}${CALL_SERVICE}`;
      const warnings: { jrId: string; taskId: string }[] = [];
      for (let e = 0; e < ENCOUNTERS; e++) {
        const taskId = `TASK-CRASH-${cycle}-${e}`;
        const answer = await post(url, analysisEnvelope({ encounterId: `ZY-CRASH-${cycle}-${e}`, taskId, firing: 3 }));
        expect(answer.infcode).toBe(0);
        for (const r of answer.output.result!) warnings.push({ jrId: r.jr_id, taskId });
      }

      // A stream of 3103s, IN_FLIGHT at a time; kill -9 at a point that differs per cycle.
      const killAfter = 20 + cycle * 17;
      let sent = 0;
      let killed = false;
      const worker = async () => {
        while (!killed && sent < warnings.length) {
          const w = warnings[sent]!;
          const n = sent++;
          const way: '1' | '2' = n % 3 === 0 ? '1' : '2';
          const reason = way === '1' ? `第${cycle}轮第${n}条：已核实` : '';
          try {
            const answer = await post(url, feedbackEnvelope([{ jrId: w.jrId, way, reason }]));
            if (answer.infcode === 0) acknowledged.set(w.jrId, { way, reason, taskId: w.taskId });
          } catch {
            // Connection cut by the kill: not acknowledged, nothing is promised.
          }
          if (!killed && n >= killAfter) {
            killed = true;
            sidecar.child.kill('SIGKILL');
          }
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
      if (!killed) sidecar.child.kill('SIGKILL');
      await new Promise<void>((resolve) => {
        if (sidecar.child.exitCode !== null || sidecar.child.signalCode !== null) resolve();
        else sidecar.child.once('exit', () => resolve());
      });
      expect(sidecar.child.signalCode).toBe('SIGKILL');
    }

    expect(acknowledged.size).toBeGreaterThan(60);
    const restarted = await spawnSidecar(dataDir);
    try {
      const byTask = new Map<string, Record<string, { dspo_way: string; dspo_way_rea: string }>>();
      for (const { taskId } of acknowledged.values()) {
        if (byTask.has(taskId)) continue;
        const response = await fetch(`${restarted.url}/v1/tasks/${taskId}`);
        expect(response.status).toBe(200);
        byTask.set(
          taskId,
          ((await response.json()) as { dispositions: Record<string, { dspo_way: string; dspo_way_rea: string }> })
            .dispositions,
        );
      }
      const missing: string[] = [];
      for (const [jrId, decision] of acknowledged) {
        const stored = byTask.get(decision.taskId)![jrId];
        if (!stored || stored.dspo_way !== decision.way || stored.dspo_way_rea !== decision.reason) missing.push(jrId);
      }
      expect(missing).toEqual([]);
    } finally {
      await restarted.stop();
    }
  });
});
