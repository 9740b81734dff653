import type { LibraryData } from '@prealert/core';
import {
  type BundleManifest,
  checkHeaderAgainstManifest,
  checkLibraryAgainstManifest,
  checkRegion,
  loadNationalLibrary,
  nationalLibrarySha256,
  type PackedReadResult,
  Slicer,
  type TrustedKey,
  type VerifiedManifest,
  verifyManifest,
} from '@prealert/rules-cache';
import { Agent } from 'undici';
import { backoff, jittered } from '../backoff';
import type { LibraryHolder } from '../library-holder';
import type { Logger } from '../logging';
import { shownUrl, siblingUrl } from '../url-credentials';
import { saveActivation, type UnsavedActivation } from './activation-save';
import { fetchManifest } from './bundle-fetch';
import { checkSize } from './bundle-size';
import { deltaApplies } from './delta';
import { checkRoomForLibrary, localDiskFailure } from './download-space';
import { message } from './error-message';
import { checkNotSkipped, noteBundleFailure } from './failing-bundles';
import { LastGoodStore, type PollMemory, type Staging, type StoredVersion } from './last-good-store';
import { writeLibraryImage } from './library-image-writer';
import { loadStoredLibrary, type StoredLoad, unpacked } from './library-loading';
import { type LibraryPacker, openLibraryPacker } from './library-packer';
import { reportOfflineRollbacks } from './offline-rollback-report';
import { receivePayload } from './payload-receive';
import type { HeldLibrary } from './point-drop-guard';
import { holdForDrop, notToActivate, type PollChecks, settledUnderLock } from './poll-checks';
import { PollMemoryFile } from './poll-memory';
import { olderThanRunning, pushFailure, pushSettled } from './push-checks';
import { acceptedPush, type PushOutcome, refusalStatus, refusedPush } from './push-outcome';
import { memoryForUrl, ReplayGuard } from './replay-guard';
import { restoreAtStart } from './restore-at-start';
import { rollBack } from './rollback-swap';
import { notConsented, type ShrinkConsent } from './shrink-consent';
import { countAgeFrom, type Staleness, stalenessOf } from './staleness';
import type { SyncConfig } from './sync-config';
import { SyncRequestError } from './sync-request-error';
import { syncStatus } from './sync-status';
import type {
  ActivationReport,
  Payload,
  PayloadKind,
  PayloadPipe,
  PollOutcome,
  SyncStatus,
  UnusableVersion,
} from './sync-types';
import { loadKeys } from './trusted-keys';

// What the rest of the sidecar imports from here; the types live in sync-types.ts, the error in sync-request-error.ts.
export { SyncRequestError } from './sync-request-error';
export type {
  ActivationReport,
  Payload,
  PayloadKind,
  PayloadPipe,
  PollOutcome,
  SyncStatus,
  UnusableVersion,
} from './sync-types';

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
  /**
   * The key library images are written and checked with (library-image-key.ts, from the install secret). Without
   * one no image is written or read: every start reads the stored library file.
   */
  imageKey?: Uint8Array;
}

/**
 * A slice of activation work between two turns of the event loop: short enough that a request arriving mid-slice
 * waits no longer than the sidecar's own p99 for it.
 */
const DEFAULT_SLICE_MS = 2;

/**
 * Keeps the workstation's library current: polls the platform's bundle directory, accepts pushes from IT, rolls
 * back, and remembers the last good library across restarts. Every activation verifies the signature and every
 * hash, builds the new index in slices off the request path, then swaps it in with one assignment (requests in
 * flight finish on the library they started with), and only then records it as last-good.
 *
 * This class holds the state and orders the steps; the steps themselves live beside it: the start (restore-at-start,
 * state-rebuild), the replay guard, the memory of failing bundles, deltas, poll and push checks, rollback, staleness.
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
  private readonly imageKey: Uint8Array | undefined;
  /** The packer writing a library image now (closed by stop: an image is only a cache). */
  private imageWriter: LibraryPacker | undefined;
  private readonly loadBundled: () => LibraryData;
  /** The bundled library's sha256 as the build computed it (null for a library given in its place). */
  private readonly bundledSha256: string | null;
  private readonly adminEnabled: boolean;
  private readonly memoryFile: PollMemoryFile;
  private readonly replay: ReplayGuard;
  private agent: Agent | undefined;
  private active: StoredVersion | undefined;
  /**
   * The running version when it is active but could not be saved as last-good: a restart runs the store's current
   * version instead, which is therefore the one before it (for status and a rollback).
   */
  private unsaved: UnsavedActivation | undefined;
  /**
   * Stored versions the start could not load but kept (see restoreAtStart): the one running is then a fallback,
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
  /** The latest library held for dropping too many points (point-drop-guard.ts), until something else is activated. */
  private held: HeldLibrary | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<PollOutcome> | undefined;
  private exclusiveTail: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private stopping: Promise<void> | undefined;

  constructor(options: LibrarySyncOptions) {
    this.config = options.config;
    this.holder = options.holder;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.sliceMs = options.sliceMs ?? DEFAULT_SLICE_MS;
    this.restMs = options.restMs ?? options.config.activationRestMs;
    this.useWorker = options.useWorker ?? true;
    this.imageKey = options.imageKey;
    this.loadBundled = options.loadBundled ?? (() => loadNationalLibrary());
    this.bundledSha256 = options.loadBundled ? null : nationalLibrarySha256();
    this.adminEnabled = options.adminEnabled;
    this.trustedKeys = loadKeys(options.config.publicKeyFiles, options.config.publicKeySetting);
    this.store = new LastGoodStore(options.dataDir);
    this.memoryFile = new PollMemoryFile(this.store, this.logger);
    this.replay = new ReplayGuard(this.now, this.config.maxClockSkewMs);
  }

  /** What the poller remembers between runs (sync.json); changed in place, saved with memoryFile.save(). */
  private get memory(): PollMemory {
    return this.memoryFile.memory;
  }

  /** The activation that could not be saved, while it is still the one running. */
  private get runningUnsaved(): UnsavedActivation | undefined {
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
    if (countAgeFrom(this.memory, this.config, this.now)) this.memoryFile.save();
    if (this.memoryFile.etagOffersAnother(this.active?.sha256, this.store.heldBack)) {
      // The ETag names a manifest offering another library than the one this start runs (it was activated but
      // never saved, or it could not be loaded): a 304 would keep this workstation on the old one for good.
      this.memoryFile.forgetEtag();
      this.memoryFile.save();
    }
  }

  private async restoreLibrary(): Promise<void> {
    const { recovered, unreadable } = this.store.open();
    if (recovered.length > 0) this.logger.warn({ removed: recovered }, 'cleaned up after an interrupted activation');
    this.memoryFile.memory = memoryForUrl(this.store.readPollMemory(), this.config.manifestUrl);
    let lastLoad: { entry: StoredVersion; load: StoredLoad } | undefined;
    const start = await restoreAtStart({
      store: this.store,
      holder: this.holder,
      logger: this.logger,
      unreadable,
      manifestUrl: this.config.manifestUrl,
      loadBundled: this.loadBundled,
      bundledSha256: this.bundledSha256,
      loadStored: async (entry) => {
        const load = await this.loadStored(entry, new Slicer(this.sliceMs, this.restMs));
        lastLoad = { entry, load };
        return load;
      },
    });
    // Once the state is settled (a rebuilt one included): the image is written only for a version the store keeps.
    if (lastLoad && start.active?.sha256 === lastLoad.entry.sha256) this.keepImage(lastLoad.entry, lastLoad.load);
    this.active = start.active;
    this.unusable = start.unusable;
    if (start.error) this.recordError(start.error);
    this.reportOfflineRollbacks();
  }

  /** See offline-rollback-report.ts: the latest one becomes last_activation. */
  private reportOfflineRollbacks(): void {
    const latest = reportOfflineRollbacks(this.store, this.holder, this.active, this.logger);
    if (latest) this.lastActivation = latest;
  }

  /**
   * Reads a stored library back, checking it against its signed manifest as if it had just been received: from its
   * library image when there is a good one (see loadStoredLibrary).
   */
  private loadStored(entry: StoredVersion, slicer: Slicer): Promise<StoredLoad> {
    const open = (file: string, maxBytes: number, s: Slicer, staging?: Staging) =>
      this.openLibraryPacker(file, maxBytes, s, staging);
    const image = this.imageKey ? { key: this.imageKey, logger: this.logger } : undefined;
    return loadStoredLibrary(entry, this.store, this.trustedKeys, open, slicer, image);
  }

  /** A stored version read from its library file: its image is written, for the next start (see writeImage). */
  private keepImage(entry: StoredVersion, load: StoredLoad): void {
    if (load.readFrom === 'library') this.scheduleImage(entry, load.read);
  }

  /**
   * Writes the image of a stored version after whatever activation or rollback runs now (one at a time, as they
   * are), off this thread where a worker can start. Never a failure of what it follows: see writeImage.
   */
  private scheduleImage(entry: StoredVersion, read: PackedReadResult): void {
    if (!this.imageKey || this.stopped) return;
    void this.exclusive(() => this.writeImage(entry, read));
  }

  /** See library-image-writer.ts. */
  private writeImage(entry: StoredVersion, read: PackedReadResult): Promise<void> {
    return writeLibraryImage(
      {
        key: this.imageKey,
        stopped: () => this.stopped,
        store: this.store,
        logger: this.logger,
        sliceMs: this.sliceMs,
        restMs: this.restMs,
        openPacker: (file, maxBytes, slicer) => this.openLibraryPacker(file, maxBytes, slicer),
        setWriter: (packer) => {
          this.imageWriter = packer;
        },
      },
      entry,
      read,
    );
  }

  /** Where a library is received and packed: a worker thread unless the options say otherwise (see library-packer). */
  private openLibraryPacker(file: string, maxBytes: number, slicer: Slicer, staging?: Staging): Promise<LibraryPacker> {
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
      // An image half written is only a temp file, which the next start removes.
      void this.imageWriter?.close();
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      await this.polling?.catch(() => undefined);
      await this.exclusiveTail.catch(() => undefined);
      await this.memoryFile.written();
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
   * downloads a bundle the poller skips after repeated verification failures once more. `allowShrink` (an admin's
   * explicit activation of a held library) takes the offered library however many points it drops: any, or only the
   * one it names by sha256 (shrink-consent.ts). When the poll it waited for activated the library the platform still
   * offers, the answer is that activation, not "not modified": IT asked for the platform's library and it was taken
   * while the request waited (the timer's first poll after a start often is the one that takes it).
   */
  async pollNow(options: { fresh?: boolean; allowShrink?: ShrinkConsent } = {}): Promise<PollOutcome> {
    const waitedFor = options.fresh && this.polling ? await this.polling : undefined;
    this.polling ??= this.poll(options.fresh === true, options.allowShrink ?? false).finally(() => {
      this.polling = undefined;
    });
    const outcome = await this.polling;
    // A poll asked for counts as the timer's: the next one is an interval (or a backoff) away.
    if (options.fresh && this.timer) this.scheduleNext();
    return outcome.outcome === 'not_modified' && this.stillRunsWaitedFor(waitedFor, options.allowShrink)
      ? waitedFor
      : outcome;
  }

  /**
   * Whether a fresh poll's 304 may be answered with the activation it waited for: that library still runs (a
   * rollback while the request was out forgets the ETag only after it was sent, so a 304 can follow a rollback), and
   * an allow_shrink naming a library names that one (consent to X is not answered "activated Y").
   */
  private stillRunsWaitedFor(
    waitedFor: PollOutcome | undefined,
    allowShrink: ShrinkConsent | undefined,
  ): waitedFor is Extract<PollOutcome, { outcome: 'activated' }> {
    if (waitedFor?.outcome !== 'activated') return false;
    const { sha256 } = waitedFor.report;
    if (sha256 !== this.active?.sha256) return false;
    return typeof allowShrink !== 'object' || sha256.startsWith(allowShrink.sha256);
  }

  private async poll(retrySkipped = false, allowShrink: ShrinkConsent = false): Promise<PollOutcome> {
    const url = this.config.manifestUrl;
    if (!url || this.stopped) return { outcome: 'disabled' };
    this.lastAttemptAt = this.now();
    /** Set once the bundle's files are being fetched: what failed then may be the bundle itself. */
    let downloading: { manifest: BundleManifest; etag: string | undefined } | undefined;
    try {
      this.agent ??= new Agent({ keepAliveTimeout: 30_000, connections: 2 });
      const fetched = await fetchManifest(this.agent, url, this.memory.etag, this.config.timeoutMs);
      // What the checks below name in their errors: these reach /v1/status, /readyz, the log and err_msg.
      const shown = shownUrl(url);
      if (fetched.status === 304) {
        // The manifest of the library taken before: the platform no longer offers the one held.
        this.forgetHeldOffer();
        this.succeeded();
        return { outcome: 'not_modified' };
      }
      const verified = verifyManifest(fetched.bytes, this.trustedKeys, shown);
      const m = verified.manifest;
      checkRegion(m, this.config.region, shown);
      this.replay.checkNotFuture(m, shown);
      this.available = { version: m.version, sha256: m.library.sha256, created_at: m.created_at };
      const settled = notToActivate(this.pollChecks(), m, shown);
      if (settled) {
        this.forgetHeldOffer();
        this.succeeded(fetched.etag, m.library.sha256);
        return settled;
      }
      checkSize(m, shown, this.config.maxBundleBytes);
      checkNotSkipped(this.memoryFile, m, fetched.etag, retrySkipped);
      const outcome = await this.exclusive(async (): Promise<PollOutcome> => {
        const settledNow = settledUnderLock(this.pollChecks(), m, shown, allowShrink);
        if (settledNow) return settledNow;
        checkRoomForLibrary(this.store.dir, m.version, m.library.size);
        downloading = { manifest: m, etag: fetched.etag };
        return { outcome: 'activated', report: await this.activateFromPlatform(verified, fetched.bytes, url) };
      });
      const holding = outcome.outcome === 'held' || (outcome.outcome === 'not_named' && outcome.held !== null);
      if (!holding) this.forgetHeldOffer();
      // A held library's ETag is not remembered: each poll reads its manifest again (no library is downloaded), so a
      // restart, which forgets what was held, finds it held again at its first poll. Nor is one an admin's named
      // library was not: the next poll treats it as any poll does.
      const settledOffer = outcome.outcome === 'held' || outcome.outcome === 'not_named';
      this.succeeded(settledOffer ? undefined : fetched.etag, m.library.sha256);
      return outcome;
    } catch (caught) {
      const error =
        localDiskFailure(caught, this.store.dir) ??
        (downloading
          ? noteBundleFailure(this.memoryFile, this.logger, downloading.manifest, downloading.etag, caught)
          : caught);
      this.recordError(error);
      this.failures++;
      this.logger.warn(
        { err: message(error), failures: this.failures },
        'library sync failed; the active library stays',
      );
      return { outcome: 'failed', error: message(error) };
    }
  }

  /** LibrarySync's state for the checks in poll-checks.ts, as it is now. */
  private pollChecks(): PollChecks {
    return {
      active: this.active,
      store: this.store,
      replay: this.replay,
      memory: this.memory,
      holder: this.holder,
      maxDropShare: this.config.maxDropShare,
      now: this.now,
      logger: this.logger,
      held: this.held,
      keepHeld: (held) => {
        this.held = held;
      },
    };
  }

  /** A poll found the platform offering something other than the library it held. */
  private forgetHeldOffer(): void {
    if (this.held?.source === 'sync') this.held = undefined;
  }

  private succeeded(etag?: string, offered?: string): void {
    this.failures = 0;
    this.lastError = undefined;
    // The platform no longer offers a bundle that failed (a 304 is the manifest of the library taken before).
    delete this.memory.failed_bundle;
    this.memory.last_ok_at = new Date(this.now()).toISOString();
    if (etag !== undefined) this.memoryFile.rememberEtag(etag, offered);
    this.memoryFile.save();
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
      url: siblingUrl(file, url),
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
    return deltaApplies(m, this.active, this.store);
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
    let reader: LibraryPacker | undefined;
    try {
      // The manifest is kept verbatim, signatures and all: a restart verifies the stored library like a received one.
      staging = await this.store.stage(manifestBytes);
      reader = await this.openLibraryPacker(m.library.file, m.library.size, slicer, staging);
      const packer = reader;
      const received = await receivePayload({
        kind,
        manifest: m,
        payload,
        packer,
        slicer,
        agent: this.agent,
        active: () => this.active,
        store: this.store,
      });
      const read = await packer.end();
      checkLibraryAgainstManifest(m.library.file, read, m);
      checkHeaderAgainstManifest(m.library.file, read.packed.meta, m);
      await staging.finish();
      // Every point was checked against the rules as it was read: the packed library cannot fail to compile.
      const { compiled, origin } = unpacked(read.packed);
      const before = this.holder.get()?.info.version ?? null;
      this.holder.swap(compiled, { source, origin, sha256: m.library.sha256 });
      // What was held was measured against the library just replaced (or is this one, taken on purpose).
      this.held = undefined;
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
      const holdBack = downgrade ? this.active : undefined;
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
      await saveActivation({
        store: this.store,
        logger: this.logger,
        staging,
        entry,
        ranBefore,
        holdBack,
        now: this.now,
        onSaved: () => {
          this.unsaved = undefined;
          this.unusable = [];
        },
        onStoredAnyway: (error) => this.recordError(error),
        onUnsaved: (unsaved) => {
          this.unsaved = unsaved;
        },
      });
      // Only now, and only once saved: a restart (after a crash before the commit, or a save that failed) runs the
      // version before, which must not refuse the platform's bundles newer than it.
      if (this.store.current?.sha256 === entry.sha256) {
        this.replay.noteTaken(this.memory, m.created_at);
        this.memoryFile.save();
        this.scheduleImage(entry, read);
      }
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
    options: { allowOlder?: boolean; allowShrink?: ShrinkConsent } = {},
  ): Promise<PollOutcome> {
    if (!this.pushEnabled) {
      const disabled = new SyncRequestError(
        'push is disabled: configure PREALERT_ADMIN_TOKEN and PREALERT_SYNC_PUBKEY',
        403,
      );
      this.noteRefusedPush(disabled, manifestBytes);
      throw disabled;
    }
    try {
      const outcome = await this.pushVerified(manifestBytes, kind, pipe, {
        allowOlder: options.allowOlder === true,
        allowShrink: options.allowShrink ?? false,
      });
      this.keepPush(acceptedPush(outcome, this.now()));
      return outcome;
    } catch (error) {
      const answer = pushFailure(error, this.store.dir);
      this.recordError(answer, 'push');
      this.noteRefusedPush(answer, manifestBytes);
      throw answer;
    }
  }

  /**
   * A refused push, kept for status (the next successful poll clears last_error, not this) and logged at warn with
   * its reason, so that the workstation itself says why it did not take it. Also for a push refused before its manifest
   * line was read whole. The reason is what the push was answered; the admin token is never part of it.
   */
  noteRefusedPush(error: unknown, manifestBytes?: Buffer): void {
    const refused = refusedPush(error, manifestBytes, this.now());
    this.keepPush(refused);
    this.logger.warn(
      { version: refused.version, status: refusalStatus(error), reason: refused.reason },
      'pushed library refused; the active library stays',
    );
  }

  /** In sync.json, so that a restart after a refused push still shows why. */
  private keepPush(outcome: PushOutcome): void {
    this.memory.last_push = outcome;
    this.memoryFile.save();
  }

  private async pushVerified(
    manifestBytes: Buffer,
    kind: PayloadKind,
    pipe: PayloadPipe,
    { allowOlder, allowShrink }: { allowOlder: boolean; allowShrink: ShrinkConsent },
  ): Promise<PollOutcome> {
    const verified = verifyManifest(manifestBytes, this.trustedKeys, 'pushed manifest');
    const m = verified.manifest;
    checkRegion(m, this.config.region, 'pushed manifest');
    this.replay.checkNotFuture(m, 'pushed manifest');
    checkSize(m, 'pushed manifest', this.config.maxBundleBytes);
    const settle = () => pushSettled(m, kind, allowOlder, this.active, (offer) => this.canApplyDelta(offer));
    const settled = settle();
    if (settled) return settled;
    // Again under the lock: an activation that ran while this push waited for it may have changed what runs (the
    // same library, pushed twice at once; a newer one that makes this push a downgrade).
    return this.exclusive(async (): Promise<PollOutcome> => {
      const settledNow = settle();
      if (settledNow) return settledNow;
      const refusal = notConsented(
        allowShrink,
        { version: m.version, sha256: m.library.sha256 },
        'the pushed bundle is',
      );
      if (refusal) throw new SyncRequestError(refusal, 409);
      // A pushed library is not kept when held: IT pushes it again with allow_shrink to take it.
      const held = allowShrink ? undefined : holdForDrop(this.pollChecks(), m, 'push');
      if (held) throw new SyncRequestError(held.reason, 409);
      const downgrade = olderThanRunning(m, this.active);
      return {
        outcome: 'activated',
        report: await this.activate(verified, manifestBytes, kind, { pipe }, 'push', downgrade),
      };
    });
  }

  /**
   * Reactivates the previous version; the one left is held back from the poller. A previous version that is itself
   * held back (a rollback went from it) is refused unless `reactivateHeldBack`: see held-back-target. The steps are in
   * rollback-swap.ts; here they run one at a time with activations, on the state as it is once those are done.
   */
  rollback(options: { reactivateHeldBack?: boolean } = {}): Promise<ActivationReport> {
    return this.exclusive(() =>
      rollBack({
        store: this.store,
        holder: this.holder,
        logger: this.logger,
        memoryFile: this.memoryFile,
        now: this.now,
        sliceMs: this.sliceMs,
        restMs: this.restMs,
        // Read here, inside exclusive, once the activations queued before have run: read at the call, a rollback
        // queued behind an activation would take the version before it as its target.
        target: this.previousOfRunning(),
        unsaved: this.runningUnsaved?.version,
        reactivateHeldBack: options.reactivateHeldBack ?? false,
        active: () => this.active,
        loadBundled: this.loadBundled,
        bundledSha256: this.bundledSha256,
        loadStored: (entry, slicer) => this.loadStored(entry, slicer),
        onSwapped: (to, stored) => {
          this.active = to;
          this.held = undefined;
          this.unsaved = undefined;
          if (stored) this.keepImage(to, stored);
        },
        onReport: (report) => {
          this.lastActivation = report;
        },
      }),
    );
  }

  /** Whether the library went unconfirmed for longer than the configured maximum age (see staleness.ts). */
  staleness(): Staleness {
    return stalenessOf({
      config: this.config,
      active: this.active,
      lastOkAt: this.memory.last_ok_at,
      ageCountedFrom: this.memory.age_counted_from,
      lastError: this.lastError?.message,
      now: this.now,
    });
  }

  /** See sync-status.ts. */
  status(): SyncStatus {
    return syncStatus({
      config: this.config,
      memory: this.memory,
      holder: this.holder,
      store: this.store,
      staleness: this.staleness(),
      active: this.active,
      unsaved: this.runningUnsaved,
      previous: this.previousOfRunning(),
      lastError: this.lastError,
      failures: this.failures,
      lastAttemptAt: this.lastAttemptAt,
      scheduled: this.timer !== undefined,
      nextPollAt: this.nextPollAt,
      available: this.available,
      unusable: this.unusable,
      activating: this.activating,
      lastActivation: this.lastActivation,
      held: this.held,
      trustedKeys: this.trustedKeys,
      pushEnabled: this.pushEnabled,
    });
  }
}
