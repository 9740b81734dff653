import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { LibraryInfo } from './library-holder';
import type { DestinationState } from './outbox/outbox-forwarder';

type Child<T> = T extends { labels: (...args: never[]) => infer C } ? C : never;

const KNOWN_INFNO: ReadonlySet<string> = new Set(['3101', '3102', '3103', '-']);

/**
 * The Prometheus metrics. Label children are resolved once and cached, so the request path does a Map lookup
 * and an increment rather than prom-client's per-call label hashing.
 */
export class SidecarMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'route' | 'infno' | 'outcome'>;
  private readonly duration: Histogram<'infno'>;
  private readonly ruleHits: Counter<'rule_id'>;
  private readonly library: Gauge<'version' | 'source'>;
  private readonly requestChildren = new Map<string, Child<Counter<'route' | 'infno' | 'outcome'>>>();
  private readonly durationChildren = new Map<string, Child<Histogram<'infno'>>>();
  private readonly ruleChildren = new Map<string, Child<Counter<'rule_id'>>>();
  /** All national requests answered since start (for /v1/status). */
  nationalRequests = 0;

  constructor(gauges: {
    recordsPending: () => number;
    /** Whether the records database refuses 3101/3102 records now (a full disk): RecordsWriteWatch. */
    recordsWriteFailing?: () => boolean;
    outboxPending: () => number;
    /** Seconds the oldest undelivered entry has waited; 0 when none waits. */
    outboxOldestPendingAgeSeconds?: () => number;
    /** Outbox entries set aside because their payload is not readable JSON (OutboxStore.unreadable). */
    outboxUnreadable?: () => number;
    outboxDestinations?: () => DestinationState[];
  }) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'prealert_requests_total',
      help: 'Requests answered, by route, national infno and outcome (ok, error = infcode -1 or HTTP >= 400)',
      labelNames: ['route', 'infno', 'outcome'],
      registers,
    });
    this.duration = new Histogram({
      name: 'prealert_request_duration_seconds',
      help: 'Time from request received to response sent, by national infno ("-" for other routes)',
      labelNames: ['infno'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.ruleHits = new Counter({
      name: 'prealert_rule_hits_total',
      help: '3101/3102 results answered, by rule',
      labelNames: ['rule_id'],
      registers,
    });
    this.library = new Gauge({
      name: 'prealert_library_info',
      help: 'The active rule and knowledge library (value 1)',
      labelNames: ['version', 'source'],
      registers,
    });
    new Gauge({
      name: 'prealert_records_pending',
      help: '3101/3102 answers queued for the records database',
      registers,
      collect() {
        this.set(gauges.recordsPending());
      },
    });
    new Gauge({
      name: 'prealert_records_write_failing',
      help: '1 while the records database refuses 3101/3102 records (they are held in memory; a full disk), else 0: /v1/status storage.records_error',
      registers,
      collect() {
        this.set(gauges.recordsWriteFailing?.() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'prealert_outbox_pending',
      help: 'Dispositions and daily figures not yet delivered to the 数据归集 platform',
      registers,
      collect() {
        this.set(gauges.outboxPending());
      },
    });
    new Gauge({
      name: 'prealert_outbox_oldest_pending_age_seconds',
      help: 'Age of the oldest outbox entry not yet delivered (0 when none waits): how far behind the receivers are',
      registers,
      collect() {
        this.set(gauges.outboxOldestPendingAgeSeconds?.() ?? 0);
      },
    });
    new Gauge({
      name: 'prealert_outbox_unreadable',
      help: 'Outbox entries set aside, not sent, because their payload is not readable JSON: kept until IT repairs them',
      registers,
      collect() {
        this.set(gauges.outboxUnreadable?.() ?? 0);
      },
    });
    new Gauge({
      name: 'prealert_outbox_paused',
      help: 'The destination is unreachable: its outbox waits and probes with one entry per backoff interval (1), or not (0)',
      labelNames: ['destination'],
      registers,
      collect() {
        this.reset();
        for (const state of gauges.outboxDestinations?.() ?? []) this.labels(state.name).set(state.paused ? 1 : 0);
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'prealert_' });
  }

  request(route: string, calledInfno: string, ok: boolean, seconds: number): void {
    // The caller chooses infno: anything but the national codes served here shares one label value, so a client
    // sending random codes cannot grow the series (or this process's memory) without bound.
    const infno = KNOWN_INFNO.has(calledInfno) ? calledInfno : 'other';
    const key = `${route}\u0000${infno}\u0000${ok}`;
    let counter = this.requestChildren.get(key);
    if (counter === undefined) {
      counter = this.requests.labels(route, infno, ok ? 'ok' : 'error');
      this.requestChildren.set(key, counter);
    }
    counter.inc();
    let histogram = this.durationChildren.get(infno);
    if (histogram === undefined) {
      histogram = this.duration.labels(infno);
      this.durationChildren.set(infno, histogram);
    }
    histogram.observe(seconds);
  }

  ruleHit(ruleId: string): void {
    let counter = this.ruleChildren.get(ruleId);
    if (counter === undefined) {
      counter = this.ruleHits.labels(ruleId);
      this.ruleChildren.set(ruleId, counter);
    }
    counter.inc();
  }

  libraryActivated(info: LibraryInfo): void {
    this.library.reset();
    this.library.labels(info.version, info.source).set(1);
  }
}
