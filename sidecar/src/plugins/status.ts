import type { FastifyInstance } from 'fastify';
import type { AnalysisThreadStatus } from '../analysis/analysis-thread';
import type { LibraryHolder } from '../library-holder';
import type { DestinationState } from '../outbox/outbox-forwarder';
import type { SidecarMetrics } from '../sidecar-metrics';
import { softwareInfo } from '../software-version';
import { countedReminder } from '../stats/compliance-figures';
import type { FiguresReader } from '../stats/figures-reader';
import type { Db } from '../store/database';
import type { OutboxStore } from '../store/outbox';
import type { AnalysisRecorder } from '../store/records';
import type { RecordsWriteWatch } from '../store/records-write-failure';
import type { WalCheckpointer } from '../store/wal-checkpointer';
import type { UnsafeKeyPath } from '../sync/key-file-safety';
import type { LibrarySync } from '../sync/library-sync';
import type { SyncStatus } from '../sync/sync-types';
import { NO_UPSTREAM, type UpstreamStatus } from '../upstream/gateway-health';
import { shownUrl } from '../url-credentials';
import type { CorsStatus } from './cors-refusals';

/** Where this sidecar keeps its files and listens: for IT at the workstation, who otherwise had only the first log line. */
export interface SidecarWhereabouts {
  data_dir: string;
  config_file: string | null;
  /** The log file as configured (rolled daily: <name>.<day>.<n>.log beside it), or "stdout". */
  log: string;
  /** null until listening. */
  listening: { host: string; port: number; url: string } | null;
}

export interface StatusOptions {
  holder: LibraryHolder;
  db: Db;
  recorder: AnalysisRecorder;
  /** Whether 3101/3102 records are being refused by the database (a full disk): `storage.records_error`. */
  recordsWrite?: Pick<RecordsWriteWatch, 'failure'>;
  outbox: OutboxStore;
  /** The outbox's destinations (none without a platform or gateway URL). */
  outboxDestinations?: () => DestinationState[];
  metrics: SidecarMetrics;
  checkpointer: Pick<WalCheckpointer, 'where'>;
  /** Where /v1/stats and the daily figures are computed. */
  figures: Pick<FiguresReader, 'where'>;
  startedAt: number;
  /** Library sync: adds the `sync` block. */
  sync?: Pick<LibrarySync, 'status'>;
  /** The analysis thread's status; null when 3101/3102 are evaluated on the request thread only. */
  analysis?: () => AnalysisThreadStatus | null;
  /** evaluator.ruleOverrides ids naming no rule of the active library (see rule-override-watch). */
  unknownRuleOverrides?: () => string[];
  /** The key files, config file and folders another local account could rewrite; null: not checked (Windows). */
  unsafeKeyPaths?: UnsafeKeyPath[] | null;
  /** Where the data, config and log are, and the address listened on. */
  where: () => SidecarWhereabouts;
  /** 3101/3102 forwarding to the provincial gateway; undefined when upstream.url is not set. */
  upstream?: () => UpstreamStatus;
  /** The origins admitted and those recently turned away (a B/S station's origin missing looks like a down sidecar). */
  cors?: () => CorsStatus;
}

interface StoredCounts {
  tasks: number;
  tasks_undelivered: number;
  reminders: number;
  reminders_undelivered: number;
  dispositions: number;
}

export async function status(app: FastifyInstance, options: StatusOptions): Promise<void> {
  // `reminders` are those /v1/stats counts over every kept day, by the figures' own condition (countedReminder):
  // one covered by an earlier 继续执行 or asked again by a later reminder is left out here too, so the two agree.
  // Those only answers no client got carried (kept, counted in no figure) are `reminders_undelivered`. `tasks`
  // stays every answer recorded, the audit trail, with the undelivered ones among them beside it.
  const counts = options.db.prepare(
    `SELECT (SELECT COUNT(*) FROM tasks) AS tasks,
            (SELECT COUNT(*) FROM tasks WHERE undelivered IS NOT NULL) AS tasks_undelivered,
            (SELECT COUNT(*) FROM reminders r WHERE ${countedReminder(options.db)}) AS reminders,
            (SELECT COUNT(*) FROM reminders WHERE undelivered IS NOT NULL) AS reminders_undelivered,
            (SELECT COUNT(*) FROM dispositions) AS dispositions`,
  );
  // The file's own, not the build's: IT comparing workstations sees which schema each records database is at.
  const schema = () => options.db.pragma('user_version', { simple: true }) as number;
  app.get('/v1/status', async () => {
    await options.recorder.flush();
    const active = options.holder.get();
    const sync = options.sync ? shownSyncStatus(options.sync.status()) : undefined;
    return {
      status: active ? 'ready' : 'not_ready',
      software: softwareInfo(),
      where: options.where(),
      // Beside the library that runs, the one held instead of it (too many points dropped), where IT looks first.
      library: active ? { ...active.info, ...(sync ? { held: sync.held } : {}) } : null,
      library_error: options.holder.loadError ?? null,
      uptime_s: Math.round((Date.now() - options.startedAt) / 1000),
      records: { schema: schema() },
      counts: {
        ...(counts.get() as StoredCounts),
        national_requests: options.metrics.nationalRequests,
        outbox_pending: options.outbox.pending(),
        outbox_unreadable: options.outbox.unreadable(),
        records_dropped: options.recorder.dropped,
        records_pending: options.recorder.pending,
      },
      outbox: outboxStatus(options),
      // Where the records database is written, checkpointed and read for figures: "worker" threads, or the request
      // thread where a worker could not run (IT staff: a repackaged install missing dist/*-worker.js).
      storage: {
        records: options.recorder.writerThread,
        checkpoints: options.checkpointer.where,
        figures: options.figures.where,
        records_error: options.recordsWrite?.failure ?? null,
      },
      analysis: options.analysis?.() ?? null,
      config: {
        unknown_rule_overrides: options.unknownRuleOverrides?.() ?? [],
        sync_key_unsafe: options.unsafeKeyPaths === undefined ? [] : options.unsafeKeyPaths,
      },
      upstream: options.upstream?.() ?? NO_UPSTREAM,
      cors: options.cors?.() ?? null,
      ...(sync ? { sync } : {}),
    };
  });
}

function outboxStatus(options: StatusOptions) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    pending: options.outbox.pending(),
    oldest_pending_age_s: Math.round(options.outbox.oldestPendingAgeSeconds()),
    // Set aside, not sent: a payload that is not readable JSON waits for IT to repair it (README, Records database).
    unreadable: options.outbox.unreadable(),
    destinations: (options.outboxDestinations?.() ?? []).map((state) => ({
      name: state.name,
      paused: state.paused,
      unreachable_since: iso(state.unreachableSince),
      reason: state.reason,
      failures: state.failures,
      next_probe_at: iso(state.nextProbeAt),
    })),
  };
}

/**
 * The sync block as anyone who reaches /v1/status may read it (another machine too, listening beyond loopback): the
 * bundle URL with its userinfo and query values masked (url-credentials.ts), as every error text names it.
 */
function shownSyncStatus(status: SyncStatus): SyncStatus {
  return status.url === null ? status : { ...status, url: shownUrl(status.url) };
}
