import type { StoredVersion } from './last-good-store';
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
  // Starting on the bundled library is no confirmation: it ships with prealert and may be months old.
  if (active.origin !== 'bundled') times.push(active.activated_at);
  const confirmed = Math.max(...times.map((t) => (t ? Date.parse(t) : Number.NaN)).filter((t) => !Number.isNaN(t)));
  const age = input.now() - confirmed;
  if (!(age > maxAge)) return { stale: false, reason: null, serving: true };
  const hours = (age / 3_600_000).toFixed(1);
  return {
    stale: true,
    reason: `library ${active.version} not confirmed current for ${hours} h (maximum ${(maxAge / 3_600_000).toFixed(1)} h)${
      input.lastError !== undefined ? `; last sync error: ${input.lastError}` : ''
    }`,
    serving: config.stalePolicy === 'serve',
  };
}
