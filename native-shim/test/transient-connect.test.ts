// A connect that fails on the HIS's side of the socket says nothing about the sidecar: a HIS that opens many
// connections and files runs out of descriptors (EMFILE) or ephemeral ports (EADDRNOTAVAIL, WSAENOBUFS) for a
// moment, and the sidecar is still there. Such a call fails open at once, like any other, but it counts as a
// timeout (breaker_timeouts in a row open the breaker), not as a refusal, which opens it at once for 5 s.
// The failure is real: test/c/fd_limit_calls.c lowers RLIMIT_NOFILE for one call of the built libprealert.so,
// whose socket() then fails with EMFILE; the sidecar is the real one (sidecar/dist/cli.js) with real national codes.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildShim } from './support/build-once';
import { maleOnlyDrugs, type ResponseEnvelope, request3101 } from './support/national-requests';
import { LINUX_DIR, LINUX_LIBRARY } from './support/paths';
import { closedPort, type RunningSidecar, startSidecar } from './support/sidecar-process';
import { runCommand } from './support/wine';

const PROGRAM = path.join(LINUX_DIR, 'fd_limit_calls');
const SEX_RULE = 'GZ10000301004000'; // 药品区分性别使用
const EMFILE = '24';
const ECONNREFUSED = '111';

let sidecar: RunningSidecar;
let request: string;

beforeAll(async () => {
  buildShim();
  sidecar = await startSidecar();
  const apalutamide = maleOnlyDrugs().find((d) => d.code === 'XL02BBA326A001010102180');
  expect(apalutamide?.name).toBe('阿帕他胺片');
  request = JSON.stringify(request3101([apalutamide!]));
}, 60_000);

afterAll(async () => {
  await sidecar?.stop();
});

interface Call {
  rc: number;
  /** The fail-open reason, or "-" when the sidecar answered. */
  reason: string;
  code: string;
  ms: number;
  output: string;
}

/** Runs test/c/fd_limit_calls with one 3101 per step: `PORT`, or `emfile:PORT` for a call with no free descriptor. */
async function callsOf(steps: string[]): Promise<Call[]> {
  const run = await runCommand(
    PROGRAM,
    [LINUX_LIBRARY, request, ...steps],
    // Default settings otherwise; the data dir is the sidecar's, for the token in its port file.
    { PREALERT_DATA_DIR: sidecar.dataDir, PREALERT_PORT: '', PREALERT_TIMEOUT_MS: '', PREALERT_CONNECT_TIMEOUT_MS: '' },
    30_000,
  );
  const stdout = run.stdout.toString();
  console.log(`fd_limit_calls ${steps.join(' ')}:\n${stdout.replace(/^OUTPUT .*\n/gm, '')}`);
  expect(stdout, `${stdout}\n${run.stderr}`).toContain('DONE');
  const outputs = new Map([...stdout.matchAll(/^OUTPUT (\d+) (.*)$/gm)].map((m) => [m[1]!, m[2]!]));
  return [...stdout.matchAll(/^CALL (\d+) rc=(-?\d+) reason=(\S+) code=(\S+) ms=([\d.]+)$/gm)].map((m) => ({
    rc: Number(m[2]),
    reason: m[3]!,
    code: m[4]!,
    ms: Number(m[5]),
    output: outputs.get(m[1]!) ?? '',
  }));
}

function expectSidecarAnswer(call: Call | undefined): void {
  expect(call?.rc, call?.output).toBe(0);
  const answer = JSON.parse(call!.output) as ResponseEnvelope;
  expect(answer.shim).toBeUndefined();
  expect(answer.output.result?.some((r) => r.rule_id === SEX_RULE)).toBe(true);
}

describe('a connect that fails for want of a free descriptor (EMFILE)', () => {
  it('fails open at once, leaves the breaker closed, and the next call is answered by the sidecar', async () => {
    const [starved, next] = await callsOf([`emfile:${sidecar.port}`, String(sidecar.port)]);
    expect(starved).toMatchObject({ rc: 1, reason: 'sidecar_unreachable', code: EMFILE });
    expect(starved!.ms).toBeLessThan(50);
    expectSidecarAnswer(next);
  });

  it('breaker_timeouts (3) of them in a row open the breaker for breaker_timeout_open_ms, as timeouts do', async () => {
    const port = sidecar.port;
    const outcomes = await callsOf([`emfile:${port}`, `emfile:${port}`, `emfile:${port}`, String(port)]);
    expect(outcomes.map((c) => [c.reason, c.code])).toEqual([
      ['sidecar_unreachable', EMFILE],
      ['sidecar_unreachable', EMFILE],
      ['sidecar_unreachable', EMFILE],
      ['breaker_open', expect.any(String)],
    ]);
    expect(Number(outcomes[3]!.code)).toBeGreaterThan(9000); // the 10 s of timeouts, not the 5 s of a refusal
  });

  it('a refused connect still opens the breaker at once, for breaker_open_ms', async () => {
    const [refused, next] = await callsOf([String(await closedPort()), String(sidecar.port)]);
    expect(refused).toMatchObject({ rc: 1, reason: 'sidecar_unreachable', code: ECONNREFUSED });
    expect(next).toMatchObject({ rc: 1, reason: 'breaker_open' });
    expect(Number(next!.code)).toBeGreaterThan(4000);
    expect(Number(next!.code)).toBeLessThanOrEqual(5000);
  });
});
