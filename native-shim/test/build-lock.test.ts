// The lock that keeps parallel test files from building the shim over each other (support/build-lock.ts). A build
// under heavy load can take longer than any fixed age: the lock used to be taken as stale 3 minutes after it was made,
// so a second test file broke a live lock and built over a running build. Real processes hold the lock here, with
// thresholds shrunk from minutes to about a second.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LockTimings, withBuildLock } from './support/build-lock';

const HOLDER = path.join(import.meta.dirname, 'support', 'lock-holder.ts');
/** The defaults (10 s heartbeat, stale at 60 s) scaled down: a build of 3 s stands for one of many minutes. */
const TIMINGS: LockTimings = { heartbeatMs: 100, staleMs: 1000, pollMs: 20, maxWaitMs: 15_000 };

let scratch: string;
let lock: string;
let journal: string;
const holders: ChildProcess[] = [];

beforeEach(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-build-lock-'));
  lock = path.join(scratch, '.build-lock');
  journal = path.join(scratch, 'journal');
  fs.writeFileSync(journal, '');
});

afterEach(() => {
  for (const holder of holders.splice(0)) {
    holder.kill('SIGCONT');
    holder.kill('SIGKILL');
  }
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** Starts a process that takes the lock and holds it for holdMs; resolves once it holds it. */
async function startHolder(holdMs: number, timings: LockTimings = TIMINGS): Promise<ChildProcess> {
  const holder = spawn(
    process.execPath,
    ['--import', 'tsx', HOLDER, lock, journal, String(holdMs), JSON.stringify(timings)],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  holders.push(holder);
  let stderr = '';
  holder.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const deadline = Date.now() + 20_000;
  while (!fs.readFileSync(journal, 'utf8').includes(`held ${holder.pid}`)) {
    if (Date.now() > deadline || holder.exitCode !== null)
      throw new Error(`the holder did not take the lock:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return holder;
}

function exited(holder: ChildProcess): Promise<number | null> {
  if (holder.exitCode !== null || holder.signalCode !== null) return Promise.resolve(holder.exitCode);
  return new Promise((resolve) => holder.once('exit', (code) => resolve(code)));
}

/** Takes the lock as a second test file would; says when it got it and what the journal said then. */
function takeLock(timings: LockTimings = TIMINGS): { waitedMs: number; journal: string } {
  const startedAt = Date.now();
  return withBuildLock(
    lock,
    () => ({ waitedMs: Date.now() - startedAt, journal: fs.readFileSync(journal, 'utf8') }),
    timings,
  );
}

describe('the shim build lock', () => {
  it('waits for a live holder that builds for longer than the stale threshold', async () => {
    const holder = await startHolder(3 * TIMINGS.staleMs);
    const taken = takeLock();
    // The holder had let go before the waiter went in: it never built over a running build.
    expect(taken.journal).toContain(`released ${holder.pid}`);
    expect(taken.waitedMs).toBeGreaterThan(TIMINGS.staleMs);
    expect(await exited(holder)).toBe(0);
    expect(fs.existsSync(lock), 'the lock is removed once its work is done').toBe(false);
  }, 30_000);

  it('takes over at once from a holder that is gone', async () => {
    const holder = await startHolder(60_000);
    holder.kill('SIGKILL');
    await exited(holder);
    // The heartbeat alone would keep a dead holder's lock for staleMs; its pid being gone says so at once.
    const taken = takeLock({ ...TIMINGS, staleMs: 60_000 });
    expect(taken.journal).not.toContain('released');
    expect(taken.waitedMs).toBeLessThan(5000);
  }, 30_000);

  it('takes over from a holder that stopped beating, and the holder then leaves the new lock alone', async () => {
    const holder = await startHolder(2 * TIMINGS.staleMs);
    holder.kill('SIGSTOP'); // hung: alive, but neither building nor beating
    const lockKept = withBuildLock(
      lock,
      () => {
        // The hung holder wakes up, finishes and lets go while its successor still works.
        holder.kill('SIGCONT');
        const deadline = Date.now() + 10_000;
        while (!fs.readFileSync(journal, 'utf8').includes(`released ${holder.pid}`) && Date.now() < deadline)
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
        expect(fs.readFileSync(journal, 'utf8')).toContain(`released ${holder.pid}`);
        return fs.existsSync(lock);
      },
      TIMINGS,
    );
    expect(lockKept, "the woken holder removed its successor's lock").toBe(true);
    expect(await exited(holder)).toBe(0);
  }, 30_000);
});
