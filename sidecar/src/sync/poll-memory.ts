import type { Logger } from '../logging';
import type { LastGoodStore, PollMemory } from './last-good-store';

/**
 * The poller's memory (sync.json) as the sync holds it: changed in place, then saved. Saves run on the thread pool,
 * one write after the other: its fsync would otherwise hold requests while the disk still writes a library just
 * received.
 */
export class PollMemoryFile {
  memory: PollMemory = {};
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: LastGoodStore,
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
