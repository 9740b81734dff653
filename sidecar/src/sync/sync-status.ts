import type { TrustedKey } from '@prealert/rules-cache';
import type { LibraryHolder } from '../library-holder';
import type { UnsavedActivation } from './activation-save';
import type { LastGoodStore, StoredVersion } from './last-good-store';
import type { HeldLibrary } from './point-drop-guard';
import type { PollMemory } from './poll-memory';
import { heldBackNames } from './rollback';
import type { Staleness } from './staleness';
import type { SyncConfig } from './sync-config';
import type { ActivationReport, SyncStatus, UnusableVersion } from './sync-types';

/**
 * What LibrarySync's state reads as for /v1/status (SyncStatus), apart from the class: it only reads the state,
 * never changes it. The caller works out the parts the class decides (staleness, the running unsaved activation,
 * the previous version).
 */
export interface SyncStatusInput {
  config: SyncConfig;
  memory: PollMemory;
  holder: LibraryHolder;
  store: Pick<LastGoodStore, 'heldBack' | 'heldBackNames'>;
  staleness: Staleness;
  active: StoredVersion | undefined;
  /** The activation that could not be saved, while it is still the one running. */
  unsaved: UnsavedActivation | undefined;
  previous: StoredVersion | null;
  lastError: { message: string; at: number } | undefined;
  failures: number;
  lastAttemptAt: number | undefined;
  /** Whether a poll is scheduled: nextPollAt is shown only then. */
  scheduled: boolean;
  nextPollAt: number | undefined;
  available: SyncStatus['available'];
  unusable: UnusableVersion[];
  activating: string | undefined;
  lastActivation: ActivationReport | undefined;
  held: HeldLibrary | undefined;
  trustedKeys: readonly TrustedKey[];
  pushEnabled: boolean;
}

export function syncStatus(s: SyncStatusInput): SyncStatus {
  const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());
  const staleness = s.staleness;
  const active = s.active;
  const unsaved = s.unsaved;
  const previous = s.previous;
  const error = s.lastError ?? unsaved;
  return {
    url: s.config.url ?? null,
    last_ok_at: s.memory.last_ok_at ?? null,
    last_error: error?.message ?? null,
    last_error_at: iso(error?.at),
    current_etag: s.memory.etag ?? null,
    stale: staleness.stale,
    stale_reason: staleness.reason,
    stale_policy: s.config.stalePolicy,
    max_age_s: s.config.maxAgeMs === undefined ? null : s.config.maxAgeMs / 1000,
    interval_s: s.config.intervalMs / 1000,
    consecutive_failures: s.failures,
    last_attempt_at: iso(s.lastAttemptAt),
    next_poll_at: s.scheduled ? iso(s.nextPollAt) : null,
    library: active
      ? {
          version: active.version,
          sha256: active.sha256,
          origin: active.origin,
          created_at: active.created_at,
          activated_at: active.activated_at,
          source: s.holder.get()?.info.source ?? 'none',
        }
      : null,
    previous: previous ? { version: previous.version, sha256: previous.sha256, origin: previous.origin } : null,
    held_back: heldBackNames(s.store.heldBack, s.store.heldBackNames, s.available, previous),
    unusable: s.unusable,
    available: s.available,
    activating: s.activating ?? null,
    last_activation: s.lastActivation ?? null,
    held: s.held ?? null,
    trusted_keys: s.trustedKeys.map((k) => k.id),
    push_enabled: s.pushEnabled,
    last_push: s.memory.last_push ?? null,
  };
}
