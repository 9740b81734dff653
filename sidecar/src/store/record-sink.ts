import type { Worker } from 'node:worker_threads';
import type { Logger } from '../logging';
import { closeWorker, startWorker, wantedWorkerScript } from '../worker-start';
import type { Db } from './database';
import { type RecordRows, RecordRowWriter, type WriteOutcome } from './record-rows';

/** Bumped whenever a message changes shape: a worker file from another build is then refused. */
export const RECORD_WRITER_PROTOCOL = 2;
/** Writes posted before the close are answered first: a burst of them on a slow disk gets this long. */
const CLOSE_WAIT_MS = 10_000;

export interface RecordWriterOptions {
  /** The records database (the worker opens its own connection to it). */
  file: string;
  /** How long a write waits for a lock another connection holds (a 3103 on the request thread) before it is held. */
  busyTimeoutMs: number;
}

export type ToRecordWriter = { type: 'write'; seq: number; records: RecordRows[] } | { type: 'close' };
export type FromRecordWriter =
  | { type: 'ready'; protocol: number }
  | { type: 'written'; seq: number; outcome: WriteOutcome }
  | { type: 'failed'; message: string }
  | { type: 'closed' };

/** Where record rows are written: on a worker thread with its own connection, or on this thread. */
export interface RecordSink {
  readonly where: 'worker' | 'in-thread';
  /** Writes the rows in one transaction; resolves with what happened to them (rows held go back to the caller). */
  write(records: RecordRows[]): Promise<WriteOutcome>;
  close(): Promise<void>;
}

/** Writes on this thread, synchronously, with the sidecar's own connection. */
export class InThreadRecordSink implements RecordSink {
  readonly where = 'in-thread' as const;
  private readonly writer: RecordRowWriter;

  constructor(db: Db) {
    this.writer = new RecordRowWriter(db);
  }

  write(records: RecordRows[]): Promise<WriteOutcome> {
    return Promise.resolve(this.writer.write(records));
  }

  async close(): Promise<void> {}
}

/**
 * A sink for the request thread that writes nothing there: SQLite's inserts and commits (and any wait for the disk
 * or for a lock) happen on a worker thread with its own connection, and only plain rows cross over. Where the
 * worker cannot start, or stops, the rows are written on this thread instead (`fallback`): the writes it had not
 * answered are written again there, and a record the worker had written already counts as written (its task row
 * is found by id), never twice.
 */
class WorkerRecordSink implements RecordSink {
  readonly where = 'worker' as const;
  private seq = 0;
  private readonly waiting = new Map<number, { records: RecordRows[]; resolve: (o: WriteOutcome) => void }>();
  private stopped: RecordSink | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly worker: Worker,
    private readonly fallback: () => RecordSink,
    private readonly logger: Logger,
  ) {
    worker.unref();
    worker.on('message', (message: FromRecordWriter) => {
      if (message.type !== 'written') return;
      const waiter = this.waiting.get(message.seq);
      this.waiting.delete(message.seq);
      waiter?.resolve(message.outcome);
    });
    worker.on('error', (error) => this.stop(error));
    worker.on('exit', (code) => {
      if (!this.closing) this.stop(new Error(`exited with code ${code}`));
    });
  }

  private stop(error: unknown): void {
    if (this.stopped) return;
    this.logger.error({ err: error }, 'record writer thread stopped; writing 3101/3102 records on the main thread');
    const sink = this.fallback();
    this.stopped = sink;
    for (const [, waiter] of this.waiting) void sink.write(waiter.records).then(waiter.resolve);
    this.waiting.clear();
  }

  write(records: RecordRows[]): Promise<WriteOutcome> {
    if (this.stopped) return this.stopped.write(records);
    const seq = ++this.seq;
    return new Promise<WriteOutcome>((resolve) => {
      this.waiting.set(seq, { records, resolve });
      this.worker.postMessage({ type: 'write', seq, records } satisfies ToRecordWriter);
    });
  }

  close(): Promise<void> {
    if (this.stopped) return this.stopped.close();
    // Every write posted before the close is answered before the worker closes (messages are handled in order).
    this.closing ??= closeWorker(this.worker, CLOSE_WAIT_MS);
    return this.closing;
  }
}

/** The record writer thread, or this thread where it cannot run (its file missing from a repackaged install). */
export async function openRecordSink(
  db: Db,
  logger: Logger,
  options: { useWorker?: boolean; busyTimeoutMs?: number } = {},
): Promise<RecordSink> {
  const inThread = () => new InThreadRecordSink(db);
  const script = wantedWorkerScript('record-writer-worker', {
    useWorker: options.useWorker,
    logger,
    missing: 'record writer script missing; writing records on the main thread',
  });
  if (!script) return inThread();
  try {
    const workerData: RecordWriterOptions = { file: db.name, busyTimeoutMs: options.busyTimeoutMs ?? 5000 };
    return new WorkerRecordSink(await startWorker(script, workerData, RECORD_WRITER_PROTOCOL), inThread, logger);
  } catch (error) {
    logger.warn({ err: error }, 'record writer thread could not start; writing records on the main thread');
    return inThread();
  }
}
