// A HIS that dlopens the shim around every call and dlcloses it after (as some do with insurance DLLs):
// test/c/load_per_call.c, a real process with the built libprealert.so. The breaker, the one-time
// initialisation and the settings must survive the dlclose, or with a stuck sidecar every call waits its
// whole deadline. The Windows DLLs (LoadLibrary/FreeLibrary) are driven the same way in wine-x64.test.ts.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildShim } from './support/build-once';
import { httpPeer, OK_ENVELOPE, type Peer, silentPeer } from './support/fault-peer';
import { loadPerCallLines, loadPerCallReasons } from './support/load-per-call';
import { LINUX_DIR, LINUX_LIBRARY } from './support/paths';
import { closedPort } from './support/sidecar-process';
import { runCommand } from './support/wine';

const PROGRAM = path.join(LINUX_DIR, 'load_per_call');
let hung: Peer;

beforeAll(async () => {
  buildShim();
  hung = await silentPeer();
});

afterAll(async () => {
  await hung?.close();
});

async function loadPerCall(port: number, calls: number): Promise<string> {
  // Default settings otherwise: no ini next to the library, no data dir with a port file.
  const run = await runCommand(
    PROGRAM,
    [LINUX_LIBRARY, String(calls)],
    { PREALERT_PORT: String(port), PREALERT_DATA_DIR: '', PREALERT_TIMEOUT_MS: '', PREALERT_CONNECT_TIMEOUT_MS: '' },
    60_000,
  );
  const stdout = run.stdout.toString();
  console.log(`libprealert.so, dlopen/dlclose around each call (port ${port}):\n${stdout}`);
  expect(stdout, `${stdout}\n${run.stderr}`).toContain('DONE');
  return stdout;
}

describe('libprealert.so loaded and unloaded around every call', () => {
  it('nothing listens: the first call finds out, the later ones answer breaker_open at once', async () => {
    const stdout = await loadPerCall(await closedPort(), 5);
    expect(loadPerCallReasons(stdout)).toEqual(['sidecar_unreachable', ...Array(4).fill('breaker_open')]);
    // dlclose left it loaded (-z nodelete): what keeps the breaker.
    expect(loadPerCallLines(stdout).every((l) => l.loadedAfterUnload)).toBe(true);
  });

  it('a sidecar that accepts and never answers: three calls wait their deadline, then breaker_open', async () => {
    const stdout = await loadPerCall(hung.port, 6);
    expect(loadPerCallReasons(stdout)).toEqual([...Array(3).fill('sidecar_timeout'), ...Array(3).fill('breaker_open')]);
  }, 60_000);

  it('a sidecar that answers: every call gets its answer', async () => {
    const answering = await httpPeer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      response.end(OK_ENVELOPE);
    });
    try {
      const stdout = await loadPerCall(answering.port, 4);
      expect(loadPerCallLines(stdout).map((l) => l.rc)).toEqual([0, 0, 0, 0]);
      expect(answering.requests).toHaveLength(4);
    } finally {
      await answering.close();
    }
  });
});
