// When the shim finds no port file, it falls back to the sidecar's default port 17311. On a Remote Desktop
// server (RDS/Citrix) several doctors share one machine and one loopback, each with a sidecar of their own, and
// with default settings the first sidecar to start holds 17311 (the others cannot bind it). A doctor whose own
// sidecar is not running was then sent to that other doctor's sidecar, which answered and recorded this doctor's
// patients. A data dir that holds a sidecar's records database but no port file says its sidecar is stopped (a
// running sidecar always has its port file there): the fixed port is then not tried. A real sidecar run makes
// that data dir, so a renamed database would show here.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { httpPeerOn, OK_ENVELOPE, type Peer } from './support/fault-peer';
import { loadShim, RC, type ShimLibrary } from './support/shim-addon';
import { startSidecar } from './support/sidecar-process';
import { encodeFor, parseAnswer } from './support/text-codec';

const FIXED_PORT = 17311;
const REQUEST_3101 = '{"infno":"3101","input":{"data":{"patient_dtos":[]}}}';
const REQUEST_3103 = '{"data":{"warn_type":"1","warns":[]}}';

interface FailOpen {
  shim?: { failopen: boolean; reason: string; code: number; spooled?: boolean };
}

let shim: ShimLibrary;
let scratch: string;
/** Another user's sidecar on the fixed port, when this machine lets the test bind it. */
let otherUser: Peer | undefined;
const savedEnv = { ...process.env };

async function call(infno: string, body: string) {
  const outcome = await shim.call('utf8', encodeFor('utf8', infno), encodeFor('utf8', body), 4096);
  return { rc: outcome.rc, answer: parseAnswer<FailOpen>('utf8', outcome) };
}

/** A data dir as a real sidecar leaves it after a clean stop: its records database, no port file. */
async function stoppedSidecarDir(dataDir: string): Promise<void> {
  fs.mkdirSync(dataDir, { recursive: true });
  const sidecar = await startSidecar({}, { dataDir });
  await sidecar.stop();
  expect(fs.existsSync(path.join(dataDir, 'port'))).toBe(false);
  expect(fs.existsSync(path.join(dataDir, 'prealert.sqlite'))).toBe(true);
}

beforeAll(async () => {
  shim = loadShim();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-shim-fallback-'));
  otherUser = await httpPeerOn(FIXED_PORT, (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    response.end(OK_ENVELOPE);
  });
  if (!otherUser) console.log(`port ${FIXED_PORT} is taken here: the fail-open code alone shows it was not tried`);
}, 120_000);

beforeEach(() => {
  // Nothing configured, as on a doctor's session: only the per-user data dir (XDG_DATA_HOME here, as
  // %LOCALAPPDATA% on Windows) can tell the shim where its sidecar is.
  for (const name of ['PREALERT_PORT', 'PREALERT_DATA_DIR', 'PREALERT_SHIM_TOKEN', 'PREALERT_SPOOL_DIR']) {
    delete process.env[name];
  }
  expect(shim.setOption('reset', 'all')).toBe(RC.ok);
});

afterEach(() => {
  // Key by key: a new object assigned to process.env would no longer reach the shim's getenv.
  for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
  Object.assign(process.env, savedEnv);
  if (otherUser) otherUser.requests.length = 0;
});

afterAll(async () => {
  await otherUser?.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe('no port file: the fixed port 17311', () => {
  it('is not tried when the user’s own sidecar is stopped: 3101 fails open at once, a 3103 is kept for that sidecar, which is found as soon as it runs', async () => {
    const home = path.join(scratch, 'doctor-b');
    const dataDir = path.join(home, 'prealert'); // $XDG_DATA_HOME/prealert, the sidecar's default
    await stoppedSidecarDir(dataDir);
    process.env.XDG_DATA_HOME = home;

    const first = await call('3101', REQUEST_3101);
    expect(first.rc).toBe(RC.failOpen);
    expect(first.answer.shim).toMatchObject({ reason: 'sidecar_unreachable', code: 0 });
    const decision = await call('3103', REQUEST_3103);
    expect(decision.answer.shim).toMatchObject({ reason: 'sidecar_unreachable', code: 0, spooled: true });
    expect(fs.readdirSync(path.join(dataDir, 'spool')).filter((f) => f.endsWith('-3103.req'))).toHaveLength(1);
    expect(otherUser?.requests ?? []).toHaveLength(0);

    // Nothing was tried, so no breaker opened: the sidecar started again is reached at the next call.
    const restarted = await startSidecar({}, { dataDir });
    try {
      expect((await call('3101', REQUEST_3101)).rc).toBe(RC.ok);
    } finally {
      await restarted.stop();
    }
    expect(otherUser?.requests ?? []).toHaveLength(0);
  }, 120_000);

  it('is not tried for a data_dir set explicitly whose sidecar is stopped either', async () => {
    const dataDir = path.join(scratch, 'configured');
    await stoppedSidecarDir(dataDir);
    process.env.XDG_DATA_HOME = path.join(scratch, 'nobody'); // no per-user data dir
    expect(shim.setOption('data_dir', dataDir)).toBe(RC.ok);
    const outcome = await call('3101', REQUEST_3101);
    expect(outcome.answer.shim).toMatchObject({ reason: 'sidecar_unreachable', code: 0 });
    expect(otherUser?.requests ?? []).toHaveLength(0);
  }, 120_000);

  it('is still tried when no sidecar has used the data dir (a sidecar kept elsewhere, found on its default port)', async (ctx) => {
    if (!otherUser) return ctx.skip(`port ${FIXED_PORT} is taken here`);
    const home = path.join(scratch, 'no-sidecar-here');
    fs.mkdirSync(path.join(home, 'prealert', 'spool'), { recursive: true }); // e.g. made by the shim's own spool
    process.env.XDG_DATA_HOME = home;
    const answered = await call('3101', REQUEST_3101);
    expect(answered.rc, JSON.stringify(answered.answer)).toBe(RC.ok);
    expect(otherUser.requests).toHaveLength(1);
  });
});
