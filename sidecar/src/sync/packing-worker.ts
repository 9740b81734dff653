/**
 * The worker thread that receives a library for activation: it downloads it (or takes a pushed one's chunks, or
 * merges a delta into the stored parent), writes it to the staging file, and hashes, parses, checks and packs every
 * line into transferable buffers (rules-cache's packed library). It runs at the lowest CPU priority the system
 * grants a thread, so on a busy workstation it takes the CPU the sidecar and the doctor's programs leave over; the
 * sidecar's own thread only receives the finished buffers.
 */
import fs from 'node:fs';
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import {
  BundleError,
  LibraryReader,
  ParentFileMerge,
  type ParsedDelta,
  packedLibraryBuffers,
} from '@prealert/rules-cache';
import {
  type DownloadLimits,
  type FromPacker,
  PACKER_PROTOCOL,
  type PackerFailure,
  type PackerOptions,
  type ToPacker,
} from './packing-protocol';

const FILE_READ_BYTES = 1 << 20;
/** Work between two looks at the clock (the duty cycle below): a few library lines. */
const PIECE_BYTES = 64 * 1024;

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

function failureOf(error: unknown): PackerFailure {
  const e = error as Partial<BundleError> & Error;
  return {
    name: e?.name ?? 'Error',
    message: e?.message ?? String(error),
    ...(error instanceof BundleError ? { code: error.code, ...(error.where ? { where: error.where } : {}) } : {}),
  };
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
 * A duty cycle for the worker: after `sliceMs` of work it sleeps `restMs`, leaving the CPU to requests even where
 * a thread's priority cannot be lowered (Windows) and where the system's scheduler lets a low-priority thread run on.
 */
function dutyCycle(sliceMs: number, restMs: number): () => void {
  if (restMs <= 0) return () => undefined;
  const cell = new Int32Array(new SharedArrayBuffer(4));
  let sliceStart = performance.now();
  return () => {
    if (performance.now() - sliceStart < sliceMs) return;
    Atomics.wait(cell, 0, 0, restMs);
    sliceStart = performance.now();
  };
}

function main(port: NonNullable<typeof parentPort>): void {
  const priority = lowerOwnPriority();
  const lowPriority = priority.lowPriority;
  const options = workerData as PackerOptions;
  const reader = new LibraryReader(options.file, options.maxBytes, { packed: true });
  const staging = new StagingFile(options.stagingFile);
  const send = (message: FromPacker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
  // Where the thread keeps the normal priority, it works at most half the time unless configured otherwise.
  const rest = dutyCycle(options.sliceMs, options.restMs > 0 || lowPriority ? options.restMs : options.sliceMs);
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
    send({ type: 'done', result }, packedLibraryBuffers(result.packed));
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

if (parentPort) main(parentPort);
