import { Counter, Gauge, type Registry } from 'prom-client';
import type { AnalysisThreadStatus } from './analysis/analysis-thread';
import { CORS_REFUSAL_REASONS, type CorsRefusalReason } from './plugins/cors-refusals';
import { softwareInfo } from './software-version';
import type { SyncStatus } from './sync/sync-types';
import { GATEWAY_FAILURE_REASONS, type GatewayHealth } from './upstream/gateway-health';

/** What the metrics below read at each scrape: the same sources /v1/status reads. */
export interface StatusMetricSources {
  sync?: () => Pick<SyncStatus, 'stale' | 'last_ok_at' | 'consecutive_failures' | 'held'>;
  recordsDropped: () => number;
  analysis?: () => AnalysisThreadStatus | null;
  storage: () => Record<'records' | 'checkpoints' | 'figures', string>;
  upstream?: GatewayHealth;
  /** Browser requests and preflights turned away by the CORS answers, by reason (CorsRefusals). */
  corsRefusals?: () => Readonly<Record<CorsRefusalReason, number>>;
}

/**
 * The /v1/status warnings as metrics, so a scrape of many workstations can alert on them (stale library, records
 * dropped, analysis thread restarting, storage on the request thread, provincial gateway down) and on the build.
 */
export function registerStatusMetrics(registry: Registry, sources: StatusMetricSources): void {
  const registers = [registry];
  const software = softwareInfo();
  new Gauge({
    name: 'prealert_build_info',
    help: 'The prealert build this sidecar runs (value 1)',
    labelNames: ['version', 'build', 'node'],
    registers,
  })
    .labels(software.version, software.build, software.node)
    .set(1);
  if (sources.sync) {
    const sync = sources.sync;
    new Gauge({
      name: 'prealert_sync_stale',
      help: 'The library is stale by the sync settings (1), or not (0): /v1/status sync.stale',
      registers,
      collect() {
        this.set(sync().stale ? 1 : 0);
      },
    });
    new Gauge({
      name: 'prealert_sync_last_ok_timestamp_seconds',
      help: 'When library sync last succeeded, Unix seconds (0: never): /v1/status sync.last_ok_at',
      registers,
      collect() {
        const at = sync().last_ok_at;
        this.set(at === null ? 0 : Date.parse(at) / 1000);
      },
    });
    new Gauge({
      name: 'prealert_sync_consecutive_failures',
      help: 'Library sync attempts failed in a row (0 after a success): /v1/status sync.consecutive_failures',
      registers,
      collect() {
        this.set(sync().consecutive_failures);
      },
    });
    new Gauge({
      name: 'prealert_sync_library_held',
      help: 'A pulled or pushed library is held, not activated, because it would drop more knowledge points than PREALERT_SYNC_MAX_DROP_SHARE allows (1), or none is (0): /v1/status sync.held',
      registers,
      collect() {
        this.set(sync().held ? 1 : 0);
      },
    });
  }
  new Counter({
    name: 'prealert_records_dropped_total',
    help: '3101/3102 records that could not be written and were dropped: /v1/status counts.records_dropped',
    registers,
    collect() {
      this.reset();
      this.inc(sources.recordsDropped());
    },
  });
  const analysis = sources.analysis;
  if (analysis) {
    new Gauge({
      name: 'prealert_analysis_on_worker',
      help: '3101/3102 are evaluated on the analysis thread (1) or on the request thread (0): /v1/status analysis.evaluating_on',
      registers,
      collect() {
        const state = analysis();
        if (state) this.set(state.evaluating_on === 'worker' ? 1 : 0);
      },
    });
    new Counter({
      name: 'prealert_analysis_lost_total',
      help: 'Calls the analysis thread held when it stopped, answered with an error: /v1/status analysis.lost',
      registers,
      collect() {
        this.reset();
        this.inc(analysis()?.lost ?? 0);
      },
    });
    new Counter({
      name: 'prealert_analysis_restarts_total',
      help: 'Times the analysis thread was restarted: /v1/status analysis.restarts',
      registers,
      collect() {
        this.reset();
        this.inc(analysis()?.restarts ?? 0);
      },
    });
  }
  new Gauge({
    name: 'prealert_storage_on_request_thread',
    help: 'This storage part runs on the request thread because its worker could not start (1), or on its worker (0): /v1/status storage',
    labelNames: ['part'],
    registers,
    collect() {
      for (const [part, where] of Object.entries(sources.storage())) this.labels(part).set(where === 'worker' ? 0 : 1);
    },
  });
  const upstream = sources.upstream;
  if (upstream) {
    new Gauge({
      name: 'prealert_upstream_up',
      help: 'The provincial gateway answered the latest 3101/3102 forwarded to it (1), or failed it (0); 1 before any call',
      registers,
      collect() {
        this.set(upstream.up === false ? 0 : 1);
      },
    });
    new Gauge({
      name: 'prealert_upstream_last_ok_timestamp_seconds',
      help: 'When the provincial gateway last answered a forwarded 3101/3102, Unix seconds (0: not since start)',
      registers,
      collect() {
        const at = upstream.lastOkAtMs;
        this.set(at === null ? 0 : at / 1000);
      },
    });
    new Counter({
      name: 'prealert_upstream_failures_total',
      help: '3101/3102 forwarded to the provincial gateway and answered without it, by reason (timeout, network_error, http_error, bad_response, gateway_error)',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        // Every reason from 0, so an alert on increase() sees the first failure.
        for (const reason of GATEWAY_FAILURE_REASONS)
          this.labels(reason).inc(upstream.failuresByReason.get(reason) ?? 0);
      },
    });
  }
  const corsRefusals = sources.corsRefusals;
  if (corsRefusals) {
    new Counter({
      name: 'prealert_cors_refusals_total',
      help: 'Browser requests and preflights the CORS answers turned away, by reason (origin_not_listed, private_network_not_granted): /v1/status cors',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        // Every reason from 0, so an alert on increase() sees the first refusal; never by origin, which any page sets.
        const counts = corsRefusals();
        for (const reason of CORS_REFUSAL_REASONS) this.labels(reason).inc(counts[reason]);
      },
    });
  }
}
