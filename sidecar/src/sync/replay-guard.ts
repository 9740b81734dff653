import { BundleError, type BundleManifest } from '@prealert/rules-cache';
import type { PollMemory, StoredVersion } from './last-good-store';

/**
 * Refuses a bundle older than the newest one taken (a replayed signed manifest), and one dated ahead of this clock,
 * which would block every later bundle (they would look older). The replay mark is the created_at of the newest
 * bundle taken, pulled or pushed, kept in the poll memory (sync.json).
 */
export class ReplayGuard {
  constructor(
    private readonly now: () => number,
    /** How far ahead of this clock a bundle's created_at may be (PREALERT_SYNC_MAX_CLOCK_SKEW_S). */
    private readonly maxClockSkewMs: number,
  ) {}

  /** A bundle dated ahead of this clock would block every later one (they look older): refused, not taken. */
  checkNotFuture(m: BundleManifest, where: string): void {
    const ahead = Date.parse(m.created_at) - this.now();
    if (ahead <= this.maxClockSkewMs) return;
    throw new BundleError(
      `created_at ${m.created_at} is ${Math.round(ahead / 60_000)} min ahead of this workstation's clock (at most ${Math.round(this.maxClockSkewMs / 60_000)} min allowed): the publisher's or this clock is wrong`,
      'bad_date',
      `${where} signed.created_at`,
    );
  }

  /**
   * Refuses a bundle older than the newest one taken: a replay. `held`: the last-good store's current version and
   * the one running, which may not be saved (see noteTaken).
   */
  checkNotReplayed(
    m: BundleManifest,
    url: string,
    memory: PollMemory,
    held: readonly (StoredVersion | null | undefined)[],
  ): void {
    const newest = this.newestTaken(memory, held);
    if (newest !== undefined && Date.parse(m.created_at) < newest) {
      throw new BundleError(
        `offers ${m.version} created ${m.created_at}, older than the ${new Date(newest).toISOString()} bundle already taken (a replayed manifest?)`,
        'bad_date',
        url,
      );
    }
  }

  /**
   * Moves the replay mark to a bundle just taken, when it is newer; the caller saves the memory. Only for a bundle
   * saved as last-good: a restart runs the saved library, and a mark moved by one that was lost refused the
   * platform's bundles between the two as replays, though they are newer than anything the workstation kept.
   */
  noteTaken(memory: PollMemory, createdAt: string): void {
    const mark = this.replayMark(memory);
    if (mark === undefined || Date.parse(createdAt) > mark) memory.pulled_created_at = createdAt;
  }

  /**
   * created_at of the newest bundle taken: the replay mark (pulled or pushed) or a library held (the stored current
   * one holds when sync.json is lost). A date in the future (a misdated bundle taken by an older prealert) is ignored.
   */
  private newestTaken(memory: PollMemory, held: readonly (StoredVersion | null | undefined)[]): number | undefined {
    const dates = [this.replayMark(memory), ...held.map((v) => (v?.sha256 ? this.notAhead(v.created_at) : undefined))];
    const known = dates.filter((t): t is number => t !== undefined);
    return known.length > 0 ? Math.max(...known) : undefined;
  }

  private replayMark(memory: PollMemory): number | undefined {
    return memory.pulled_created_at ? this.notAhead(memory.pulled_created_at) : undefined;
  }

  private notAhead(iso: string): number | undefined {
    const t = Date.parse(iso);
    return Number.isNaN(t) || t > this.now() + this.maxClockSkewMs ? undefined : t;
  }
}

/**
 * The poll memory to keep for `manifestUrl`: all of it when it was written for that address, else only the replay
 * mark. Another address (or none): its ETag and last success say nothing about this one. The replay mark stays:
 * the same platform is often written another way (a host name for the IP, a mirror), and a bundle older than one
 * taken is as suspect from any address.
 */
export function memoryForUrl(memory: PollMemory, manifestUrl: string | undefined): PollMemory {
  if (memory.manifest_url === manifestUrl) return memory;
  const mark = memory.pulled_created_at;
  // Kept as well: writing the address another way must not give a never-confirmed library a fresh maximum age.
  const counted = memory.age_counted_from;
  return {
    ...(manifestUrl ? { manifest_url: manifestUrl } : {}),
    ...(mark ? { pulled_created_at: mark } : {}),
    ...(counted ? { age_counted_from: counted } : {}),
    // A push has nothing to do with the platform's address.
    ...(memory.last_push ? { last_push: memory.last_push } : {}),
  };
}
