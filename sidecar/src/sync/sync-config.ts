import path from 'node:path';
import { MANIFEST_FILE } from '@prealert/rules-cache';
import { ConfigError, pathSetting } from '../config';
import { siblingUrl } from '../url-credentials';
import { wholeNumber } from '../whole-number';
import type { SyncFileSettings, SyncVariable } from './sync-file-keys';

export type StalePolicy = 'serve' | 'refuse';

/** Library sync (pull from the provincial platform) and push (from IT staff): PREALERT_SYNC_* or the config's sync.*. */
export interface SyncConfig {
  /** manifest.json of the bundle directory; undefined = no polling. */
  manifestUrl?: string;
  /** The base URL as configured, for /v1/status. */
  url?: string;
  /** PEM files of the public keys a bundle must be signed with (pull and push alike). */
  publicKeyFiles: string[];
  /** Where publicKeyFiles came from (PREALERT_SYNC_PUBKEY, or the config file's sync.pubkey), for a file's error. */
  publicKeySetting: string;
  intervalMs: number;
  /** First retry after a failed poll; doubles per failure up to retryMaxMs. */
  retryMinMs: number;
  retryMaxMs: number;
  /** A library not confirmed current for this long is stale; undefined = never. */
  maxAgeMs?: number;
  /** Whether 3101/3102 keep being answered with a stale library (readyz: degraded, or refusing with 503). */
  stalePolicy: StalePolicy;
  /** Budget for one HTTP exchange (headers and body) with the platform. */
  timeoutMs: number;
  /** Largest library or delta file accepted, in bytes (checked against the signed manifest before downloading). */
  maxBundleBytes: number;
  /** Budget for a whole library or delta download, however steadily it trickles in. */
  downloadDeadlineMs: number;
  /** When set, only bundles whose manifest names this region are taken (pull and push). */
  region?: string;
  /**
   * After each 2 ms slice of activation work, how long the activation stays off the event loop (ms). Under a
   * saturating load every slice is latency added to queued requests; resting between slices keeps a background
   * swap to a share of the loop (0, the default: back on the next turn, fastest when idle; on a 2-core machine
   * under load, 2 ms made swaps 1.5-2x longer without a measurable p99 gain, see tests/bench/swap.bench.ts).
   */
  activationRestMs: number;
  /** How far ahead of this clock a bundle's created_at may be before it is refused as misdated. */
  maxClockSkewMs: number;
  /**
   * A pulled or pushed library that would drop more than this share of the active library's knowledge points is
   * held, not activated (point-drop-guard.ts); undefined: the guard is off (PREALERT_SYNC_MAX_DROP_SHARE=off or 1).
   */
  maxDropShare?: number;
  /**
   * Refuse to start when another local account could replace a key file or the config file (key-file-safety.ts);
   * off by default: the start only warns.
   */
  requireSafeKey: boolean;
  /** Where requireSafeKey came from, for the refusal's message. */
  requireSafeKeySetting: string;
  /**
   * TEST ONLY (PREALERT_TEST_PAUSE_BEFORE_COMMIT_MS): sleep this long after a new library is swapped in and before
   * it is recorded as last-good, so a test can kill -9 the sidecar at exactly that point. Never set it in production.
   */
  testPauseBeforeCommitMs?: number;
}

const DEFAULT_INTERVAL_S = 300;
const DEFAULT_MAX_AGE_S = 72 * 3600;

/**
 * Plain decimal digits with an optional fraction (300, 0.5), spaces around allowed as for every environment setting;
 * NaN otherwise. Number() alone also reads 0x10, 1e3, +5 and .5: a hexadecimal or exponent typo would set a poll
 * interval or a timeout nobody wrote, where the other settings take digits only.
 */
function plainDecimal(raw: string): number {
  return /^\s*[0-9]+(\.[0-9]+)?\s*$/.test(raw) ? Number(raw) : Number.NaN;
}

/**
 * One setting as read: the variable's value when set and not blank, else the config file's (sync.*), with the name
 * an error cites (the variable, or the file and its key).
 */
interface Setting {
  raw: string | undefined;
  name: string;
}

function seconds(s: Setting, fallback: number, allowZero = false): number {
  const { raw, name } = s;
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = plainDecimal(raw);
  if (!Number.isFinite(n) || (!allowZero && n === 0)) {
    throw new ConfigError(
      `${name} must be a ${allowZero ? 'non-negative' : 'positive'} number of seconds in plain digits such as 300 or 0.5 (got ${JSON.stringify(raw)})`,
    );
  }
  return n;
}

function byteCount(s: Setting, fallback: number): number {
  const { raw, name } = s;
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = wholeNumber(raw);
  if (n === undefined || n <= 0) {
    throw new ConfigError(
      `${name} must be a positive whole number of bytes in plain digits (got ${JSON.stringify(raw)})`,
    );
  }
  return n;
}

function milliseconds(s: Setting): number | undefined {
  const { raw, name } = s;
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = wholeNumber(raw);
  if (n === undefined) {
    throw new ConfigError(
      `${name} must be a non-negative whole number of milliseconds in plain digits (got ${JSON.stringify(raw)})`,
    );
  }
  return n;
}

const DEFAULT_MAX_DROP_SHARE = 0.5;

/**
 * A share from 0 to 1 as written: plain decimal digits with an optional fraction (0.5, 0.25, 1), or off. Number()
 * alone also reads 5e-1, 0x1 and +.5, which nobody writes as a share; 50 (a percent) is refused rather than read as
 * a share above 1, which would turn the guard off without a word. 1 never holds anything, so it is off too.
 */
function share(s: Setting, fallback: number): number | undefined {
  const { raw, name } = s;
  if (raw === undefined || raw.trim() === '') return fallback;
  if (raw.trim() === 'off') return undefined;
  const n = plainDecimal(raw);
  if (!(n >= 0 && n <= 1)) {
    throw new ConfigError(`${name} must be a share from 0 to 1 such as 0.5, or off (got ${JSON.stringify(raw)})`);
  }
  return n === 1 ? undefined : n;
}

/** on/off as the other switches take it (true/false, 1/0); blank or unset is the default. */
function onOff(s: Setting, fallback: boolean): boolean {
  const { raw, name } = s;
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = raw.trim();
  if (value === 'on' || value === 'true' || value === '1') return true;
  if (value === 'off' || value === 'false' || value === '0') return false;
  throw new ConfigError(`${name} must be on or off (true/false, 1/0), not ${JSON.stringify(raw)}`);
}

/** `https://cdn/bundles/` and `https://cdn/bundles` both mean the manifest.json in that directory. */
export function manifestUrlOf(base: string, name = 'PREALERT_SYNC_URL'): string {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new ConfigError(`${name} must be an absolute http(s) URL (got ${JSON.stringify(base)})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${name} must be an http(s) URL`);
  }
  if (url.pathname.endsWith('.json')) return url.toString();
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  // The query (a bundle server's access key) is kept, as on the bundle files (library-sync.ts).
  return siblingUrl(MANIFEST_FILE, url.toString());
}

/**
 * The sync settings: each PREALERT_SYNC_* variable when set, else the config file's sync.* key (`file`, from
 * loadConfig), else the default. The environment wins, as it does over the file for every other setting.
 */
export function loadSyncConfig(env: NodeJS.ProcessEnv = process.env, file?: SyncFileSettings): SyncConfig {
  const setting = (name: Exclude<SyncVariable, 'PREALERT_SYNC_PUBKEY'>): Setting => {
    const own = env[name];
    if (own !== undefined && own.trim() !== '') return { raw: own, name };
    const fromFile = file?.values[name];
    return fromFile ? { raw: fromFile.value, name: fromFile.setting } : { raw: own, name };
  };
  const urlSetting = setting('PREALERT_SYNC_URL');
  const url = urlSetting.raw?.trim() || undefined;
  const keys = publicKeys(env, file);
  if (url && keys.files.length === 0) {
    const missing =
      urlSetting.name === 'PREALERT_SYNC_URL'
        ? `${keys.name} (nor the config file's sync.pubkey)`
        : 'sync.pubkey (nor PREALERT_SYNC_PUBKEY)';
    throw new ConfigError(`${urlSetting.name} is set but ${missing} is not: a bundle is only trusted with a key`);
  }
  const intervalS = seconds(setting('PREALERT_SYNC_INTERVAL_S'), DEFAULT_INTERVAL_S);
  const maxAgeS = seconds(setting('PREALERT_SYNC_MAX_AGE_S'), url ? DEFAULT_MAX_AGE_S : 0, true);
  const staleSetting = setting('PREALERT_SYNC_WHEN_STALE');
  const policy = (staleSetting.raw ?? 'serve').trim();
  if (policy !== 'serve' && policy !== 'refuse') {
    throw new ConfigError(`${staleSetting.name} must be serve or refuse (got ${JSON.stringify(policy)})`);
  }
  const region = setting('PREALERT_SYNC_REGION').raw?.trim() || undefined;
  const pauseBeforeCommit = milliseconds({
    raw: env.PREALERT_TEST_PAUSE_BEFORE_COMMIT_MS,
    name: 'PREALERT_TEST_PAUSE_BEFORE_COMMIT_MS',
  });
  const retryMinS = seconds(setting('PREALERT_SYNC_RETRY_MIN_S'), Math.min(intervalS, 10));
  const retryMaxS = seconds(setting('PREALERT_SYNC_RETRY_MAX_S'), Math.max(intervalS, 900));
  const maxDropShare = share(setting('PREALERT_SYNC_MAX_DROP_SHARE'), DEFAULT_MAX_DROP_SHARE);
  const requireSafeKeySetting = setting('PREALERT_SYNC_REQUIRE_SAFE_KEY');
  return {
    ...(url ? { url, manifestUrl: manifestUrlOf(url, urlSetting.name) } : {}),
    publicKeyFiles: keys.files,
    publicKeySetting: keys.name,
    intervalMs: intervalS * 1000,
    retryMinMs: retryMinS * 1000,
    retryMaxMs: Math.max(retryMinS, retryMaxS) * 1000,
    ...(maxAgeS > 0 ? { maxAgeMs: maxAgeS * 1000 } : {}),
    stalePolicy: policy,
    timeoutMs: seconds(setting('PREALERT_SYNC_TIMEOUT_S'), 120) * 1000,
    maxBundleBytes: byteCount(setting('PREALERT_SYNC_MAX_BYTES'), 512 * 1024 * 1024),
    downloadDeadlineMs: seconds(setting('PREALERT_SYNC_DOWNLOAD_DEADLINE_S'), 1800) * 1000,
    activationRestMs: milliseconds(setting('PREALERT_SYNC_ACTIVATION_REST_MS')) ?? 0,
    maxClockSkewMs: seconds(setting('PREALERT_SYNC_MAX_CLOCK_SKEW_S'), 600, true) * 1000,
    requireSafeKey: onOff(requireSafeKeySetting, false),
    requireSafeKeySetting: requireSafeKeySetting.name,
    ...(maxDropShare !== undefined ? { maxDropShare } : {}),
    ...(region ? { region } : {}),
    ...(pauseBeforeCommit ? { testPauseBeforeCommitMs: pauseBeforeCommit } : {}),
  };
}

/** PREALERT_SYNC_PUBKEY's files when it names any, else the config file's sync.pubkey (already absolute). */
function publicKeys(env: NodeJS.ProcessEnv, file: SyncFileSettings | undefined): { files: string[]; name: string } {
  const name = 'PREALERT_SYNC_PUBKEY';
  const files = (env[name] ?? '')
    .split(path.delimiter)
    .map((f) => f.trim())
    .filter(Boolean)
    // `~/keys/prealert-bundle.pub` as for dataDir and log.file: a unit file or a service's environment has no shell.
    .map((f) => pathSetting(f, process.cwd(), name, env));
  if (files.length > 0 || file?.publicKeyFiles === undefined) return { files, name };
  return { files: file.publicKeyFiles.files, name: file.publicKeyFiles.setting };
}
