import type { Logger } from '../logging';
import type { PushOutcome } from './push-outcome';

/** What the poller remembers between runs, so a restart neither re-downloads nor forgets when it last got through. */
export interface PollMemory {
  manifest_url?: string;
  etag?: string;
  /**
   * sha256 of the library the manifest behind `etag` offered. A 304 only means "still that manifest": after a
   * restart that runs another library (the new one could not be saved, a fallback) the ETag must not be sent.
   */
  etag_sha256?: string;
  last_ok_at?: string;
  /**
   * The first start with a maximum library age (PREALERT_SYNC_MAX_AGE_S): the bundled library, never confirmed by
   * a poll, is as old as that (see staleness.ts).
   */
  age_counted_from?: string;
  /** created_at of the newest bundle ever pulled: an older signed manifest served later is a replay. */
  pulled_created_at?: string;
  /**
   * The platform's bundle whose download failed verification at the latest tries, the same way each time (a proxy
   * that mangles or cuts it, a publisher's hash mismatch): after a few it is not downloaded again until the
   * manifest changes or IT asks for a sync.
   */
  failed_bundle?: FailedBundle;
  /** The latest push's outcome, for status (see push-outcome.ts). */
  last_push?: PushOutcome;
}

/** A platform bundle that failed verification `count` times in a row with the same `code`. */
export interface FailedBundle {
  version: string;
  /** The library the manifest offered, and the manifest's ETag (absent when the platform sends none). */
  sha256: string;
  etag?: string;
  code: string;
  error: string;
  count: number;
}

/**
 * What PollMemoryFile needs of the store (LastGoodStore): named here rather than imported, since the store imports
 * PollMemory from this file and the two would otherwise import each other.
 */
export interface PollMemoryWriter {
  writePollMemory(memory: PollMemory): Promise<void>;
}

/**
 * The poller's memory (sync.json) as the sync holds it: changed in place, then saved. Saves run on the thread pool,
 * one write after the other: its fsync would otherwise hold requests while the disk still writes a library just
 * received.
 */
export class PollMemoryFile {
  memory: PollMemory = {};
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: PollMemoryWriter,
    private readonly logger: Logger,
  ) {}

  /** Saves a snapshot of the memory as it is now, after any save still running. */
  save(): void {
    const snapshot = { ...this.memory };
    this.writes = this.writes
      .then(() => this.store.writePollMemory(snapshot))
      .catch((error: unknown) => this.logger.warn({ err: error }, 'could not save the sync state'));
  }

  /** Settles once the saves asked for so far are done (a failed one is logged, not thrown). */
  written(): Promise<void> {
    return this.writes;
  }

  /** The ETag to send with the next poll, and the library the manifest behind it offered. */
  rememberEtag(etag: string, offered: string | undefined): void {
    this.memory.etag = etag;
    if (offered === undefined) delete this.memory.etag_sha256;
    else this.memory.etag_sha256 = offered;
  }

  /** The next poll reads the platform's manifest whole (no If-None-Match). */
  forgetEtag(): void {
    delete this.memory.etag;
    delete this.memory.etag_sha256;
  }

  /**
   * Whether the ETag remembered names a manifest offering another library than `running` and not one held back:
   * a 304 to it would then keep this workstation on `running` for good.
   */
  etagOffersAnother(running: string | null | undefined, heldBack: readonly string[]): boolean {
    const offered = this.memory.etag_sha256;
    return (
      this.memory.etag !== undefined && (offered === undefined || (offered !== running && !heldBack.includes(offered)))
    );
  }
}
