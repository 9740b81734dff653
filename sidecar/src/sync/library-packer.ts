import { Worker } from 'node:worker_threads';
import {
  BundleError,
  type BundleErrorCode,
  LibraryImageError,
  type LibraryImageProblem,
  LibraryReader,
  libraryImage,
  mergeDeltaFile,
  type PackedReadResult,
  type ParsedDelta,
  readFileChunks,
  type Slicer,
} from '@prealert/rules-cache';
import type { Agent } from 'undici';
import type { Logger } from '../logging';
import { wantedWorkerScript } from '../worker-start';
import { FetchError, streamFile } from './bundle-fetch';
import type { Staging } from './last-good-store';
import { readImageFile, writeImageFile } from './library-image-file';
import { type MainThreadLoadWatch, watchMainThreadLoad } from './main-thread-load';
import {
  type DownloadLimits,
  type FromPacker,
  PACKER_PROTOCOL,
  type PackerFailure,
  type PackerOptions,
  type ToPacker,
  type WorkerRest,
} from './packing-protocol';

/**
 * Receives a library for activation — downloaded, pushed chunk by chunk, merged from a delta, or read back from the
 * store — writing it to its staging file and reading it into a packed library (rules-cache). A worker thread does
 * all of that where one can be started, so the sidecar's own thread handles none of a 100 MB library's bytes;
 * otherwise it runs here, in slices between requests.
 */
export interface LibraryPacker {
  /** Where the work runs, for the activation report and logs. */
  readonly where: 'worker' | 'in-thread';
  /** Linux: the worker's thread id, whose priority it lowered (so a test can see the nice value). */
  readonly lowPriorityThread?: number;
  /** Once the library is packed on a worker: how long the worker rested (its duty cycle, and for busy requests). */
  readonly rest: WorkerRest | undefined;
  /** The next bytes of a library arriving from elsewhere (a pushed bundle). */
  write(chunk: Uint8Array): Promise<void>;
  /** Downloads the library file; resolves with the bytes received. */
  download(url: string, limits: DownloadLimits): Promise<number>;
  /** The library as the stored parent file merged with a delta; resolves with the library's size. */
  mergeDelta(parentFile: string, delta: ParsedDelta): Promise<number>;
  /** After write/download/mergeDelta: the library's digest (to check against the manifest) and the packed library. */
  end(): Promise<PackedReadResult>;
  /** A stored library file, in place of all the above. */
  readFile(path: string): Promise<PackedReadResult>;
  /**
   * A stored version's library image in place of its library file: rejects with a LibraryImageError when it is
   * missing, cut off, of another format or library, or not written with `key` (library-image-file.ts).
   */
  readImage(path: string, key: Uint8Array, sha256: string): Promise<PackedReadResult>;
  /** Writes the image of a library read before (by any packer) to `path`; resolves with its size. */
  writeImage(path: string, key: Uint8Array, read: PackedReadResult): Promise<number>;
  /** Stops the work (on failure); resolves once it has stopped writing. Idempotent. */
  close(): Promise<void>;
}

/** Bytes sent to the worker and not yet read by it: bounds the memory a push can queue ahead of a slow worker. */
const IN_FLIGHT_BYTES = 4 << 20;
/** In-thread: bytes parsed (JSON, checks, hashes) between two pauses, about 25 library lines, well under a millisecond. */
const PIECE_BYTES = 16 * 1024;
/** Stored files are read in blocks this big: each read is a round trip to the thread pool, costly in the thousands. */
const READ_BYTES = 256 * 1024;
/** A worker not started by then is given up for this activation (it runs on this thread instead). */
const START_TIMEOUT_MS = 10_000;

/** The error the worker reported, as the class the rest of sync words its status with. */
function errorOf(failure: PackerFailure): Error {
  if (failure.name === 'FetchError') return new FetchError(failure.message);
  if (failure.name === 'LibraryImageError' && failure.code && failure.where) {
    const prefix = `${failure.where}: `;
    const inner = failure.message.startsWith(prefix) ? failure.message.slice(prefix.length) : failure.message;
    return new LibraryImageError(inner, failure.code as LibraryImageProblem, failure.where);
  }
  if (failure.name !== 'BundleError' || !failure.code) {
    return Object.assign(new Error(failure.message), failure.code ? { code: failure.code } : {});
  }
  const prefix = failure.where ? `${failure.where}: ` : '';
  const inner = prefix && failure.message.startsWith(prefix) ? failure.message.slice(prefix.length) : failure.message;
  return new BundleError(inner, failure.code as BundleErrorCode, failure.where);
}

type Waiter<T> = { resolve: (value: T) => void; reject: (error: Error) => void };

class WorkerPacker implements LibraryPacker {
  readonly where = 'worker' as const;
  private inFlight = 0;
  private failure: Error | undefined;
  private drained: (() => void) | undefined;
  private received: Waiter<number> | undefined;
  private finished: Waiter<PackedReadResult> | undefined;
  private imageWritten: Waiter<number> | undefined;
  private closed = false;
  private stopped: Promise<void> = Promise.resolve();
  private rested: WorkerRest | undefined;

  constructor(
    private readonly worker: Worker,
    readonly lowPriorityThread: number | undefined,
    private readonly load: MainThreadLoadWatch,
  ) {
    worker.on('message', (message: FromPacker) => this.receive(message));
    worker.on('error', (error) => this.fail(new Error(`library worker: ${error.message}`)));
    worker.on('exit', (code) => {
      if (!this.closed) this.fail(new Error(`library worker stopped (exit code ${code})`));
    });
  }

  private receive(message: FromPacker): void {
    switch (message.type) {
      case 'ack':
        this.inFlight -= message.bytes;
        if (this.inFlight <= IN_FLIGHT_BYTES) this.wakeWriter();
        break;
      case 'received': {
        const waiter = this.received;
        this.received = undefined;
        waiter?.resolve(message.bytes);
        break;
      }
      case 'done': {
        this.rested = message.rest;
        const waiter = this.finished;
        this.finished = undefined;
        waiter?.resolve(message.result);
        // Done: nothing waits any more, so closing rejects nobody.
        this.failure ??= new Error('library worker finished');
        void this.close();
        break;
      }
      case 'image-written': {
        this.rested = message.rest;
        const waiter = this.imageWritten;
        this.imageWritten = undefined;
        waiter?.resolve(message.bytes);
        this.failure ??= new Error('library worker finished');
        void this.close();
        break;
      }
      case 'failed':
        this.fail(errorOf(message.error));
    }
  }

  get rest(): WorkerRest | undefined {
    return this.rested;
  }

  private wakeWriter(): void {
    const wake = this.drained;
    this.drained = undefined;
    wake?.();
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.wakeWriter();
    for (const waiter of [this.received, this.finished, this.imageWritten]) waiter?.reject(error);
    this.received = undefined;
    this.finished = undefined;
    this.imageWritten = undefined;
    if (!this.closed) void this.close();
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.failure) throw this.failure;
    // A copy of its own, transferred: the chunk's memory may be a pool shared with other buffers.
    const bytes = new Uint8Array(chunk);
    this.inFlight += bytes.byteLength;
    this.worker.postMessage({ type: 'chunk', bytes } satisfies ToPacker, [bytes.buffer as ArrayBuffer]);
    if (this.inFlight > IN_FLIGHT_BYTES) await new Promise<void>((resolve) => (this.drained = resolve));
    if (this.failure) throw this.failure;
  }

  download(url: string, limits: DownloadLimits): Promise<number> {
    return this.ask({ type: 'download', url, limits }, (waiter) => (this.received = waiter));
  }

  mergeDelta(parentFile: string, delta: ParsedDelta): Promise<number> {
    return this.ask({ type: 'delta', parentFile, delta }, (waiter) => (this.received = waiter));
  }

  end(): Promise<PackedReadResult> {
    return this.ask({ type: 'end' }, (waiter) => (this.finished = waiter));
  }

  readFile(path: string): Promise<PackedReadResult> {
    return this.ask({ type: 'file', path }, (waiter) => (this.finished = waiter));
  }

  readImage(path: string, key: Uint8Array, sha256: string): Promise<PackedReadResult> {
    return this.ask({ type: 'image', path, key, sha256 }, (waiter) => (this.finished = waiter));
  }

  writeImage(path: string, key: Uint8Array, read: PackedReadResult): Promise<number> {
    // The arrays are SharedArrayBuffers where a worker read the library: the worker writes them from where they are.
    return this.ask({ type: 'write-image', path, key, read }, (waiter) => (this.imageWritten = waiter));
  }

  private ask<T>(message: ToPacker, wait: (waiter: Waiter<T>) => void): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      wait({ resolve, reject });
      this.worker.postMessage(message);
    });
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      // Whoever still waits (an unfinished activation being abandoned) hears so, rather than waiting for ever.
      if (!this.failure) this.fail(new Error('library worker closed'));
      this.load.release();
      this.stopped = this.worker.terminate().then(() => undefined);
    }
    return this.stopped;
  }
}

/** The same work on this thread, pausing between pieces: what runs when no worker can be started. */
class InThreadPacker implements LibraryPacker {
  readonly where = 'in-thread' as const;
  readonly rest = undefined;
  private readonly reader: LibraryReader;

  constructor(
    options: PackerOptions,
    private readonly slicer: Slicer,
    private readonly staging: Staging | undefined,
    private readonly agent: Agent | undefined,
  ) {
    this.reader = new LibraryReader(options.file, options.maxBytes, { packed: true });
  }

  async write(chunk: Uint8Array): Promise<void> {
    for (let offset = 0; offset < chunk.byteLength; offset += PIECE_BYTES) {
      this.reader.write(chunk.subarray(offset, offset + PIECE_BYTES));
      await this.slicer.pause();
    }
    await this.staging?.write(chunk);
  }

  async download(url: string, limits: DownloadLimits): Promise<number> {
    if (!this.agent) throw new Error('no HTTP agent to download with');
    await streamFile(this.agent, url, limits, (chunk) => this.write(chunk));
    return this.reader.bytes;
  }

  async mergeDelta(parentFile: string, delta: ParsedDelta): Promise<number> {
    await mergeDeltaFile(
      parentFile,
      delta,
      (bytes) => this.write(bytes),
      () => this.slicer.pause(),
      {
        readBytes: READ_BYTES,
        pieceBytes: PIECE_BYTES,
      },
    );
    return this.reader.bytes;
  }

  async end(): Promise<PackedReadResult> {
    return this.reader.endPacked();
  }

  async readFile(path: string): Promise<PackedReadResult> {
    await readFileChunks(
      path,
      (chunk) => this.reader.write(chunk),
      () => this.slicer.pause(),
      {
        readBytes: READ_BYTES,
        pieceBytes: PIECE_BYTES,
      },
    );
    return this.reader.endPacked();
  }

  readImage(path: string, key: Uint8Array, sha256: string): Promise<PackedReadResult> {
    return readImageFile(path, key, sha256, () => this.slicer.pause());
  }

  writeImage(path: string, key: Uint8Array, read: PackedReadResult): Promise<number> {
    return writeImageFile(path, libraryImage(read, key), () => this.slicer.pause());
  }

  async close(): Promise<void> {}
}

export interface OpenPackerOptions {
  file: string;
  maxBytes: number;
  slicer: Slicer;
  logger: Logger;
  /** Where a received library is written (none when reading a stored one). */
  staging?: Staging;
  /** For downloads on this thread. */
  agent?: Agent;
  /** Start a worker (default); false keeps everything on this thread. */
  useWorker?: boolean;
  /**
   * The worker's duty cycle (see packing-worker): work sliceMs, then rest restMs; and while this thread is busy,
   * rest on, up to 8 ms per slice in all.
   */
  sliceMs?: number;
  restMs?: number;
}

/**
 * A packer on a worker thread, or on this one when a worker cannot be started (the worker script missing from a
 * repackaged install, a platform without threads): activation is slower on the sidecar's thread, never refused.
 */
export async function openLibraryPacker(options: OpenPackerOptions): Promise<LibraryPacker> {
  const { slicer, logger, staging, agent, useWorker = true } = options;
  const packer: PackerOptions = {
    file: options.file,
    maxBytes: options.maxBytes,
    sliceMs: options.sliceMs ?? 2,
    restMs: options.restMs ?? 0,
    ...(staging ? { stagingFile: staging.libraryFile } : {}),
  };
  const script = wantedWorkerScript('packing-worker', {
    useWorker,
    logger,
    missing: 'library worker script missing; reading the library on the main thread',
  });
  if (script) {
    let worker: Worker | undefined;
    // Sampled from before the worker starts, so its first look finds a fresh sample; released when it stops.
    const load = watchMainThreadLoad();
    try {
      worker = new Worker(script, { workerData: { ...packer, mainThreadLoad: load.buffer } satisfies PackerOptions });
      const started = worker;
      const ready = await new Promise<Extract<FromPacker, { type: 'ready' }>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not ready within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
        const onExit = (code: number) => reject(new Error(`exited with code ${code}`));
        started
          .once('message', (message: FromPacker) => {
            clearTimeout(timer);
            started.off('error', reject).off('exit', onExit);
            if (message.type === 'ready') resolve(message);
            else reject(new Error(`said ${message.type} before ready`));
          })
          .once('error', reject)
          .once('exit', onExit);
      });
      if (ready.protocol !== PACKER_PROTOCOL) {
        throw new Error(`speaks protocol ${ready.protocol}, not ${PACKER_PROTOCOL} (a worker file from another build)`);
      }
      if (!ready.lowPriority) logger.debug('library worker runs at normal priority, with a duty cycle');
      return new WorkerPacker(started, ready.lowPriority ? ready.tid : undefined, load);
    } catch (error) {
      load.release();
      void worker?.terminate();
      logger.warn({ err: error }, 'library worker could not start; reading the library on the main thread');
    }
  }
  return new InThreadPacker(packer, slicer, staging, agent);
}
