import fs from 'node:fs';

export interface LockTimings {
  /** A lock older than this is taken as left by a killed run and removed. */
  staleMs: number;
  /** How often a waiter looks again. */
  pollMs: number;
  /** A waiter gives up after this long. */
  maxWaitMs: number;
}

export const BUILD_LOCK_TIMINGS: LockTimings = { staleMs: 180_000, pollMs: 200, maxWaitMs: 180_000 };

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Runs `work` holding the lock directory `lock`, waiting while another process holds it. */
export function withBuildLock<T>(lock: string, work: () => T, timings: LockTimings = BUILD_LOCK_TIMINGS): T {
  const deadline = Date.now() + timings.maxWaitMs;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`native-shim build lock ${lock} held for ${timings.maxWaitMs} ms`);
      // A lock left by a killed run is stale after staleMs.
      const held = fs.statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > timings.staleMs) fs.rmSync(lock, { recursive: true, force: true });
      sleep(timings.pollMs);
    }
  }
  try {
    return work();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}
