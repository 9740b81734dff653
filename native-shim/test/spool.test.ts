// The 3103 spool end to end: the real compiled shim fails open while the sidecar is down and keeps the
// doctor's decision in <data dir>/spool; the real sidecar (sidecar/dist/cli.js serve) replays it when it
// starts again on the same data dir, and the decision shows up in GET /v1/tasks/:task_id.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { maleOnlyDrugs, type ResponseEnvelope, request3101, request3103 } from './support/national-requests';
import { type Flavour, loadShim, RC, type ShimLibrary } from './support/shim-addon';
import { closedPort, type RunningSidecar, startSidecar } from './support/sidecar-process';
import { encodeFor, parseAnswer } from './support/text-codec';

const RARE = '\u{20000}'; // 𠀀: survives only if the declared charset is honoured on replay

interface SpoolAnswer extends ResponseEnvelope {
  shim?: { failopen: boolean; reason: string; code: number; spooled?: boolean };
}

interface TaskView {
  task_id: string;
  dispositions: Record<string, { dspo_way: string; dspo_way_rea: string; at: string }>;
}

let shim: ShimLibrary;
let dataDir: string;
let spoolDir: string;
let sidecar: RunningSidecar | undefined;

async function call(flavour: Flavour, infno: string, body: unknown) {
  const outcome = await shim.call(flavour, encodeFor(flavour, infno), encodeFor(flavour, JSON.stringify(body)), 65536);
  expect(outcome.terminated).toBe(true);
  expect(outcome.guardIntact).toBe(true);
  return { rc: outcome.rc, answer: parseAnswer<SpoolAnswer>(flavour, outcome) };
}

const spooled = () => (fs.existsSync(spoolDir) ? fs.readdirSync(spoolDir).filter((f) => f.endsWith('.req')) : []);
const rejected = () => {
  const dir = path.join(spoolDir, 'rejected');
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
};

beforeAll(() => {
  shim = loadShim();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-shim-spool-'));
  spoolDir = path.join(dataDir, 'spool');
});

afterAll(async () => {
  await sidecar?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

beforeEach(() => {
  expect(shim.setOption('reset', 'all')).toBe(RC.ok);
  expect(shim.setOption('data_dir', dataDir)).toBe(RC.ok);
});

describe('a 3103 that fails open is spooled and replayed', () => {
  let taskId: string;
  let jrIds: string[];

  it('3101 while the sidecar runs records the reminders', async () => {
    sidecar = await startSidecar({}, { dataDir });
    const drugs = maleOnlyDrugs();
    const { rc, answer } = await call('utf8', '3101', request3101([drugs[0]!, drugs[1]!], { patnId: 'P-SPOOL' }));
    expect(rc).toBe(RC.ok);
    jrIds = (answer.output.result ?? []).map((r) => r.jr_id);
    expect(jrIds.length).toBeGreaterThanOrEqual(2);
    taskId = 'T-P-SPOOL';
    await sidecar.stop();
    sidecar = undefined;
    expect(fs.existsSync(path.join(dataDir, 'port'))).toBe(false);
  });

  it('with the sidecar down, 3103 fails open with spooled:true and leaves one file per call', async () => {
    // The port file is gone; a fixed closed port keeps the shim from finding another sidecar on 17311.
    expect(shim.setOption('port', String(await closedPort()))).toBe(RC.ok);
    const continued = request3103([jrIds[0]!], '1');
    continued.input.data.warns[0]!.dspo_way_rea = `患者${RARE}知情，继续执行`;
    const first = await call('w', '3103', continued);
    expect(first.rc).toBe(RC.failOpen);
    expect(first.answer).toEqual({
      infcode: 0,
      err_msg: '',
      output: { result: [] },
      shim: { failopen: true, reason: 'sidecar_unreachable', code: 111, spooled: true },
    });
    expect(spooled()).toHaveLength(1);

    // The breaker is now open: that fail-open keeps the decision too (GB18030 this time, input-only body).
    const revised = await call('gbk', '3103', request3103([jrIds[1]!], '2').input);
    expect(revised.answer.shim).toMatchObject({ failopen: true, reason: 'breaker_open', spooled: true });
    expect(spooled()).toHaveLength(2);

    // The file holds the exact bytes the shim would have sent, and their charset.
    const [firstFile] = spooled().sort();
    const bytes = fs.readFileSync(path.join(spoolDir, firstFile!));
    const headEnd = bytes.indexOf('\n\n');
    const head = bytes.subarray(0, headEnd).toString('latin1');
    expect(head).toMatch(/^prealert-spool 1\ninfno: 3103\ncharset: utf-16le\ntime_ms: \d{13}\nlength: \d+$/);
    expect(bytes.subarray(headEnd + 2).equals(encodeFor('w', JSON.stringify(continued)))).toBe(true);
    expect(fs.readdirSync(spoolDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('3101 is not spooled, and over the cap a 3103 still fails open without being kept', async () => {
    expect(shim.setOption('port', String(await closedPort()))).toBe(RC.ok);
    expect(shim.setOption('breaker_open_ms', '0')).toBe(RC.ok);
    const analysis = await call('utf8', '3101', request3101([maleOnlyDrugs()[0]!]));
    expect(analysis.rc).toBe(RC.failOpen);
    expect(analysis.answer.shim?.spooled).toBeUndefined();
    expect(spooled()).toHaveLength(2);

    const used = fs.readdirSync(spoolDir).reduce((sum, f) => sum + fs.statSync(path.join(spoolDir, f)).size, 0);
    expect(shim.setOption('spool_max_bytes', String(used + 50))).toBe(RC.ok);
    const overCap = await call('utf8', '3103', request3103([jrIds[0]!], '2'));
    expect(overCap.rc).toBe(RC.failOpen);
    expect(overCap.answer.shim).toEqual({ failopen: true, reason: 'sidecar_unreachable', code: 111 });
    expect(spooled()).toHaveLength(2);
  });

  it('an unknown jr_id is spooled too (the shim cannot know), and a corrupt file sits next to them', async () => {
    expect(shim.setOption('port', String(await closedPort()))).toBe(RC.ok);
    const unknown = await call('utf8', '3103', request3103(['JR-NEVER-ANSWERED'], '2'));
    expect(unknown.answer.shim?.spooled).toBe(true);
    fs.writeFileSync(path.join(spoolDir, '000000000000001-1-1-3103.req'), 'prealert-spool 1\ninfno: 3103\n\n{"cut');
    expect(spooled()).toHaveLength(4);
  });

  it('the sidecar started on the same data dir replays them: decisions stored, spool emptied, bad ones rejected', async () => {
    sidecar = await startSidecar({ PREALERT_LOG_LEVEL: 'info' }, { dataDir });
    const deadline = Date.now() + 20_000;
    while (spooled().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(spooled(), sidecar.log()).toEqual([]);
    expect(rejected().sort()).toHaveLength(2);
    expect(rejected()).toContain('000000000000001-1-1-3103.req');
    const rejectedUnknown = rejected().find((f) => f !== '000000000000001-1-1-3103.req')!;
    expect(fs.readFileSync(path.join(spoolDir, 'rejected', rejectedUnknown), 'utf8')).toContain('JR-NEVER-ANSWERED');
    // Log lines go out in blocks, at least every half second.
    await expect.poll(() => sidecar!.log(), { timeout: 5_000 }).toContain('moved to spool/rejected');

    const response = await fetch(`http://127.0.0.1:${sidecar.port}/v1/tasks/${taskId}`);
    expect(response.status).toBe(200);
    const task = (await response.json()) as TaskView;
    expect(task.dispositions[jrIds[0]!]).toMatchObject({ dspo_way: '1', dspo_way_rea: `患者${RARE}知情，继续执行` });
    expect(task.dispositions[jrIds[1]!]).toMatchObject({ dspo_way: '2' });

    // The shim now reaches the sidecar: a repeat of the same decision is answered and changes nothing.
    expect(shim.setOption('port', String(sidecar.port))).toBe(RC.ok);
    const repeat = await call('utf8', '3103', request3103([jrIds[1]!], '2'));
    expect(repeat.rc).toBe(RC.ok);
    expect(String(repeat.answer.infcode)).toBe('0');
    expect(spooled()).toEqual([]);
  });

  it('a spooled decision older than one stored since is not replayed over it', async () => {
    const running = sidecar!;
    const storedAt = Date.parse(
      ((await (await fetch(`http://127.0.0.1:${running.port}/v1/tasks/${taskId}`)).json()) as TaskView).dispositions[
        jrIds[1]!
      ]!.at,
    );
    const stale = Buffer.from(JSON.stringify(request3103([jrIds[1]!], '1')), 'utf8');
    const head = `prealert-spool 1\ninfno: 3103\ncharset: utf-8\ntime_ms: ${storedAt - 60_000}\nlength: ${stale.length}\n\n`;
    fs.writeFileSync(path.join(spoolDir, '.stale.tmp'), Buffer.concat([Buffer.from(head), stale]));
    fs.renameSync(
      path.join(spoolDir, '.stale.tmp'),
      path.join(spoolDir, `${String(storedAt - 60_000).padStart(15, '0')}-1-1-3103.req`),
    );
    const deadline = Date.now() + 10_000; // the replayer looks every 3 s
    while (spooled().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(spooled(), running.log()).toEqual([]);
    expect(rejected()).toHaveLength(2);
    const task = (await (await fetch(`http://127.0.0.1:${running.port}/v1/tasks/${taskId}`)).json()) as TaskView;
    expect(task.dispositions[jrIds[1]!]).toMatchObject({ dspo_way: '2' });
  });
});
