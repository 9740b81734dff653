/**
 * The library worker's job (started by packing-worker.ts once the thread's priority is lowered): it receives a
 * library for activation: it downloads it (or takes a pushed one's chunks, or
 * merges a delta into the stored parent), writes it to the staging file, and hashes, parses, checks and packs every
 * line into transferable buffers (rules-cache's packed library). It also reads a stored version's library image in
 * place of its library file, and writes one (library-image-file.ts). It runs at the lowest CPU priority the system
 * grants a thread, so on a busy workstation it takes the CPU the sidecar and the doctor's programs leave over, and it
 * rests while the sidecar's own thread is busy with requests (restPolicy); that thread only receives the finished
 * buffers.
 */
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { type MessagePort, workerData } from 'node:worker_threads';
import {
  BundleError,
  LibraryImageError,
  LibraryReader,
  libraryImage,
  ParentFileMerge,
  type ParsedDelta,
  packedLibraryBuffers,
} from '@prealert/rules-cache';
import { readImageFileSync, writeImageFileSync } from './library-image-file';
import {
  type DownloadLimits,
  type FromPacker,
  LOAD_SEQUENCE,
  LOAD_STAMP,
  LOAD_UTILIZATION,
  PACKER_PROTOCOL,
  type PackerFailure,
  type PackerOptions,
  type ToPacker,
  type WorkerRest,
} from './packing-protocol';

const FILE_READ_BYTES = 1 << 20;
/** Work between two looks at the clock (the duty cycle below): a few library lines. */
const PIECE_BYTES = 64 * 1024;

function failureOf(error: unknown): PackerFailure {
  const e = error as Partial<BundleError> & Error;
  const failure: PackerFailure = { name: e?.name ?? 'Error', message: e?.message ?? String(error) };
  const systemCode = (error as NodeJS.ErrnoException | undefined)?.code;
  if (error instanceof BundleError) {
    failure.code = error.code;
    if (error.where) failure.where = error.where;
  } else if (error instanceof LibraryImageError) {
    failure.code = error.problem;
    failure.where = error.file;
  } else if (typeof systemCode === 'string') {
    // A system error's code (ENOSPC: the disk is full) tells IT what to do about it.
    failure.code = systemCode;
  }
  return failure;
}

/** The staging file, written synchronously: this thread has nothing else to do meanwhile. */
class StagingFile {
  private fd: number | undefined;

  constructor(private readonly file: string | undefined) {}

  write(bytes: Uint8Array): void {
    if (this.file === undefined) return;
    this.fd ??= fs.openSync(this.file, 'w', 0o600);
    let offset = 0;
    while (offset < bytes.byteLength) offset += fs.writeSync(this.fd, bytes, offset);
  }

  /** Closes the file (created empty if nothing was written); main fsyncs it when it finishes the staging. */
  close(): void {
    if (this.file === undefined) return;
    this.fd ??= fs.openSync(this.file, 'w', 0o600);
    fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * While the request thread's event loop was busier than this over the latest sample, the worker rests. Under a
 * saturating load the request thread is near 1000; an idle sidecar's is a few per mille (the sampling itself).
 */
const BUSY_PER_MILLE = 500;
/**
 * A sample this old means the request thread has been inside one task since (a long synchronous job, or starved of
 * the CPU): as busy as can be, though its last sample cannot say so. Samples come every LOAD_SAMPLE_MS (5) when
 * its loop turns; a request being answered delays one by a few ms, and where the system timer ticks every
 * 15.6 ms (Windows by default) a 5 ms interval fires only that often: an idle sidecar's samples must not read as
 * stale there.
 */
const STALE_MS = 50;
/**
 * The longest rest after a slice of work, fixed and for a busy request thread together (unless the fixed rest is
 * longer). The worker thus works at least sliceMs in every sliceMs + MAX_REST_MS: at most 5 times its idle time
 * under a load that never lets up (a 200k-point library's 2–3 s become 10–15 s). 8 ms per 2 ms slice is the rest
 * measured to keep the request thread's p99 during an activation within 1.1 times its steady value.
 */
const MAX_REST_MS = 8;

/**
 * When the worker rests, looked at after every piece of work (the clock is cheap next to 64 KiB of parsing):
 * - after each `sliceMs` of work it sleeps `fixedRestMs`, a duty cycle that leaves the CPU to requests and to the
 *   doctor's programs where a thread's priority cannot be lowered (Windows) or a configuration asks for it;
 * - then, while the request thread is busy (`load`, see main-thread-load), it rests on, up to MAX_REST_MS after the
 *   slice in all: a low priority alone does not keep it from slowing requests, but resting whether or not anyone
 *   is waiting would make every activation several times slower on an idle workstation.
 */
function restPolicy(sliceMs: number, fixedRestMs: number, load: Int32Array | undefined) {
  const sleepCell = new Int32Array(new SharedArrayBuffer(4));
  const maxRestMs = Math.max(fixedRestMs, MAX_REST_MS);
  const rested: WorkerRest = { slices: 0, fixedMs: 0, busyMs: 0 };
  const busy = (cells: Int32Array) => {
    // Both stamps are Date.now() truncated to 32 bits; their difference modulo 2^32 is the age.
    const age = (Date.now() - Atomics.load(cells, LOAD_STAMP)) | 0;
    return age > STALE_MS || Atomics.load(cells, LOAD_UTILIZATION) > BUSY_PER_MILLE;
  };
  // Time this thread's event loop spent waiting for bytes (a download's next chunk, a push's) is no work: it must
  // not cut the next slice short. Its loop's idle time counts exactly that, and not the synchronous reads and merge.
  const idleMs = () => performance.eventLoopUtilization().idle;
  let sliceStart = performance.now();
  let idleAtStart = idleMs();
  const rest = () => {
    const sliceEnd = performance.now();
    if (sliceEnd - sliceStart - (idleMs() - idleAtStart) < sliceMs) return;
    rested.slices++;
    let now = sliceEnd;
    if (fixedRestMs > 0) {
      Atomics.wait(sleepCell, 0, 0, fixedRestMs);
      now = performance.now();
      rested.fixedMs += now - sliceEnd;
    }
    if (load) {
      const from = now;
      const until = sliceEnd + maxRestMs;
      for (;;) {
        // Read before looking, so a sample published meanwhile ends the wait at once (a futex's usual order).
        const sequence = Atomics.load(load, LOAD_SEQUENCE);
        if (now >= until || !busy(load)) break;
        Atomics.wait(load, LOAD_SEQUENCE, sequence, until - now);
        now = performance.now();
      }
      rested.busyMs += now - from;
    }
    sliceStart = now;
    idleAtStart = idleMs();
  };
  const report = (): WorkerRest => ({
    slices: rested.slices,
    fixedMs: Math.round(rested.fixedMs),
    busyMs: Math.round(rested.busyMs),
  });
  return { rest, report };
}

/** Runs the packer on this worker thread; `priority` is what the entry (packing-worker.ts) did to the thread. */
export function runPacker(port: MessagePort, priority: { lowPriority: boolean; tid?: number }): void {
  const lowPriority = priority.lowPriority;
  const options = workerData as PackerOptions;
  // Shared, not transferred: see LibraryReader's shared option (a transfer costs the request thread collections).
  const reader = new LibraryReader(options.file, options.maxBytes, { packed: true, shared: true });
  const staging = new StagingFile(options.stagingFile);
  const send = (message: FromPacker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
  // Where the thread keeps the normal priority, it works at most half the time unless configured otherwise: the
  // request thread's load says nothing of the other programs it then competes with on equal terms.
  const { rest, report } = restPolicy(
    options.sliceMs,
    options.restMs > 0 || lowPriority ? options.restMs : options.sliceMs,
    options.mainThreadLoad ? new Int32Array(options.mainThreadLoad) : undefined,
  );
  const take = (bytes: Uint8Array) => {
    for (let offset = 0; offset < bytes.byteLength; offset += PIECE_BYTES) {
      const piece = bytes.subarray(offset, offset + PIECE_BYTES);
      staging.write(piece);
      reader.write(piece);
      rest();
    }
  };
  let failed = false;
  const fail = (error: unknown) => {
    failed = true;
    send({ type: 'failed', error: failureOf(error) });
  };
  const finish = () => {
    staging.close();
    const result = reader.endPacked();
    send({ type: 'done', result, rest: report() }, packedLibraryBuffers(result.packed));
  };
  port.on('message', (message: ToPacker) => {
    if (failed) return;
    try {
      switch (message.type) {
        case 'chunk':
          take(message.bytes);
          send({ type: 'ack', bytes: message.bytes.byteLength });
          break;
        case 'download':
          // Loaded only here: undici is a third of the worker's start-up, and restoring last-good never needs it.
          void download(message.url, message.limits, take).then(
            () => send({ type: 'received', bytes: reader.bytes }),
            fail,
          );
          break;
        case 'delta':
          mergeDelta(message.parentFile, message.delta, take);
          send({ type: 'received', bytes: reader.bytes });
          break;
        case 'file':
          readWholeFile(message.path, take);
          finish();
          break;
        case 'image': {
          // Shared, as a packed library read from the file is: the request thread takes the arrays as they are.
          const result = readImageFileSync(message.path, message.key, message.sha256, rest, true);
          send({ type: 'done', result, rest: report() }, packedLibraryBuffers(result.packed));
          break;
        }
        case 'write-image': {
          const bytes = writeImageFileSync(message.path, libraryImage(message.read, message.key), rest);
          send({ type: 'image-written', bytes, rest: report() });
          break;
        }
        case 'end':
          finish();
      }
    } catch (error) {
      fail(error);
    }
  });
  send({ type: 'ready', protocol: PACKER_PROTOCOL, ...priority });
}

/**
 * mergeDeltaFile with the parent read synchronously on this thread: its reads then run at this thread's low priority,
 * not on the process's shared thread pool at normal priority (2,000 reads of a 100 MB parent, each a copy).
 */
function mergeDelta(parentFile: string, delta: ParsedDelta, take: (bytes: Uint8Array) => void): void {
  const merge = new ParentFileMerge(parentFile, delta);
  const flush = () => {
    const bytes = merge.take();
    if (bytes) take(bytes);
  };
  readWholeFile(parentFile, (chunk) => {
    merge.write(chunk);
    flush();
  });
  merge.end();
  flush();
}

async function download(url: string, limits: DownloadLimits, take: (bytes: Uint8Array) => void): Promise<void> {
  const [{ Agent }, { streamFile }] = await Promise.all([import('undici'), import('./bundle-fetch')]);
  const agent = new Agent({ connections: 1 });
  try {
    await streamFile(agent, url, limits, take);
  } finally {
    await agent.close();
  }
}

function readWholeFile(file: string, onChunk: (chunk: Uint8Array) => void): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    throw new BundleError(`cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, 'io', file);
  }
  try {
    for (;;) {
      // A fresh block each time: the reader keeps a view of a line cut off at the end of a block.
      const buffer = Buffer.allocUnsafe(FILE_READ_BYTES);
      let n: number;
      try {
        n = fs.readSync(fd, buffer, 0, buffer.length, null);
      } catch (error) {
        throw new BundleError(`cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, 'io', file);
      }
      if (n === 0) break;
      onChunk(buffer.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
}
