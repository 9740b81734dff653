import fs from 'node:fs';
import type { CompiledLibrary, LibraryData } from '@prealert/core';
import {
  BundleError,
  type BundleManifest,
  checkHeaderAgainstManifest,
  checkLibraryAgainstManifest,
  checkRegion,
  DeltaReader,
  expectDigest,
  loadNationalLibrary,
  type PackedLibrary,
  readManifestUnverified,
  readPublicKeys,
  Slicer,
  type TrustedKey,
  unpackLibrary,
  type VerifiedManifest,
  verifyManifest,
} from '@prealert/rules-cache';
import { Agent } from 'undici';
import { backoff, jittered } from '../backoff';
import { ConfigError } from '../config';
import type { LibraryHolder, LibraryOrigin } from '../library-holder';
import type { Logger } from '../logging';
import { fetchManifest, streamFile } from './bundle-fetch';
import { compileInSlices } from './compile-in-slices';
import {
  type FailedBundle,
  LastGoodStore,
  type LibrarySource,
  type PollMemory,
  type Staging,
  type StoredVersion,
} from './last-good-store';
import { type LibraryPacker, openLibraryPacker } from './library-packer';
import type { DownloadLimits } from './packing-protocol';
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
  at: string;
  /** When a delta was tried first and failed, why (the full library was used instead). */
  delta_error?: string;
  /**
   * A push of a bundle older (by created_at) than the library it replaced, which IT allowed (allow_older): the
   * replaced version is held back from the poller as after a rollback.
   */
  downgrade?: true;
}

export type PollOutcome =
  | { outcome: 'disabled' }
  | { outcome: 'not_modified' }
  | { outcome: 'current'; version: string }
  | { outcome: 'held_back'; version: string }
  | { outcome: 'activated'; report: ActivationReport }
  | { outcome: 'failed'; error: string };

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
  trusted_keys: string[];
  push_enabled: boolean;
}

/**
 * An error the admin endpoints answer with its status code and message, as opposed to a failure of the bundle itself:
 * 4xx for what the caller asked, 5xx for what this workstation could not do (IT needs to read which).
 */
export class SyncRequestError extends Error {
  override name = 'SyncRequestError';
  constructor(
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
  }
}

export interface LibrarySyncOptions {
  config: SyncConfig;
  dataDir: string;
  holder: LibraryHolder;
  logger: Logger;
  /** Whether the admin endpoints are enabled (an admin token is configured). */
  adminEnabled: boolean;
  /** The national library shipped with prealert, for a rollback to it. */
  loadBundled?: () => LibraryData;
  now?: () => number;
  /** Longest stretch an activation holds the event loop, in ms (a slice then runs on to its next pause). */
  sliceMs?: number;
  /** How long an activation stays away from the event loop after each slice, in ms (0: one turn of the loop). */
  restMs?: number;
  /** Read libraries on a worker thread (default); false reads them on this thread, in slices. */
  useWorker?: boolean;
}

/**
 * A slice of activation work between two turns of the event loop: short enough that a request arriving mid-slice
 * waits no longer than the sidecar's own p99 for it.
 */
const DEFAULT_SLICE_MS = 2;

function loadKeys(files: readonly string[]): TrustedKey[] {
  try {
    return files.flatMap((file) => readPublicKeys(file));
  } catch (error) {
    throw new ConfigError(`PREALERT_SYNC_PUBKEY: ${(error as Error).message}`);
  }
}

/** A library ready to activate, with what it was built from (see LibraryOrigin). */
interface Unpacked {
  compiled: CompiledLibrary;
  origin: LibraryOrigin;
}

function unpacked(packed: PackedLibrary): Unpacked {
  return { compiled: unpackLibrary(packed), origin: { kind: 'packed', packed } };
}

/** A stored version that could not be loaded at start, for a reason other than damage: kept on disk. */
export interface UnusableVersion {
  version: string;
  sha256: string | null;
  error: string;
}

/** Load failures that prove the stored files damaged; anything else (a key, a locked file) may pass. */
const DAMAGE_CODES = new Set(['hash_mismatch', 'truncated', 'bad_content']);

function damage(error: unknown): boolean {
  return error instanceof BundleError && DAMAGE_CODES.has(error.code);
}

/**
 * Verification failures of the same platform bundle, the same way each time, after which it is not downloaded again
 * until the manifest changes or IT asks: such a failure repeats (a proxy that mangles or cuts the file, a
 * publisher's hash mismatch), and hundreds of workstations downloading it whole every retry fill the WAN link the
 * 3101 gateway shares. Damage codes only: a network failure or a timeout keeps the normal backoff.
 */
const SKIP_AFTER_FAILURES = 3;

function skippedNote(failed: FailedBundle): string {
  return `${failed.version} (library sha256 ${failed.sha256.slice(0, 12)}…) failed verification ${failed.count} times in a row (${failed.code}), so it is not downloaded again until the platform publishes another bundle or IT asks for a sync (POST /v1/admin/sync)`;
}

function isIn(unusable: readonly UnusableVersion[], v: StoredVersion): boolean {
  return unusable.some((u) => u.sha256 === v.sha256);
}

function message(error: unknown): string {
  return (error as Error).message ?? String(error);
}

/**
 * Keeps the workstation's library current: polls the platform's bundle directory, accepts pushes from IT, rolls
 * back, and remembers the last good library across restarts. Every activation verifies the signature and every
 * hash, builds the new index in slices off the request path, then swaps it in with one assignment (requests in
 * flight finish on the library they started with), and only then records it as last-good.
 */
export class LibrarySync {
  readonly store: LastGoodStore;
  readonly trustedKeys: TrustedKey[];
  private readonly config: SyncConfig;
  private readonly holder: LibraryHolder;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly sliceMs: number;
  private readonly restMs: number;
  private readonly useWorker: boolean;
  private readonly loadBundled: () => LibraryData;
  private readonly adminEnabled: boolean;
  private agent: Agent | undefined;
  private memory: PollMemory = {};
  private active: StoredVersion | undefined;
  /**
   * The running version when it is active but could not be saved as last-good: a restart runs the store's current
   * version instead, which is therefore the one before it (for status and a rollback).
   */
  private unsaved: { version: StoredVersion; message: string; at: number } | undefined;
  /**
   * Stored versions the start could not load but kept (see restoreLibrary): the one running is then a fallback,
   * with no previous of its own, and whatever is activated next has it as previous.
   */
  private unusable: UnusableVersion[] = [];
  /** `push`: a refused push, which a later successful push clears (a poll clears any). */
  private lastError: { message: string; at: number; from?: 'push' } | undefined;
  private failures = 0;
  private lastAttemptAt: number | undefined;
  private nextPollAt: number | undefined;
  private available: SyncStatus['available'] = null;
  private activating: string | undefined;
  private lastActivation: ActivationReport | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<PollOutcome> | undefined;
  private exclusiveTail: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private stopping: Promise<void> | undefined;
  private memoryWrite: Promise<void> = Promise.resolve();

  constructor(options: LibrarySyncOptions) {
    this.config = options.config;
    this.holder = options.holder;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.sliceMs = options.sliceMs ?? DEFAULT_SLICE_MS;
    this.restMs = options.restMs ?? options.config.activationRestMs;
    this.useWorker = options.useWorker ?? true;
    this.loadBundled = options.loadBundled ?? (() => loadNationalLibrary());
    this.adminEnabled = options.adminEnabled;
    this.trustedKeys = loadKeys(options.config.publicKeyFiles);
    this.store = new LastGoodStore(options.dataDir);
  }

  /** The activation that could not be saved, while it is still the one running. */
  private get runningUnsaved(): { version: StoredVersion; message: string; at: number } | undefined {
    return this.unsaved && this.unsaved.version === this.active ? this.unsaved : undefined;
  }

  /** The version before the one running: what status calls previous and a rollback goes back to. */
  private previousOfRunning(): StoredVersion | null {
    if (this.runningUnsaved) return this.store.current;
    // A fallback at start: the store's versions are the ones that could not be loaded.
    if (this.unusable.length > 0) return null;
    return this.store.previous;
  }

  get pushEnabled(): boolean {
    return this.adminEnabled && this.trustedKeys.length > 0;
  }

  /**
   * Whether a last-good library is on disk, read without touching the store: the sidecar then leaves the bundled
   * library uncompiled at start, since `restore()` replaces it straight away.
   */
  hasStoredLibrary(): boolean {
    return this.store.peekCurrent();
  }

  /**
   * At start: the last-good library if there is one (falling back to the one before it if it is damaged),
   * otherwise the bundled national library, active already or compiled here when the start left it out.
   */
  async restore(): Promise<void> {
    await this.restoreLibrary();
    const offered = this.memory.etag_sha256;
    if (
      this.memory.etag !== undefined &&
      (offered === undefined || (offered !== this.active?.sha256 && !this.store.heldBack.includes(offered)))
    ) {
      // The ETag names a manifest offering another library than the one this start runs (it was activated but
      // never saved, or it could not be loaded): a 304 would keep this workstation on the old one for good.
      delete this.memory.etag;
      delete this.memory.etag_sha256;
      this.savePollMemory();
    }
  }

  private async restoreLibrary(): Promise<void> {
    const { recovered, unreadable } = this.store.open();
    if (recovered.length > 0) this.logger.warn({ removed: recovered }, 'cleaned up after an interrupted activation');
    this.memory = this.store.readPollMemory();
    if (this.memory.manifest_url !== this.config.manifestUrl) {
      // Another address (or none): its ETag and last success say nothing about this one. The replay mark stays:
      // the same platform is often written another way (a host name for the IP, a mirror), and a bundle older
      // than one taken is as suspect from any address.
      const mark = this.memory.pulled_created_at;
      this.memory = {
        ...(this.config.manifestUrl ? { manifest_url: this.config.manifestUrl } : {}),
        ...(mark ? { pulled_created_at: mark } : {}),
      };
    }
    let running = this.holder.get();
    if (running && running.info.source !== 'bundled') {
      // The embedding application chose the library itself.
      this.active = this.bundledEntry(running.compiled, running.info.activated_at);
      return;
    }
    let { current, previous } = this.store;
    // state.json unreadable: every stored version is a candidate, newest first, and the state is rebuilt from
    // what loads (the bundled library used to be recorded instead, and the next start deleted every version).
    const rebuilding = unreadable ? this.rebuildCandidates() : undefined;
    let candidates: StoredVersion[] = [];
    if (rebuilding) candidates = rebuilding;
    else if (current?.sha256) candidates = previous?.sha256 ? [current, previous] : [current];
    let loaded: StoredVersion | undefined;
    const damaged: StoredVersion[] = [];
    const unusable: UnusableVersion[] = [];
    for (const candidate of candidates) {
      try {
        const started = performance.now();
        const { compiled, origin } = await this.loadStored(candidate, new Slicer(this.sliceMs, this.restMs));
        this.holder.swap(compiled, { source: 'last-good', origin });
        this.active = candidate;
        loaded = candidate;
        this.logger.info(
          { version: candidate.version, ms: Math.round(performance.now() - started) },
          'started with the last-good library',
        );
        break;
      } catch (error) {
        const isDamage = damage(error);
        this.logger.error(
          { err: error, version: candidate.version, files: isDamage ? 'removed' : 'kept' },
          'stored library is unusable',
        );
        if (isDamage) damaged.push(candidate);
        else unusable.push({ version: candidate.version, sha256: candidate.sha256, error: message(error) });
      }
    }
    // Nothing running and no load error: the start left the bundled library out for the last-good one (see
    // hasStoredLibrary), which turned out unusable. A start whose library failed to load stays without one.
    if (!loaded && !running && this.holder.loadError === undefined) {
      const failure = this.holder.load(this.loadBundled, 'bundled');
      if (failure !== undefined) this.logger.error({ err: failure }, 'library could not be loaded');
      running = this.holder.get();
    }
    if (!loaded && running) this.active = this.bundledEntry(running.compiled, running.info.activated_at);
    this.unusable = unusable;
    let rebuilt: string | undefined;
    if (rebuilding) {
      ({ current, previous } = this.rebuildState(rebuilding, damaged, loaded));
      rebuilt = `state.json could not be read; rebuilt from the ${rebuilding.length} stored version(s): ${
        current ? `current ${current.version} (created ${current.created_at})` : 'none verifiable'
      }${previous ? `, previous ${previous.version}` : ''}; versions held back before are not known any more`;
      this.logger.warn({ current: current?.version ?? null, previous: previous?.version ?? null }, rebuilt);
    }
    const why = [
      ...damaged.map((v) => `${v.version} is damaged (removed)`),
      ...unusable.map((u) => `${u.version} cannot be loaded (kept): ${u.error}`),
    ];
    const rebuiltWhy = rebuilt && `${rebuilt}${why.length > 0 ? `: ${why.join('; ')}` : ''}`;
    if (!current || current.sha256 === null) {
      if (this.active) this.store.recordBundled(this.active);
      if (rebuiltWhy) this.recordError(new Error(`${rebuiltWhy}; running ${this.active?.version ?? 'no library'}`));
      return;
    }
    if (loaded === current) {
      if (rebuiltWhy) this.recordError(new Error(rebuiltWhy));
      return;
    }
    // Damaged files go (the platform's copy is then downloaded again rather than found "already stored"), and the
    // store is told, or the next activation would keep a damaged version as previous and prune the one running.
    // A version that could not be loaded for another reason (a signing key taken out of PREALERT_SYNC_PUBKEY at the
    // end of a key rotation, a file an antivirus held) keeps its place and its files: it runs again at the next
    // start that can load it. (A rebuilt state names no damaged version, and their files went with the rebuild.)
    if (damaged.length > 0 && this.active && !rebuilding) {
      const keep = [current, previous].filter(
        (v): v is StoredVersion => !!v?.sha256 && !damaged.includes(v) && (v === loaded || isIn(unusable, v)),
      );
      try {
        this.store.replaceDamaged(keep.length > 0 ? keep : [this.active]);
      } catch (error) {
        this.logger.error({ err: error }, 'could not record the fallback in the last-good store');
      }
    }
    this.recordError(
      new Error(
        `${rebuilt ? `${rebuilt}. ` : ''}last-good ${current.version} is unusable; running ${this.active?.version ?? 'no library'}: ${why.join('; ')}`,
      ),
    );
  }

  /**
   * The stored versions, newest first by their manifest's created_at (then by when they were stored), for a start
   * whose state.json could not be read. A version whose manifest cannot be read, or names another library than its
   * directory, cannot be told apart: it is left out (and removed by the next start, as a version state.json does
   * not name). Loading each (signature and hashes) is left to the start, as for the versions state.json names.
   */
  private rebuildCandidates(): StoredVersion[] {
    const candidates: StoredVersion[] = [];
    for (const { sha256, manifest: file, storedAt } of this.store.storedVersions()) {
      try {
        const m = readManifestUnverified(fs.readFileSync(file), file);
        if (m.library.sha256 !== sha256) throw new Error(`names library ${m.library.sha256}, not its directory's`);
        candidates.push({
          version: m.version,
          sha256,
          // Not recorded anywhere else: a workstation that polls most likely pulled it.
          origin: this.config.manifestUrl ? 'sync' : 'push',
          created_at: m.created_at,
          activated_at: storedAt,
        });
      } catch (error) {
        this.logger.error({ err: error, sha256 }, 'a stored version cannot be named again: its manifest is unreadable');
      }
    }
    const time = (iso: string) => {
      const t = Date.parse(iso);
      return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
    };
    return candidates.sort(
      (a, b) => time(b.created_at) - time(a.created_at) || time(b.activated_at) - time(a.activated_at),
    );
  }

  /**
   * Writes the rebuilt state: current is the newest version not found damaged (the one loaded, or a newer one that
   * could not be loaded but is kept, as a start keeps it), previous the one loaded when it is not current, else the
   * next one. Nothing verifiable: no stored version (the bundled library is recorded as at a first start).
   */
  private rebuildState(
    candidates: readonly StoredVersion[],
    damaged: readonly StoredVersion[],
    loaded: StoredVersion | undefined,
  ): { current: StoredVersion | null; previous: StoredVersion | null } {
    const kept = candidates.filter((v) => !damaged.includes(v));
    const current = kept[0] ?? null;
    const previous = (loaded && loaded !== current ? loaded : kept[1]) ?? null;
    try {
      this.store.rebuild(current, previous);
      // Damaged files go, as at any start (the platform's copy is then downloaded again).
      if (damaged.length > 0) this.store.removeUnnamed();
    } catch (error) {
      this.logger.error(
        { err: error },
        'the rebuilt library state could not be saved; the next start rebuilds it again',
      );
    }
    return { current, previous };
  }

  private bundledEntry(compiled: CompiledLibrary, activatedAt: string): StoredVersion {
    return {
      version: compiled.meta.version,
      sha256: null,
      origin: 'bundled',
      created_at: compiled.meta.createdAt,
      activated_at: activatedAt,
    };
  }

  private async compileBundled(slicer: Slicer): Promise<Unpacked> {
    const data = this.loadBundled();
    const { library } = await compileInSlices(data, () => slicer.pause());
    return { compiled: library, origin: { kind: 'data', data } };
  }

  /** Reads a stored library back, checking it against its signed manifest as if it had just been received. */
  private async loadStored(entry: StoredVersion, slicer: Slicer): Promise<Unpacked> {
    const files = this.store.files(entry);
    if (!files) throw new Error(`${entry.version} has no stored files`);
    const text = fs.readFileSync(files.manifest);
    const manifest =
      this.trustedKeys.length > 0
        ? verifyManifest(text, this.trustedKeys, files.manifest).manifest
        : readManifestUnverified(text, files.manifest);
    const packer = await this.openLibraryPacker(files.library, manifest.library.size, slicer);
    try {
      const read = await packer.readFile(files.library);
      checkLibraryAgainstManifest(files.library, read, manifest);
      checkHeaderAgainstManifest(files.library, read.packed.meta, manifest);
      return unpacked(read.packed);
    } finally {
      await packer.close();
    }
  }

  /** Where a library is received and packed: a worker thread unless the options say otherwise (see library-packer). */
  private openLibraryPacker(file: string, maxBytes: number, slicer: Slicer, staging?: Staging) {
    return openLibraryPacker({
      file,
      maxBytes,
      slicer,
      logger: this.logger,
      useWorker: this.useWorker,
      sliceMs: this.sliceMs,
      restMs: this.restMs,
      ...(staging ? { staging } : {}),
      ...(this.agent ? { agent: this.agent } : {}),
    });
  }

  startPolling(): void {
    if (!this.config.manifestUrl || this.stopped) return;
    // Soon after start (a workstation booted after a release catches up), spread so a fleet does not poll at once.
    this.schedule(Math.round(Math.random() * Math.min(this.config.intervalMs, 10_000)));
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.stopped = true;
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      await this.polling?.catch(() => undefined);
      await this.exclusiveTail.catch(() => undefined);
      await this.memoryWrite;
      await this.agent?.close();
    })();
    return this.stopping;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.nextPollAt = this.now() + delayMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.pollNow().then(() => this.scheduleNext());
    }, delayMs);
    this.timer.unref();
  }

  private scheduleNext(): void {
    this.schedule(this.failures > 0 ? backoff(this.config, this.failures) : jittered(this.config.intervalMs));
  }

  /**
   * One poll now; a poll already running is joined, not doubled. `fresh` (an admin's "sync now") waits for a
   * running poll and then starts one, so the answer reflects the platform as it is after the request came, and
   * downloads a bundle the poller skips after repeated verification failures once more.
   */
  async pollNow(options: { fresh?: boolean } = {}): Promise<PollOutcome> {
    if (options.fresh && this.polling) await this.polling;
    this.polling ??= this.poll(options.fresh === true).finally(() => {
      this.polling = undefined;
    });
    const outcome = await this.polling;
    // A poll asked for counts as the timer's: the next one is an interval (or a backoff) away.
    if (options.fresh && this.timer) this.scheduleNext();
    return outcome;
  }

  private async poll(retrySkipped = false): Promise<PollOutcome> {
    const url = this.config.manifestUrl;
    if (!url || this.stopped) return { outcome: 'disabled' };
    this.lastAttemptAt = this.now();
    /** Set once the bundle's files are being fetched: what failed then may be the bundle itself. */
    let downloading: { manifest: BundleManifest; etag: string | undefined } | undefined;
    try {
      this.agent ??= new Agent({ keepAliveTimeout: 30_000, connections: 2 });
      const fetched = await fetchManifest(this.agent, url, this.memory.etag, this.config.timeoutMs);
      if (fetched.status === 304) {
        this.succeeded();
        return { outcome: 'not_modified' };
      }
      const verified = verifyManifest(fetched.bytes, this.trustedKeys, url);
      const m = verified.manifest;
      checkRegion(m, this.config.region, url);
      this.checkNotFuture(m, url);
      this.available = { version: m.version, sha256: m.library.sha256, created_at: m.created_at };
      const settled = this.notToActivate(m, url);
      if (settled) {
        this.succeeded(fetched.etag, m.library.sha256);
        return settled;
      }
      this.checkSize(m, url);
      this.checkNotSkipped(m, fetched.etag, retrySkipped);
      const outcome = await this.exclusive(async (): Promise<PollOutcome> => {
        // Again under the lock: a push or a rollback that ran while this poll waited for it may have changed
        // what runs and how new a bundle must be (without this, the platform's older library replaced a newer
        // one IT had just pushed).
        const settledNow = this.notToActivate(m, url);
        if (settledNow) return settledNow;
        downloading = { manifest: m, etag: fetched.etag };
        return { outcome: 'activated', report: await this.activateFromPlatform(verified, fetched.bytes, url) };
      });
      this.succeeded(fetched.etag, m.library.sha256);
      return outcome;
    } catch (caught) {
      const error = downloading ? this.noteBundleFailure(downloading.manifest, downloading.etag, caught) : caught;
      this.recordError(error);
      this.failures++;
      this.logger.warn(
        { err: message(error), failures: this.failures },
        'library sync failed; the active library stays',
      );
      return { outcome: 'failed', error: message(error) };
    }
  }

  /**
   * Refuses, before any byte of it is fetched, the bundle that failed verification the same way at the latest
   * SKIP_AFTER_FAILURES tries, while the manifest still offers it (same library, same ETag); IT asking for a sync
   * tries it once more. Another manifest forgets the failures.
   */
  private checkNotSkipped(m: BundleManifest, etag: string | undefined, retrySkipped: boolean): void {
    const failed = this.memory.failed_bundle;
    if (!failed) return;
    if (failed.sha256 !== m.library.sha256 || failed.etag !== etag) {
      delete this.memory.failed_bundle;
      this.savePollMemory();
      return;
    }
    if (retrySkipped || !(typeof failed.count === 'number' && failed.count >= SKIP_AFTER_FAILURES)) return;
    throw new Error(`skipped: ${skippedNote(failed)}; last failure: ${failed.error}`);
  }

  /**
   * Counts a failed download of the platform's bundle when the bundle itself failed verification (a network
   * failure, a timeout or this workstation's disk says nothing about the bundle); returns the error to report,
   * which says from the SKIP_AFTER_FAILURES-th identical failure on that the bundle is skipped.
   */
  private noteBundleFailure(m: BundleManifest, etag: string | undefined, error: unknown): unknown {
    if (!damage(error)) return error;
    const code = (error as BundleError).code;
    const prior = this.memory.failed_bundle;
    const same = prior?.sha256 === m.library.sha256 && prior.etag === etag && prior.code === code;
    const failed: FailedBundle = {
      version: m.version,
      sha256: m.library.sha256,
      ...(etag !== undefined ? { etag } : {}),
      code,
      error: message(error),
      count: same && typeof prior.count === 'number' ? prior.count + 1 : 1,
    };
    this.memory.failed_bundle = failed;
    this.savePollMemory();
    if (failed.count < SKIP_AFTER_FAILURES) return error;
    this.logger.warn({ version: m.version, sha256: m.library.sha256, code, failures: failed.count }, 'bundle skipped');
    return new Error(`${message(error)}; ${skippedNote(failed)}`);
  }

  /** Why the platform's library is not activated: it runs already, IT held it back, or it is older (a replay). */
  private notToActivate(m: BundleManifest, url: string): PollOutcome | undefined {
    if (m.library.sha256 === this.active?.sha256) return { outcome: 'current', version: m.version };
    if (this.store.heldBack.includes(m.library.sha256)) return { outcome: 'held_back', version: m.version };
    const newest = this.newestTaken();
    if (newest !== undefined && Date.parse(m.created_at) < newest) {
      throw new BundleError(
        `offers ${m.version} created ${m.created_at}, older than the ${new Date(newest).toISOString()} bundle already taken (a replayed manifest?)`,
        'bad_date',
        url,
      );
    }
    return undefined;
  }

  /**
   * created_at of the newest bundle taken: the replay mark (pulled or pushed) or the stored current library, which
   * holds when sync.json is lost. A date in the future (a misdated bundle taken by an older prealert) is ignored.
   */
  private newestTaken(): number | undefined {
    const current = this.store.current;
    const dates = [this.replayMark(), current?.sha256 ? this.notAhead(current.created_at) : undefined];
    const known = dates.filter((t): t is number => t !== undefined);
    return known.length > 0 ? Math.max(...known) : undefined;
  }

  private replayMark(): number | undefined {
    return this.memory.pulled_created_at ? this.notAhead(this.memory.pulled_created_at) : undefined;
  }

  private notAhead(iso: string): number | undefined {
    const t = Date.parse(iso);
    return Number.isNaN(t) || t > this.now() + this.config.maxClockSkewMs ? undefined : t;
  }

  private noteTaken(createdAt: string): void {
    const mark = this.replayMark();
    if (mark === undefined || Date.parse(createdAt) > mark) this.memory.pulled_created_at = createdAt;
    this.savePollMemory();
  }

  /** A bundle dated ahead of this clock would block every later one (they look older): refused, not taken. */
  private checkNotFuture(m: BundleManifest, where: string): void {
    const ahead = Date.parse(m.created_at) - this.now();
    if (ahead <= this.config.maxClockSkewMs) return;
    throw new BundleError(
      `created_at ${m.created_at} is ${Math.round(ahead / 60_000)} min ahead of this workstation's clock (at most ${Math.round(this.config.maxClockSkewMs / 60_000)} min allowed): the publisher's or this clock is wrong`,
      'bad_date',
      `${where} signed.created_at`,
    );
  }

  /** Refused before any byte is fetched: the library (received whole or rebuilt from a delta) is stored and held in memory. */
  private checkSize(m: BundleManifest, where: string): void {
    const max = this.config.maxBundleBytes;
    for (const [field, size] of [
      ['library', m.library.size],
      ['delta', m.delta?.size ?? 0],
    ] as const) {
      if (size > max) {
        throw new BundleError(
          `${field} is ${size} bytes, more than the ${max} this workstation accepts (PREALERT_SYNC_MAX_BYTES)`,
          'too_large',
          `${where} signed.${field}.size`,
        );
      }
    }
  }

  private succeeded(etag?: string, offered?: string): void {
    this.failures = 0;
    this.lastError = undefined;
    // The platform no longer offers a bundle that failed (a 304 is the manifest of the library taken before).
    delete this.memory.failed_bundle;
    this.memory.last_ok_at = new Date(this.now()).toISOString();
    if (etag !== undefined) {
      this.memory.etag = etag;
      if (offered === undefined) delete this.memory.etag_sha256;
      else this.memory.etag_sha256 = offered;
    }
    this.savePollMemory();
  }

  /**
   * Saves the poll memory on the thread pool, one write after the other: its fsync would otherwise hold requests
   * while the disk still writes a library just received.
   */
  private savePollMemory(): void {
    const snapshot = { ...this.memory };
    this.memoryWrite = this.memoryWrite
      .then(() => this.store.writePollMemory(snapshot))
      .catch((error: unknown) => this.logger.warn({ err: error }, 'could not save the sync state'));
  }

  private recordError(error: unknown, from?: 'push'): void {
    this.lastError = { message: message(error), at: this.now(), ...(from ? { from } : {}) };
  }

  /** Runs activations and rollbacks one at a time. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.exclusiveTail.then(work, work);
    this.exclusiveTail = run.catch(() => undefined);
    return run;
  }

  private async activateFromPlatform(
    verified: VerifiedManifest,
    manifestBytes: Buffer,
    url: string,
  ): Promise<ActivationReport> {
    const m = verified.manifest;
    const download = (file: string, size: number): Payload => ({
      url: new URL(file, url).toString(),
      limits: { maxBytes: size, timeoutMs: this.config.timeoutMs, deadlineMs: this.config.downloadDeadlineMs },
    });
    let deltaError: string | undefined;
    if (m.delta && this.canApplyDelta(m)) {
      try {
        return await this.activate(verified, manifestBytes, 'delta', download(m.delta.file, m.delta.size), 'sync');
      } catch (error) {
        deltaError = message(error);
        this.logger.warn({ err: deltaError, version: m.version }, 'delta failed; fetching the full library');
      }
    }
    const full = download(m.library.file, m.library.size);
    const report = await this.activate(verified, manifestBytes, 'full', full, 'sync');
    return deltaError ? { ...report, delta_error: deltaError } : report;
  }

  private canApplyDelta(m: BundleManifest): boolean {
    const active = this.active;
    if (!m.delta || !active?.sha256 || active.sha256 !== m.delta.from_sha256) return false;
    const files = this.store.files(active);
    return files !== undefined && fs.existsSync(files.library);
  }

  /** Receive, verify, compile, swap, then record as last-good. Nothing changes unless every check passes. */
  private async activate(
    verified: VerifiedManifest,
    manifestBytes: Buffer,
    kind: PayloadKind,
    payload: Payload,
    source: 'sync' | 'push',
    downgrade = false,
  ): Promise<ActivationReport> {
    const m = verified.manifest;
    const started = performance.now();
    const slicer = new Slicer(this.sliceMs, this.restMs);
    this.activating = m.version;
    this.logger.info({ version: m.version, path: kind, source }, 'activating library');
    let staging: Staging | undefined;
    let received = 0;
    let reader: LibraryPacker | undefined;
    try {
      // The manifest is kept verbatim, signatures and all: a restart verifies the stored library like a received one.
      staging = await this.store.stage(manifestBytes);
      reader = await this.openLibraryPacker(m.library.file, m.library.size, slicer, staging);
      const packer = reader;
      if (kind === 'full') {
        if ('url' in payload) received = await packer.download(payload.url, payload.limits);
        else {
          await payload.pipe(async (chunk) => {
            received += chunk.length;
            await packer.write(chunk);
          });
        }
      } else {
        const entry = m.delta!;
        const deltaReader = new DeltaReader(entry.file, entry.size);
        // A delta is small (the changed lines): it is received here, and the merge runs with the packer.
        const take = async (chunk: Buffer) => {
          received += chunk.length;
          deltaReader.write(chunk);
          await slicer.pause();
        };
        if ('url' in payload) await streamFile(this.agent!, payload.url, payload.limits, take);
        else await payload.pipe(take);
        const delta = deltaReader.end();
        expectDigest(entry.file, delta, entry);
        if (delta.header.from_sha256 !== this.active?.sha256 || delta.header.to_sha256 !== m.library.sha256) {
          throw new BundleError('does not lead from the active library to the offered one', 'wrong_parent', entry.file);
        }
        const parent = this.active && this.store.files(this.active);
        if (!parent) throw new BundleError('the active library is not in the store', 'wrong_parent');
        await packer.mergeDelta(parent.library, delta);
      }
      const read = await packer.end();
      checkLibraryAgainstManifest(m.library.file, read, m);
      checkHeaderAgainstManifest(m.library.file, read.packed.meta, m);
      await staging.finish();
      // Every point was checked against the rules as it was read: the packed library cannot fail to compile.
      const { compiled, origin } = unpacked(read.packed);
      const before = this.holder.get()?.info.version ?? null;
      this.holder.swap(compiled, { source, origin });
      const entry: StoredVersion = {
        version: m.version,
        sha256: m.library.sha256,
        origin: source,
        created_at: m.created_at,
        activated_at: new Date(this.now()).toISOString(),
        key_id: verified.keyId,
      };
      // After a fallback at start, the version before this one is the fallback that ran, not the store's current.
      const ranBefore = this.unusable.length > 0 && !this.runningUnsaved ? this.active : undefined;
      // IT chose the older library: the poller must not bring the newer one straight back (as after a rollback).
      const holdBack = downgrade ? (this.active?.sha256 ?? undefined) : undefined;
      this.active = entry;
      // Status tells of the new library from the moment it answers, not only once it is stored.
      const report: ActivationReport = {
        version_before: before,
        version: m.version,
        sha256: m.library.sha256,
        source,
        path: kind,
        bytes_received: received,
        knowledge_points: compiled.knowledgePointCount,
        duration_ms: Math.round(performance.now() - started),
        yields: slicer.yields,
        reader: reader.where,
        ...(reader.rest
          ? { worker_rest: { slices: reader.rest.slices, fixed_ms: reader.rest.fixedMs, busy_ms: reader.rest.busyMs } }
          : {}),
        at: entry.activated_at,
        ...(downgrade ? { downgrade: true as const } : {}),
      };
      if (source === 'sync' || this.lastError?.from === 'push') this.lastError = undefined;
      this.lastActivation = report;
      if (this.config.testPauseBeforeCommitMs) {
        this.logger.warn(
          { version: m.version, ms: this.config.testPauseBeforeCommitMs },
          'test: pausing before commit',
        );
        await new Promise((resolve) => setTimeout(resolve, this.config.testPauseBeforeCommitMs));
      }
      try {
        const { notRemoved } = await this.store.commit(staging, entry, ranBefore, holdBack);
        for (const { dir, error } of notRemoved) {
          this.logger.warn(
            { err: error, dir },
            'a replaced library version could not be removed; the next start removes it',
          );
        }
        this.unsaved = undefined;
        this.unusable = [];
      } catch (error) {
        this.logger.error({ err: error, version: m.version }, 'library is active but could not be saved as last-good');
        if (this.store.current?.sha256 === entry.sha256) {
          this.recordError(new Error(`${m.version} is active but could not be saved as last-good: ${message(error)}`));
        } else {
          // Active now, but a restart comes back to the store's current version: said in status until a later
          // activation or a rollback is saved (a poll's success does not hide it).
          const restartRuns = this.store.current?.version ?? 'the bundled library';
          this.unsaved = {
            version: entry,
            message: `${m.version} is active but could not be saved as last-good (a restart runs ${restartRuns}): ${message(error)}`,
            at: this.now(),
          };
          await staging
            .discard()
            .catch((cleanup: unknown) => this.logger.warn({ err: cleanup }, 'could not remove a staged library'));
        }
      }
      // Only now: a crash before the commit restarts on the previous version, which must not refuse older bundles.
      this.noteTaken(m.created_at);
      this.logger.info(report, 'library activated');
      return report;
    } catch (error) {
      // Cleaning up must not replace the reason the activation failed; a restart removes whatever is left.
      await reader?.close();
      await staging
        ?.discard()
        .catch((cleanup: unknown) => this.logger.warn({ err: cleanup }, 'could not remove a staged library'));
      throw error;
    } finally {
      this.activating = undefined;
    }
  }

  /**
   * A bundle pushed by IT: the manifest (one line) and then the full library or the delta. Refused unless push is
   * enabled and the manifest is signed by a trusted key. The library running already is not activated again; one
   * older than it (by created_at: IT pushed the wrong directory?) only with `allowOlder`.
   */
  async push(
    manifestBytes: Buffer,
    kind: PayloadKind,
    pipe: PayloadPipe,
    options: { allowOlder?: boolean } = {},
  ): Promise<PollOutcome> {
    if (!this.pushEnabled) {
      throw new SyncRequestError('push is disabled: configure PREALERT_ADMIN_TOKEN and PREALERT_SYNC_PUBKEY', 403);
    }
    try {
      return await this.pushVerified(manifestBytes, kind, pipe, options.allowOlder === true);
    } catch (error) {
      const answer = this.pushFailure(error);
      this.recordError(answer, 'push');
      throw answer;
    }
  }

  private async pushVerified(
    manifestBytes: Buffer,
    kind: PayloadKind,
    pipe: PayloadPipe,
    allowOlder: boolean,
  ): Promise<PollOutcome> {
    const verified = verifyManifest(manifestBytes, this.trustedKeys, 'pushed manifest');
    const m = verified.manifest;
    checkRegion(m, this.config.region, 'pushed manifest');
    this.checkNotFuture(m, 'pushed manifest');
    this.checkSize(m, 'pushed manifest');
    const settled = this.pushSettled(m, kind, allowOlder);
    if (settled) return settled;
    // Again under the lock: an activation that ran while this push waited for it may have changed what runs (the
    // same library, pushed twice at once; a newer one that makes this push a downgrade).
    return this.exclusive(async (): Promise<PollOutcome> => {
      const settledNow = this.pushSettled(m, kind, allowOlder);
      if (settledNow) return settledNow;
      const downgrade = this.olderThanRunning(m);
      return {
        outcome: 'activated',
        report: await this.activate(verified, manifestBytes, kind, { pipe }, 'push', downgrade),
      };
    });
  }

  /** Whether a bundle is older than the library running (by created_at): taking it would be a downgrade. */
  private olderThanRunning(m: BundleManifest): boolean {
    const running = this.active ? Date.parse(this.active.created_at) : Number.NaN;
    return !Number.isNaN(running) && Date.parse(m.created_at) < running;
  }

  /** What IT is answered when a push fails for a reason other than the bundle or the request (those say it). */
  private pushFailure(error: unknown): unknown {
    if (error instanceof SyncRequestError || error instanceof BundleError || error instanceof RangeError) return error;
    return this.workstationError('the pushed library could not be activated', error);
  }

  /** A failure of this workstation, worded for IT: a full disk is 507, anything else 500 with its reason. */
  private workstationError(what: string, error: unknown): SyncRequestError {
    if ((error as NodeJS.ErrnoException).code === 'ENOSPC') {
      return new SyncRequestError(`${what}: the disk holding ${this.store.dir} is full (${message(error)})`, 507);
    }
    return new SyncRequestError(`${what}: ${message(error)}`, 500);
  }

  /**
   * A pushed library that runs already (answered as current, nothing activated again); one older than the library
   * running is refused unless IT allowed it; a delta that does not start from the one running is refused.
   */
  private pushSettled(m: BundleManifest, kind: PayloadKind, allowOlder: boolean): PollOutcome | undefined {
    if (m.library.sha256 === this.active?.sha256) return { outcome: 'current', version: m.version };
    if (!allowOlder && this.olderThanRunning(m)) {
      const running = this.active!;
      throw new SyncRequestError(
        `${m.version} (created ${m.created_at}) is older than ${running.version} (created ${running.created_at}), which this workstation runs; nothing was changed. To run the older library anyway, push it with allow_older=1 (prealert push --allow-older)`,
        409,
      );
    }
    if (kind === 'delta' && !(m.delta && this.canApplyDelta(m))) {
      throw new SyncRequestError(
        `the delta starts from ${m.delta?.from_version ?? '(none)'}, this workstation runs ${this.active?.version ?? '(none)'}: push the full library`,
        409,
      );
    }
    return undefined;
  }

  /** Reactivates the previous version; the one left is held back from the poller. */
  rollback(): Promise<ActivationReport> {
    return this.exclusive(async () => {
      const unsaved = this.runningUnsaved?.version;
      const target = this.previousOfRunning();
      if (!target || !this.store.current)
        throw new SyncRequestError('there is no previous library version to roll back to', 409);
      const started = performance.now();
      const slicer = new Slicer(this.sliceMs, this.restMs);
      let loaded: Unpacked;
      try {
        loaded = target.sha256 === null ? await this.compileBundled(slicer) : await this.loadStored(target, slicer);
      } catch (error) {
        throw new SyncRequestError(
          `the previous version ${target.version} cannot be loaded, so nothing was changed: ${message(error)}`,
          409,
        );
      }
      const { compiled, origin } = loaded;
      if (compiled.meta.version !== target.version) {
        // An upgrade of prealert since: its bundled library is another version, and the old one is nowhere.
        throw new SyncRequestError(
          `the previous version ${target.version} was the national library bundled with an earlier prealert; this prealert bundles ${compiled.meta.version}, so there is nothing to roll back to (push ${target.version} to run it again)`,
          409,
        );
      }
      const before = this.holder.get()?.info.version ?? null;
      // Saved before the switch: a save that fails leaves the running library, status and the store agreeing
      // (switched first, the workstation ran the older library while status said the newer one, and a restart
      // silently went back to the newer one).
      let to: StoredVersion;
      try {
        ({ to } = this.store.swapForRollback(new Date(this.now()).toISOString(), unsaved));
      } catch (error) {
        this.logger.error({ err: error, version: target.version }, 'rollback could not be saved');
        throw this.workstationError(
          `the rollback to ${target.version} could not be saved, so ${before ?? 'the running library'} keeps running`,
          error,
        );
      }
      this.holder.swap(compiled, { source: 'rollback', origin });
      this.active = to;
      this.unsaved = undefined;
      // Re-read the platform's manifest on the next poll (no If-None-Match), so status shows what is held back.
      delete this.memory.etag;
      delete this.memory.etag_sha256;
      this.savePollMemory();
      const report: ActivationReport = {
        version_before: before,
        version: to.version,
        sha256: to.sha256 ?? '',
        source: 'rollback',
        path: to.sha256 === null ? 'bundled' : 'stored',
        bytes_received: 0,
        knowledge_points: compiled.knowledgePointCount,
        duration_ms: Math.round(performance.now() - started),
        yields: slicer.yields,
        at: to.activated_at,
      };
      this.lastActivation = report;
      this.logger.warn(report, 'library rolled back');
      return report;
    });
  }

  /**
   * Whether the library went unconfirmed for longer than the configured maximum age. Confirmed current means a
   * successful poll (a 304 included) or an activation (pulled, pushed or rolled back to); when the bundle was made
   * says nothing about whether it is still the one to run, so created_at does not count.
   */
  staleness(): { stale: boolean; reason: string | null; serving: boolean } {
    const maxAge = this.config.maxAgeMs;
    if (maxAge === undefined || !this.active) return { stale: false, reason: null, serving: true };
    const times = [this.memory.last_ok_at];
    // Starting on the bundled library is no confirmation: it ships with prealert and may be months old.
    if (this.active.origin !== 'bundled') times.push(this.active.activated_at);
    const confirmed = Math.max(...times.map((t) => (t ? Date.parse(t) : Number.NaN)).filter((t) => !Number.isNaN(t)));
    const age = this.now() - confirmed;
    if (!(age > maxAge)) return { stale: false, reason: null, serving: true };
    const hours = (age / 3_600_000).toFixed(1);
    return {
      stale: true,
      reason: `library ${this.active.version} not confirmed current for ${hours} h (maximum ${(maxAge / 3_600_000).toFixed(1)} h)${
        this.lastError ? `; last sync error: ${this.lastError.message}` : ''
      }`,
      serving: this.config.stalePolicy === 'serve',
    };
  }

  status(): SyncStatus {
    const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());
    const staleness = this.staleness();
    const active = this.active;
    const unsaved = this.runningUnsaved;
    const previous = this.previousOfRunning();
    const error = this.lastError ?? unsaved;
    const heldVersions = this.store.heldBack.map((sha) =>
      this.available?.sha256 === sha
        ? this.available.version
        : sha === previous?.sha256
          ? previous.version
          : sha.slice(0, 12),
    );
    return {
      url: this.config.url ?? null,
      last_ok_at: this.memory.last_ok_at ?? null,
      last_error: error?.message ?? null,
      last_error_at: iso(error?.at),
      current_etag: this.memory.etag ?? null,
      stale: staleness.stale,
      stale_reason: staleness.reason,
      stale_policy: this.config.stalePolicy,
      max_age_s: this.config.maxAgeMs === undefined ? null : this.config.maxAgeMs / 1000,
      interval_s: this.config.intervalMs / 1000,
      consecutive_failures: this.failures,
      last_attempt_at: iso(this.lastAttemptAt),
      next_poll_at: this.timer ? iso(this.nextPollAt) : null,
      library: active
        ? {
            version: active.version,
            sha256: active.sha256,
            origin: active.origin,
            created_at: active.created_at,
            activated_at: active.activated_at,
            source: this.holder.get()?.info.source ?? 'none',
          }
        : null,
      previous: previous ? { version: previous.version, sha256: previous.sha256, origin: previous.origin } : null,
      held_back: heldVersions,
      unusable: this.unusable,
      available: this.available,
      activating: this.activating ?? null,
      last_activation: this.lastActivation ?? null,
      trusted_keys: this.trustedKeys.map((k) => k.id),
      push_enabled: this.pushEnabled,
    };
  }
}
