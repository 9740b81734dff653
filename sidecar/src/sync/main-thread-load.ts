/**
 * How busy the threads that answer requests are, published for the library worker. Even at nice 19 a worker packing
 * a library slows the requests on a loaded two-core workstation (it competes for caches and memory bandwidth, not
 * for turns on the CPU), so the worker rests while the request thread or the analysis thread is busy and works at
 * full speed while both are idle. The worker cannot measure their event loops itself: the request thread samples
 * its own and the analysis thread's and writes the busier one to shared memory.
 */
import { type EventLoopUtilization, performance } from 'node:perf_hooks';
import { LOAD_CELLS, LOAD_SEQUENCE, LOAD_STAMP, LOAD_UTILIZATION } from './packing-protocol';

/**
 * Between two samples. Short, because the worker acts on the latest one; one sample is a few microseconds, and it
 * runs only while a library is being packed.
 */
export const LOAD_SAMPLE_MS = 5;

/** A hold on the samples: the buffer to give the worker, and the release once the worker is done. */
export interface MainThreadLoadWatch {
  readonly buffer: SharedArrayBuffer;
  /** Idempotent. The sampling stops when the last hold is released. */
  release(): void;
}

/** One sampler for the process, however many packers are open: they all ask about the same thread. */
let holds = 0;
let cells: Int32Array | undefined;
let timer: NodeJS.Timeout | undefined;
let previous: EventLoopUtilization | undefined;

/** Another thread answering requests (the analysis thread), as its parent sees its event loop. */
interface ServingThread {
  utilization: () => EventLoopUtilization;
  previous: EventLoopUtilization;
}
const servingThreads = new Set<ServingThread>();

/**
 * Counts another thread's event loop in (e.g. `worker.performance.eventLoopUtilization`) until the returned
 * function is called.
 */
export function watchServingThread(utilization: () => EventLoopUtilization): () => void {
  const thread: ServingThread = { utilization, previous: utilization() };
  servingThreads.add(thread);
  return () => servingThreads.delete(thread);
}

function busy(now: EventLoopUtilization, before: EventLoopUtilization): number {
  const active = now.active - before.active;
  const total = active + (now.idle - before.idle);
  return total > 0 ? active / total : 0;
}

function publish(into: Int32Array, perMille: number): void {
  Atomics.store(into, LOAD_UTILIZATION, perMille);
  Atomics.store(into, LOAD_STAMP, Date.now() | 0);
  Atomics.add(into, LOAD_SEQUENCE, 1);
  // A resting worker waits on the sequence: it looks again at once rather than at the end of its rest.
  Atomics.notify(into, LOAD_SEQUENCE);
}

function sample(): void {
  if (!cells || !previous) return;
  const now = performance.eventLoopUtilization();
  let utilization = busy(now, previous);
  previous = now;
  for (const thread of servingThreads) {
    const current = thread.utilization();
    utilization = Math.max(utilization, busy(current, thread.previous));
    thread.previous = current;
  }
  publish(cells, Math.round(utilization * 1000));
}

/**
 * Starts sampling this thread's event loop (if no packer already does) until released. Must be called on the
 * thread that answers requests. The timer is unref'd: it never keeps the process alive by itself.
 */
export function watchMainThreadLoad(): MainThreadLoadWatch {
  if (holds === 0 || !cells) {
    cells = new Int32Array(new SharedArrayBuffer(LOAD_CELLS * Int32Array.BYTES_PER_ELEMENT));
    previous = performance.eventLoopUtilization();
    for (const thread of servingThreads) thread.previous = thread.utilization();
    // Fresh from the start: an old stamp would read as a thread stuck in a long task.
    publish(cells, 0);
    timer = setInterval(sample, LOAD_SAMPLE_MS);
    timer.unref();
  }
  holds++;
  const buffer = cells.buffer as SharedArrayBuffer;
  let released = false;
  return {
    buffer,
    release() {
      if (released) return;
      released = true;
      holds--;
      if (holds > 0) return;
      clearInterval(timer);
      timer = undefined;
      cells = undefined;
      previous = undefined;
    },
  };
}

/** Whether this thread is sampling now (for tests: no timer left behind once every packer is closed). */
export function watchingMainThreadLoad(): boolean {
  return timer !== undefined;
}
