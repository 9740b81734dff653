/**
 * How busy the sidecar's own thread is, published for the library worker. Even at nice 19 a worker packing a library
 * slows the requests on a loaded two-core workstation (it competes for caches and memory bandwidth, not for turns
 * on the CPU), so the worker rests while this thread is busy and works at full speed while it is idle. The worker
 * cannot measure this thread's event loop itself: this thread samples it and writes the samples to shared memory.
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
  publish(cells, Math.round(performance.eventLoopUtilization(now, previous).utilization * 1000));
  previous = now;
}

/**
 * Starts sampling this thread's event loop (if no packer already does) until released. Must be called on the
 * thread that answers requests. The timer is unref'd: it never keeps the process alive by itself.
 */
export function watchMainThreadLoad(): MainThreadLoadWatch {
  if (holds === 0 || !cells) {
    cells = new Int32Array(new SharedArrayBuffer(LOAD_CELLS * Int32Array.BYTES_PER_ELEMENT));
    previous = performance.eventLoopUtilization();
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
