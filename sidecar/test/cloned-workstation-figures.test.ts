/**
 * A data dir copied to another machine (a cloned disk image, a workstation moved to a new PC) keeps install.secret,
 * so its install id and patient pseudonyms: the instance id beside it is made anew there, and each workstation's
 * daily figures go to the platform under ids of their own, instead of one being dropped as already delivered.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging';
import { queueDailyFigures } from '../src/outbox/daily-figures';
import { loadInstallSecret, PatientPseudonymizer } from '../src/patient-pseudonym';
import { openFiguresReader } from '../src/stats/figures-reader';
import { OUTBOX_KINDS, OutboxStore } from '../src/store/outbox';
import { INSTANCE_FILE_NAME, loadInstanceId, machineFingerprint } from '../src/workstation-instance';
import { analysisEnvelope, feedbackEnvelope } from './fixtures/his-requests';
import { callOverHttp, tempDataDir, testServer } from './helpers/test-server';

type FiguresRow = { id: string; payload: string };

/** Starts the sidecar on `dataDir`, answers the 3101s (and a 3103 on the first result), queues tomorrow's view. */
async function workDay(dataDir: string, encounters: string[], decide = false): Promise<FiguresRow[]> {
  // A platform configured (nothing listens there): the figures stay queued, as read below.
  const server = await testServer({ dataDir, platform: { url: 'http://127.0.0.1:9/' } });
  try {
    await server.listen();
    for (const encounterId of encounters) {
      const reply = await callOverHttp(server, analysisEnvelope({ encounterId }));
      expect(reply.body.infcode).toBe(0);
      if (decide) {
        const jrId = reply.body.output.result![0]!.jr_id;
        expect((await callOverHttp(server, feedbackEnvelope([{ jrId, way: '2' }]))).body.infcode).toBe(0);
      }
    }
    await server.app.inject({ url: '/v1/status' }); // flush records
    const figures = openFiguresReader(server.db, createLogger({ level: 'silent' }));
    try {
      const sender = {
        installId: new PatientPseudonymizer(loadInstallSecret(dataDir)).installId,
        instanceId: loadInstanceId(dataDir),
      };
      await queueDailyFigures(
        figures,
        server.db,
        new OutboxStore(server.db, OUTBOX_KINDS),
        sender,
        Date.now() + 86_400_000,
      );
    } finally {
      await figures.close();
    }
    return server.db
      .prepare("SELECT id, payload FROM outbox WHERE kind = 'daily_figures' ORDER BY id")
      .all() as FiguresRow[];
  } finally {
    await server.close();
  }
}

/** What a data dir made on another machine holds: its instance file names that machine. */
function madeElsewhere(dataDir: string): void {
  const file = path.join(dataDir, INSTANCE_FILE_NAME);
  const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { machine: string };
  fs.writeFileSync(file, JSON.stringify({ ...stored, machine: machineFingerprint('golden-image', {}) }));
}

describe('a cloned data dir', () => {
  it('keeps its instance id on its own machine and gets a new one on another', () => {
    const dir = tempDataDir();
    const first = loadInstanceId(dir);
    expect(first).toMatch(/^[0-9a-f]{16}$/);
    expect(loadInstanceId(dir)).toBe(first);
    const secret = loadInstallSecret(dir);
    madeElsewhere(dir);
    const moved = loadInstanceId(dir);
    expect(moved).not.toBe(first);
    expect(loadInstanceId(dir)).toBe(moved);
    // Patient pseudonyms and the install id stay: they come from install.secret alone.
    expect(loadInstallSecret(dir).equals(secret)).toBe(true);
    // Another machine is told apart by its host name or its adapters' MAC addresses.
    const nic = { eth0: [{ mac: '52:54:00:12:34:56', internal: false } as never] };
    expect(machineFingerprint('ws-01', nic)).not.toBe(machineFingerprint('ws-02', nic));
    expect(machineFingerprint('ws-01', nic)).not.toBe(
      machineFingerprint('ws-01', { eth0: [{ mac: '52:54:00:65:43:21', internal: false } as never] }),
    );
  });

  it("sends each workstation's figures of a day under its own id, with the same install id", async () => {
    const golden = tempDataDir();
    // First start on the image: install.secret and the instance file are made there.
    await (await testServer({ dataDir: golden })).close();
    madeElsewhere(golden);
    const one = tempDataDir();
    const two = tempDataDir();
    fs.cpSync(golden, one, { recursive: true });
    fs.cpSync(golden, two, { recursive: true });

    const [a] = await workDay(one, ['MZ-CLONE-1']);
    const [b] = await workDay(two, ['MZ-CLONE-2', 'MZ-CLONE-3']);
    expect(a!.id).not.toBe(b!.id);
    const pa = JSON.parse(a!.payload) as { install_id: string; instance_id: string; day: string; totals: unknown };
    const pb = JSON.parse(b!.payload) as { install_id: string; instance_id: string; day: string; totals: unknown };
    expect(pa.install_id).toBe(pb.install_id);
    expect(pa.instance_id).not.toBe(pb.instance_id);
    expect(a!.id).toBe(`figures:${pa.install_id}:${pa.instance_id}:${pa.day}`);
    expect(pa.totals).toMatchObject({ reminders: 2 });
    expect(pb.totals).toMatchObject({ reminders: 4 });
  });

  it('corrects a day sent before instance ids under the id it was sent with', async () => {
    const dir = tempDataDir();
    const server = await testServer({ dataDir: dir });
    let jrId: string;
    let day: string;
    try {
      await server.listen();
      const reply = await callOverHttp(server, analysisEnvelope({ encounterId: 'MZ-UPGRADE-1' }));
      jrId = reply.body.output.result![0]!.jr_id;
      await server.app.inject({ url: '/v1/status' });
      const figures = openFiguresReader(server.db, createLogger({ level: 'silent' }));
      const installId = new PatientPseudonymizer(loadInstallSecret(dir)).installId;
      // As the version before instance ids queued it.
      [day] = (await queueDailyFigures(
        figures,
        server.db,
        new OutboxStore(server.db, OUTBOX_KINDS),
        { installId },
        Date.now() + 86_400_000,
      )) as [string];
      await figures.close();
    } finally {
      await server.close();
    }
    // The upgraded sidecar: the same figures are not sent again under a new id…
    const installId = new PatientPseudonymizer(loadInstallSecret(dir)).installId;
    expect((await workDay(dir, [])).map((r) => r.id)).toEqual([`figures:${installId}:${day}`]);
    // …and a late 3103 corrects the day as the next revision of the id it was sent with.
    const server2 = await testServer({ dataDir: dir, platform: { url: 'http://127.0.0.1:9/' } });
    try {
      await server2.listen();
      expect((await callOverHttp(server2, feedbackEnvelope([{ jrId, way: '2' }]))).body.infcode).toBe(0);
    } finally {
      await server2.close();
    }
    const rows = await workDay(dir, []);
    expect(rows.map((r) => r.id)).toEqual([`figures:${installId}:${day}`, `figures:${installId}:${day}:r2`]);
    const corrected = JSON.parse(rows[1]!.payload) as Record<string, unknown>;
    expect(corrected).toMatchObject({ revision: 2, install_id: installId });
    expect(corrected.instance_id).toBeUndefined();
  });
});
