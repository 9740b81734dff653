import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

export interface LockTimings {
  /** How often the holder touches its holder file while it works. */
  heartbeatMs: number;
  /** A holder whose last beat is older than this is taken as hung (or its pid reused) and its lock removed. */
  staleMs: number;
  /** How often a waiter looks again. */
  pollMs: number;
  /** A waiter gives up after this long: a live holder is waited for however long its build takes, up to here. */
  maxWaitMs: number;
}

/** The 60 s stand far above any pause of a beating holder; a full build may take many minutes under load. */
export const BUILD_LOCK_TIMINGS: LockTimings = {
  heartbeatMs: 10_000,
  staleMs: 60_000,
  pollMs: 200,
  maxWaitMs: 30 * 60_000,
};

interface Holder {
  pid: number;
  token: string;
}

/** Inside the lock directory: who holds it. Its mtime is the holder's heartbeat. */
const HOLDER_FILE = 'holder.json';

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function readHolder(lock: string): { holder: Holder; beatAt: number } | undefined {
  const file = path.join(lock, HOLDER_FILE);
  try {
    const holder = JSON.parse(fs.readFileSync(file, 'utf8')) as Holder;
    return { holder, beatAt: fs.statSync(file).mtimeMs };
  } catch {
    // Not there (yet, or any more), or half written: the caller goes by the directory's age.
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: there, but another account's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Why the lock is stale, or undefined while its holder is alive and beating. A directory without a holder file is
 * one being set up (mkdir, then the file) or left by a run killed in between: stale once older than staleMs.
 */
function staleness(lock: string, timings: LockTimings): { reason: string; token: string | undefined } | undefined {
  const now = Date.now();
  const read = readHolder(lock);
  if (read === undefined) {
    const made = fs.statSync(lock, { throwIfNoEntry: false });
    if (made === undefined || now - made.mtimeMs <= timings.staleMs) return undefined;
    return { reason: `no holder named for ${Math.round(now - made.mtimeMs)} ms`, token: undefined };
  }
  const { holder, beatAt } = read;
  if (!alive(holder.pid)) return { reason: `holder pid ${holder.pid} is gone`, token: holder.token };
  if (now - beatAt > timings.staleMs)
    return { reason: `holder pid ${holder.pid} last beat ${Math.round(now - beatAt)} ms ago`, token: holder.token };
  return undefined;
}

/**
 * Removes a stale lock: renamed aside first, so only one of several waiters that judged it stale removes it, and
 * only when it is still the lock judged (same holder token): another waiter may have broken it and taken a new one
 * in the meantime. The check and the rename are two steps, so that window is narrowed, not closed.
 */
function breakLock(lock: string, judgedToken: string | undefined): void {
  if (readHolder(lock)?.holder.token !== judgedToken) return;
  const aside = `${lock}.stale-${process.pid}-${randomUUID()}`;
  try {
    fs.renameSync(lock, aside);
  } catch {
    return; // another waiter got there first
  }
  fs.rmSync(aside, { recursive: true, force: true });
}

/**
 * Touches the holder file every heartbeatMs from a thread of its own: the holder's main thread is blocked in the
 * build (spawnSync) and runs no timers. Stops once the file names another holder (the lock was broken).
 */
const HEARTBEAT = `
const fs = require('node:fs');
const { workerData } = require('node:worker_threads');
setInterval(() => {
  try {
    if (JSON.parse(fs.readFileSync(workerData.file, 'utf8')).token !== workerData.token) process.exit(0);
    const now = new Date();
    fs.utimesSync(workerData.file, now, now);
  } catch {
    process.exit(0);
  }
}, workerData.heartbeatMs);
`;

function startHeartbeat(file: string, token: string, heartbeatMs: number): Worker {
  const worker = new Worker(HEARTBEAT, { eval: true, workerData: { file, token, heartbeatMs } });
  worker.unref();
  return worker;
}

/**
 * Runs `work` holding the lock directory `lock`, waiting while another process holds it. The holder names itself
 * (pid, token) in the lock and beats while it works; a waiter breaks the lock only when that pid is gone or the
 * beat is older than staleMs, never by the lock's age alone: a build under load may take longer than any fixed age,
 * and breaking a live lock let a second test file build over a running build.
 */
export function withBuildLock<T>(lock: string, work: () => T, timings: LockTimings = BUILD_LOCK_TIMINGS): T {
  const deadline = Date.now() + timings.maxWaitMs;
  const token = randomUUID();
  const holderFile = path.join(lock, HOLDER_FILE);
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(holderFile, JSON.stringify({ pid: process.pid, token } satisfies Holder));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (Date.now() > deadline) {
        const read = readHolder(lock);
        throw new Error(
          `native-shim build lock ${lock} held for ${timings.maxWaitMs} ms` +
            (read ? ` by pid ${read.holder.pid}, still building` : ''),
        );
      }
      const stale = staleness(lock, timings);
      if (stale !== undefined) breakLock(lock, stale.token);
      else sleep(timings.pollMs);
    }
  }
  const heartbeat = startHeartbeat(holderFile, token, timings.heartbeatMs);
  try {
    return work();
  } finally {
    void heartbeat.terminate();
    // A lock broken while this holder hung is another's now: left alone.
    if (readHolder(lock)?.holder.token === token) fs.rmSync(lock, { recursive: true, force: true });
  }
}
