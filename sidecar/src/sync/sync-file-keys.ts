/**
 * The config file's `sync` block: each key and the PREALERT_SYNC_* variable it stands for. One table for the file's
 * parser (config/config-file.ts), the sync settings (sync-config.ts) and `autostart install`'s hint, so the three cannot drift.
 * Units stay those of the variables (…S seconds, …Ms milliseconds): a value moved from the environment is the same
 * number in the file.
 */
export const SYNC_FILE_KEYS = {
  url: 'PREALERT_SYNC_URL',
  pubkey: 'PREALERT_SYNC_PUBKEY',
  region: 'PREALERT_SYNC_REGION',
  intervalS: 'PREALERT_SYNC_INTERVAL_S',
  retryMinS: 'PREALERT_SYNC_RETRY_MIN_S',
  retryMaxS: 'PREALERT_SYNC_RETRY_MAX_S',
  maxAgeS: 'PREALERT_SYNC_MAX_AGE_S',
  whenStale: 'PREALERT_SYNC_WHEN_STALE',
  timeoutS: 'PREALERT_SYNC_TIMEOUT_S',
  maxBytes: 'PREALERT_SYNC_MAX_BYTES',
  downloadDeadlineS: 'PREALERT_SYNC_DOWNLOAD_DEADLINE_S',
  activationRestMs: 'PREALERT_SYNC_ACTIVATION_REST_MS',
  maxClockSkewS: 'PREALERT_SYNC_MAX_CLOCK_SKEW_S',
  maxDropShare: 'PREALERT_SYNC_MAX_DROP_SHARE',
  requireSafeKey: 'PREALERT_SYNC_REQUIRE_SAFE_KEY',
} as const;

export type SyncFileKey = keyof typeof SYNC_FILE_KEYS;
export type SyncVariable = (typeof SYNC_FILE_KEYS)[SyncFileKey];

/** A sync setting from the config file: its value as the variable would hold it, and the name to cite in errors. */
export interface SyncFileSetting {
  value: string;
  setting: string;
}

/** The config file's sync settings by the variable each stands for; pubkey already resolved to absolute paths. */
export interface SyncFileSettings {
  values: Partial<Record<Exclude<SyncVariable, 'PREALERT_SYNC_PUBKEY'>, SyncFileSetting>>;
  publicKeyFiles?: { files: string[]; setting: string };
}
