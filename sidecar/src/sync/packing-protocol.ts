import type { PackedReadResult, ParsedDelta } from '@prealert/rules-cache';

/** Limits of one download (see bundle-fetch's streamFile). */
export interface DownloadLimits {
  maxBytes: number;
  timeoutMs: number;
  deadlineMs: number;
}

/** What the library-sync thread sends the packing worker. */
export type ToPacker =
  /** The next bytes of the library file (a pushed bundle), transferred. */
  | { type: 'chunk'; bytes: Uint8Array }
  /** Download the library file from the platform; answered by 'received'. */
  | { type: 'download'; url: string; limits: DownloadLimits }
  /** Merge the stored parent library with the delta into the library's bytes; answered by 'received'. */
  | { type: 'delta'; parentFile: string; delta: ParsedDelta }
  /** Read this file from disk as the whole library (a stored last-good), then end. */
  | { type: 'file'; path: string }
  /** Read a stored version's library image (library-image-file.ts) in place of its library file; answered by 'done'. */
  | { type: 'image'; path: string; key: Uint8Array; sha256: string }
  /** Write the image of a library read before (its arrays shared, not copied); answered by 'image-written'. */
  | { type: 'write-image'; path: string; key: Uint8Array; read: PackedReadResult }
  | { type: 'end' };

/** A failure inside the worker, as plain data: the error's kind, code and where survive the thread boundary. */
export interface PackerFailure {
  name: string;
  message: string;
  code?: string;
  where?: string;
}

/**
 * Bumped whenever these messages change: a worker file from another build (a stale dist while developing) says a
 * different number in 'ready' and is not used.
 */
export const PACKER_PROTOCOL = 4;

/** What the packing worker answers. */
export type FromPacker =
  /** Started; `lowPriority`: its thread's priority was lowered (else it keeps a duty cycle by default). */
  | { type: 'ready'; protocol: number; lowPriority: boolean; tid?: number }
  /** `bytes` more of the library have been read (flow control: the sender keeps a bounded amount in flight). */
  | { type: 'ack'; bytes: number }
  /** A download or a delta merge is complete: `bytes` of library were read. */
  | { type: 'received'; bytes: number }
  | { type: 'done'; result: PackedReadResult; rest: WorkerRest }
  /** The image asked for is written: `bytes` long. */
  | { type: 'image-written'; bytes: number; rest: WorkerRest }
  | { type: 'failed'; error: PackerFailure };

export interface PackerOptions {
  /** The file name errors are reported against (the bundle's library file). */
  file: string;
  /** The size the signed manifest gives: more bytes than that is refused as they arrive. */
  maxBytes: number;
  /** Where the received library's bytes are written (the staging file); none when reading a stored file. */
  stagingFile?: string;
  /** After each `sliceMs` of work the worker rests this long (PREALERT_SYNC_ACTIVATION_REST_MS); 0: never. */
  restMs: number;
  sliceMs: number;
  /** The serving threads' load (main-thread-load): while one is busy the worker rests longer; none: never. */
  mainThreadLoad?: SharedArrayBuffer;
}

/** How long the worker rested, for the activation report: the fixed duty cycle, and for a busy request thread. */
export interface WorkerRest {
  /** Slices of work that ended in a look at whether to rest. */
  slices: number;
  /** Rested for the fixed duty cycle (PREALERT_SYNC_ACTIVATION_REST_MS, or its default at normal priority), ms. */
  fixedMs: number;
  /** Rested on because the request thread was busy, ms. */
  busyMs: number;
}

/**
 * The cells of `mainThreadLoad` (an Int32Array): the request thread writes a sample every few ms, the worker reads
 * them. SEQUENCE counts samples (the worker waits on it, and each sample wakes it); STAMP is the sample's
 * `Date.now()` truncated to 32 bits (an age is the difference, modulo 2^32: no shared epoch needed); UTILIZATION is
 * the event loop's utilization since the previous sample, per mille.
 */
export const LOAD_SEQUENCE = 0;
export const LOAD_STAMP = 1;
export const LOAD_UTILIZATION = 2;
export const LOAD_CELLS = 3;
