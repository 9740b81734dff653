// A test build that holds the shim's build lock: `node --import tsx lock-holder.ts <lock> <journal> <holdMs>
// <timings JSON>`. It blocks its main thread while holding, as buildShim does in spawnSync, and notes in the journal
// when it took the lock and when it let go.
import fs from 'node:fs';
import { type LockTimings, withBuildLock } from './build-lock';

const [lock, journal, holdMs, timings] = process.argv.slice(2);
if (!lock || !journal || !holdMs || !timings)
  throw new Error('usage: lock-holder.ts <lock> <journal> <holdMs> <timings>');
withBuildLock(
  lock,
  () => {
    fs.appendFileSync(journal, `held ${process.pid}\n`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(holdMs));
    fs.appendFileSync(journal, `released ${process.pid}\n`);
  },
  JSON.parse(timings) as LockTimings,
);
