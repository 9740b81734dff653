/** Messages between the records database's connection and the WAL checkpoint worker (checkpoint-worker.ts). */

/** Bumped whenever a message changes shape: a worker file from another build is then refused. */
export const CHECKPOINT_PROTOCOL = 2;

export interface CheckpointerOptions {
  /** The database file (its WAL is `<file>-wal`). */
  file: string;
  /** Between two checkpoints. */
  intervalMs: number;
}

/** One PASSIVE checkpoint: frames in the WAL and frames copied into the database. */
export interface CheckpointRun {
  log: number;
  checkpointed: number;
  busy: boolean;
}

export type FromCheckpointer =
  | { type: 'ready'; protocol: number }
  | { type: 'checkpointed'; run: CheckpointRun }
  | { type: 'failed'; message: string; code?: string }
  | { type: 'truncated'; run: CheckpointRun }
  | { type: 'closed' };

export type ToCheckpointer = { type: 'close' } | { type: 'truncate' };
