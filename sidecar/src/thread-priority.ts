import fs from 'node:fs';
import os from 'node:os';

/**
 * Lowers the calling thread's priority to the lowest (nice 19), for a worker whose work may wait while requests
 * run. Linux gives each thread its own nice value, and a thread may lower its own priority without privileges.
 * Elsewhere (Windows sets priority per process) the worker keeps the normal priority: a whole-process change would
 * slow the requests it is meant to spare.
 */
export function lowerOwnPriority(): { lowPriority: boolean; tid?: number } {
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
