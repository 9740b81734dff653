import type { PollMemory, StoredVersion } from './last-good-store';
import type { SyncConfig } from './sync-config';

export interface Staleness {
  stale: boolean;
  reason: string | null;
  /** Whether 3101/3102 are still answered (see SyncConfig.stalePolicy). */
  serving: boolean;
}

export interface StalenessInput {
  config: Pick<SyncConfig, 'maxAgeMs' | 'stalePolicy'>;
  active: StoredVersion | undefined;
  /** The last successful poll (a 304 included), from the poll memory. */
  lastOkAt: string | undefined;
  /** The first start with a maximum age (PollMemory.age_counted_from): the bundled library's age counts from it. */
  ageCountedFrom: string | undefined;
  /** The latest sync error still standing, named in the reason. */
  lastError: string | undefined;
  now: () => number;
}

/**
 * Whether the library went unconfirmed for longer than the configured maximum age. Confirmed current means a
 * successful poll (a 304 included) or an activation (pulled, pushed or rolled back to); when the bundle was made
 * says nothing about whether it is still the one to run, so created_at does not count.
 */
export function stalenessOf(input: StalenessInput): Staleness {
  const { config, active } = input;
  const maxAge = config.maxAgeMs;
  if (maxAge === undefined || !active) return { stale: false, reason: null, serving: true };
  const times = [input.lastOkAt];
  // Starting on the bundled library is no confirmation: it ships with prealert and may be months old. Its age
  // counts from the first start that had a maximum age instead, so a workstation just installed (or just given a
  // maximum age) answers until the platform has had that long to reach it, and a restart does not reset the count.
  times.push(active.origin === 'bundled' ? input.ageCountedFrom : active.activated_at);
  const confirmed = Math.max(...times.map((t) => (t ? Date.parse(t) : Number.NaN)).filter((t) => !Number.isNaN(t)));
  const age = input.now() - confirmed;
  if (!(age > maxAge)) return { stale: false, reason: null, serving: true };
  return {
    stale: true,
    reason: `library ${active.version} not confirmed current for ${duration(age)} (maximum ${duration(maxAge)})${
      input.lastError !== undefined ? `; last sync error: ${input.lastError}` : ''
    }`,
    serving: config.stalePolicy === 'serve',
  };
}

/** A duration as the stale reason gives it: seconds or minutes under an hour (a short maximum age read 0.0 h). */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/**
 * Starts the bundled library's age count at the first start with a maximum age, and forgets it when there is none
 * (a maximum age configured again later counts afresh). Returns whether the memory changed (the caller saves it).
 */
export function countAgeFrom(memory: PollMemory, config: Pick<SyncConfig, 'maxAgeMs'>, now: () => number): boolean {
  if (config.maxAgeMs === undefined) {
    if (memory.age_counted_from === undefined) return false;
    delete memory.age_counted_from;
    return true;
  }
  // A count dated ahead (the clock was wrong at that start and set right since) would keep the library fresh for as
  // long: it starts again now.
  const from = Date.parse(memory.age_counted_from ?? '');
  if (!Number.isNaN(from) && from <= now()) return false;
  memory.age_counted_from = new Date(now()).toISOString();
  return true;
}
