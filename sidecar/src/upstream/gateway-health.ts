import type { Logger } from 'pino';
import type { UpstreamOutcome } from './provincial-gateway';

export type GatewayFailureReason = Extract<UpstreamOutcome, { ok: false }>['reason'];
export const GATEWAY_FAILURE_REASONS: readonly GatewayFailureReason[] = [
  'timeout',
  'network_error',
  'http_error',
  'bad_response',
  'gateway_error',
];

/** The upstream block of /v1/status: only times, counts and the failure's class, never a gateway's text. */
export interface UpstreamStatus {
  configured: boolean;
  /** The gateway's URL without userinfo, query or fragment. */
  url: string | null;
  up: boolean | null;
  last_ok_at: string | null;
  last_failure_at: string | null;
  last_failure_reason: GatewayFailureReason | null;
  consecutive_failures: number;
  /** 3101/3102 answered without the gateway's warnings since start (marked truncated). */
  answers_without_gateway: number;
}

/**
 * How the 3101/3102 forwarding to the provincial gateway fares. A gateway that is down failed every call, and a
 * warning per call flooded the log of a busy workstation while /v1/status said nothing: now the change is logged,
 * once when forwarding starts failing and once when it recovers, and the state is read from status and metrics.
 */
export class GatewayHealth {
  private lastOkAt: number | null = null;
  private lastFailureAt: number | null = null;
  private lastFailureReason: GatewayFailureReason | null = null;
  private consecutive = 0;
  private withoutGateway = 0;
  /** Failures since start, by class (the metrics counter). */
  readonly failuresByReason = new Map<GatewayFailureReason, number>();

  constructor(
    private readonly shownUrl: string,
    private readonly logger?: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  succeeded(): void {
    if (this.consecutive > 0) {
      this.logger?.info(
        { upstream_failures: this.consecutive, last_failure_reason: this.lastFailureReason },
        'upstream gateway answers again; its warnings are merged again',
      );
    }
    this.consecutive = 0;
    this.lastOkAt = this.now();
  }

  failed(reason: GatewayFailureReason): void {
    this.withoutGateway++;
    this.failuresByReason.set(reason, (this.failuresByReason.get(reason) ?? 0) + 1);
    if (this.consecutive === 0) {
      this.logger?.warn(
        { upstream: reason, url: this.shownUrl },
        'upstream gateway forwarding fails: 3101/3102 are answered without its warnings (marked truncated) until it recovers; per-call detail at debug level',
      );
    }
    this.consecutive++;
    this.lastFailureAt = this.now();
    this.lastFailureReason = reason;
  }

  /** Up: the latest call was answered; null before any call. */
  get up(): boolean | null {
    if (this.consecutive > 0) return false;
    return this.lastOkAt === null ? null : true;
  }

  get lastOkAtMs(): number | null {
    return this.lastOkAt;
  }

  status(): UpstreamStatus {
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return {
      configured: true,
      url: this.shownUrl,
      up: this.up,
      last_ok_at: iso(this.lastOkAt),
      last_failure_at: iso(this.lastFailureAt),
      last_failure_reason: this.lastFailureReason,
      consecutive_failures: this.consecutive,
      answers_without_gateway: this.withoutGateway,
    };
  }
}

export const NO_UPSTREAM: UpstreamStatus = {
  configured: false,
  url: null,
  up: null,
  last_ok_at: null,
  last_failure_at: null,
  last_failure_reason: null,
  consecutive_failures: 0,
  answers_without_gateway: 0,
};
