import fs from 'node:fs';
import { retryingTransientSync } from './transient-retry';

// state.json's shape and how it is read back: separate from the store so that what a damaged or older state.json
// turns into can be read on its own.

/** One library version the workstation has run. `sha256` null = the national library shipped with prealert. */
export interface StoredVersion {
  version: string;
  sha256: string | null;
  /** How it arrived: pulled from the platform, pushed by IT, or bundled. */
  origin: 'bundled' | 'sync' | 'push';
  created_at: string;
  activated_at: string;
  key_id?: string;
}

/**
 * A rollback `prealert rollback` made while the sidecar was not running. Nothing logged it then (the command only
 * printed to its terminal): the next start logs it as the online rollback is logged, then drops it.
 */
export interface OfflineRollback {
  from: { version: string; sha256: string | null };
  to: { version: string; sha256: string | null };
  /** When the command ran (ISO). */
  at: string;
}

export interface StoreState {
  format: 1;
  current: StoredVersion | null;
  previous: StoredVersion | null;
  /** sha256 of versions IT rolled back from: the poller does not bring them back. */
  held_back: string[];
  /**
   * The version name of each held-back sha256, kept from when it was held back: status names it the same way once
   * it is neither the previous version nor the platform's offer (absent in a state.json written before).
   */
  held_back_names?: Record<string, string>;
  /** Offline rollbacks no start has logged yet, oldest first. */
  offline_rollbacks?: OfflineRollback[];
}

export function emptyState(): StoreState {
  return { format: 1, current: null, previous: null, held_back: [] };
}

/**
 * state.json's content; undefined when it is missing or cannot be read or parsed (a moment's hold by another
 * process is waited out, as for writes).
 */
export function readState(file: string): Partial<StoreState> | undefined {
  let text: string;
  try {
    text = retryingTransientSync(() => fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Partial<StoreState>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** held_back_names as read from state.json: only string names survive. */
export function namesOf(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  return Object.fromEntries(
    Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

const isNamed = (value: unknown): value is OfflineRollback['from'] =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Record<string, unknown>).version === 'string' &&
  ((value as Record<string, unknown>).sha256 === null || typeof (value as Record<string, unknown>).sha256 === 'string');

/** offline_rollbacks as read from state.json: only whole entries survive. */
export function offlineRollbacksOf(value: unknown): OfflineRollback[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (r): r is OfflineRollback =>
      typeof r === 'object' && r !== null && isNamed(r.from) && isNamed(r.to) && typeof r.at === 'string',
  );
}

export function isVersion(value: unknown): value is StoredVersion {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.version === 'string' &&
    (v.sha256 === null || (typeof v.sha256 === 'string' && /^[0-9a-f]{64}$/.test(v.sha256))) &&
    typeof v.origin === 'string' &&
    typeof v.activated_at === 'string'
  );
}
