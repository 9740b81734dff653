import type { LibrarySource } from './library-source';
import type { DownloadLimits } from './packing-protocol';
import type { HeldLibrary } from './point-drop-guard';
import type { PushOutcome } from './push-outcome';
import type { StoredVersion } from './store-state';
import type { SyncConfig } from './sync-config';

export type PayloadKind = 'full' | 'delta';

/** Bytes of a library or delta file, handed over chunk by chunk. */
export type PayloadPipe = (onChunk: (chunk: Buffer) => Promise<void>) => Promise<void>;

/**
 * Where an activation's file comes from: bytes handed over (a push), or a download, which the library worker makes
 * itself so that none of a 100 MB library passes through the thread that answers requests.
 */
export type Payload = { pipe: PayloadPipe } | { url: string; limits: DownloadLimits };

export interface ActivationReport {
  version_before: string | null;
  version: string;
  sha256: string;
  source: LibrarySource;
  /** full / delta: received; stored: read from the last-good store; bundled: the national library. */
  path: PayloadKind | 'stored' | 'bundled';
  bytes_received: number;
  knowledge_points: number;
  duration_ms: number;
  /** Times the activation gave the event loop back to requests. */
  yields: number;
  /** Where the library file was read and checked: a worker thread, or this one when none could start. */
  reader?: 'worker' | 'in-thread';
  /** How long the worker rested: `busy_ms` while requests kept this thread busy (`fixed_ms`: its duty cycle). */
  worker_rest?: { slices: number; fixed_ms: number; busy_ms: number };
  /** A rollback to a stored version: read from its library image, or from its library file (none, or refused). */
  read_from?: 'image' | 'library';
  at: string;
  /** When a delta was tried first and failed, why (the full library was used instead). */
  delta_error?: string;
  /**
   * A push of a bundle older (by created_at) than the library it replaced, which IT allowed (allow_older): the
   * replaced version is held back from the poller as after a rollback.
   */
  downgrade?: true;
  /** A rollback `prealert rollback` made while the sidecar was stopped, reported by the start after it. */
  offline?: true;
}

export type PollOutcome =
  | { outcome: 'disabled' }
  | { outcome: 'not_modified' }
  | { outcome: 'current'; version: string }
  | { outcome: 'held_back'; version: string }
  /** Not activated: it would drop too many of the active library's points (point-drop-guard.ts). */
  | { outcome: 'held'; held: HeldLibrary }
  /**
   * Not activated: allow_shrink named another library than the one the platform offers now (shrink-consent.ts);
   * `held` is the offer, when the guard holds it.
   */
  | { outcome: 'not_named'; version: string; sha256: string; named: string; reason: string; held: HeldLibrary | null }
  | { outcome: 'activated'; report: ActivationReport }
  | { outcome: 'failed'; error: string };

/** A stored version that could not be loaded at start, for a reason other than damage: kept on disk. */
export interface UnusableVersion {
  version: string;
  sha256: string | null;
  error: string;
}

export interface SyncStatus {
  url: string | null;
  last_ok_at: string | null;
  /** Error of the latest attempt; null once an attempt succeeds. */
  last_error: string | null;
  last_error_at: string | null;
  current_etag: string | null;
  stale: boolean;
  stale_reason: string | null;
  stale_policy: SyncConfig['stalePolicy'];
  max_age_s: number | null;
  interval_s: number;
  consecutive_failures: number;
  last_attempt_at: string | null;
  next_poll_at: string | null;
  library:
    | (Pick<StoredVersion, 'version' | 'sha256' | 'origin' | 'created_at' | 'activated_at'> & { source: string })
    | null;
  previous: Pick<StoredVersion, 'version' | 'sha256' | 'origin'> | null;
  /** Versions IT rolled back from: the poller leaves them alone until the platform publishes another. */
  held_back: string[];
  /**
   * Stored versions this start could not load though they are not damaged (signed by a key no longer trusted, a
   * file that could not be read): their files are kept, and a start that can load them runs them again.
   */
  unusable: UnusableVersion[];
  /** The latest version the platform offered. */
  available: { version: string; sha256: string; created_at: string } | null;
  activating: string | null;
  last_activation: ActivationReport | null;
  /**
   * A library held instead of activated because it would drop more of the active library's knowledge points than
   * PREALERT_SYNC_MAX_DROP_SHARE allows: counts, share dropped and why; null when none is held.
   */
  held: HeldLibrary | null;
  trusted_keys: string[];
  push_enabled: boolean;
  /** The latest push: when, which version, accepted or refused and why (kept across restarts in sync.json). */
  last_push: PushOutcome | null;
}
