/**
 * The library worker's entry. It lowers its own thread's priority first and only then loads the packer
 * (packing-job.ts and rules-cache): loading and compiling those modules is most of the thread's start-up (about
 * 50–80 ms of its 70–110 ms here), and at normal priority it competed with requests at the start of every
 * activation.
 */
import fs from 'node:fs';
import os from 'node:os';
import { parentPort } from 'node:worker_threads';

/**
 * Linux gives each thread its own nice value, and a thread may lower its own priority without privileges. Elsewhere
 * (Windows sets priority per process) the worker keeps the normal priority: a whole-process change would slow
 * the requests it is meant to spare.
 */
function lowerOwnPriority(): { lowPriority: boolean; tid?: number } {
  if (process.platform !== 'linux') return { lowPriority: false };
  try {
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return { lowPriority: false };
    os.setPriority(tid, os.constants.priority.PRIORITY_LOW);
    return { lowPriority: true, tid };
  } catch {
    // No /proc (a container without it) or not permitted: run at normal priority.
    return { lowPriority: false };
  }
}

if (parentPort) {
  const port = parentPort;
  const priority = lowerOwnPriority();
  const { runPacker } = await import('./packing-job');
  runPacker(port, priority);
}
