import type { Logger } from '../logging';

/**
 * Why a browser was turned away. `origin_not_listed`: the page's origin is not in corsOrigins, so the browser gets no
 * CORS answer and the page sees a network error, exactly as if the sidecar were down. `private_network_not_granted`:
 * admitted under `"*"` alone, but its preflight asked for Private Network Access, which only a named origin earns.
 */
export type CorsRefusalReason = 'origin_not_listed' | 'private_network_not_granted';

export const CORS_REFUSAL_REASONS: readonly CorsRefusalReason[] = ['origin_not_listed', 'private_network_not_granted'];

/** One refused origin as /v1/status shows it. */
export interface RefusedOrigin {
  origin: string;
  reason: CorsRefusalReason;
  count: number;
  first_at: string;
  last_at: string;
}

export interface CorsStatus {
  /** corsOrigins as configured (`"*"` included when set). */
  allowed: string[];
  /** Where IT lists a station's origin. */
  setting: string;
  /** The most recently refused origins first, at most STATUS_REFUSED_SHOWN. */
  refused: RefusedOrigin[];
  /** Refusals of origins beyond the first REMEMBERED_ORIGINS: counted, neither logged nor named. */
  refused_unnamed: number;
}

export const CORS_SETTING = 'corsOrigins (PREALERT_CORS_ORIGINS)';

/**
 * A page anywhere on the internet can send preflights with any Origin it likes; remembering (and logging) only the
 * first hundred keeps a hostile page from filling the log or the memory.
 */
export const REMEMBERED_ORIGINS = 100;
/** Enough for IT to spot the station's address beside a few stray pages, small enough to read. */
export const STATUS_REFUSED_SHOWN = 20;
/** An Origin is scheme://host:port; anything longer is not one a station sends, and is cut for the log. */
const ORIGIN_CHARS = 100;

/** The origin as logged and shown: printable ASCII only (a browser never sends more), cut to ORIGIN_CHARS. */
export function shownOrigin(origin: string): string {
  const printable = origin.replace(/[^\x21-\x7e]/g, '?');
  return printable.length > ORIGIN_CHARS ? `${printable.slice(0, ORIGIN_CHARS)}…` : printable;
}

interface Entry {
  reason: CorsRefusalReason;
  count: number;
  firstAt: number;
  lastAt: number;
}

/** The origins the CORS answers turned away: each logged once at warn, the latest kept for /v1/status. */
export class CorsRefusals {
  private readonly byOrigin = new Map<string, Entry>();
  private unnamed = 0;
  private overflowLogged = false;
  /** Every refusal since start, by reason only: what /metrics counts (an origin is the caller's to vary at will). */
  private readonly totals: Record<CorsRefusalReason, number> = { origin_not_listed: 0, private_network_not_granted: 0 };

  constructor(
    private readonly allowed: readonly string[],
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  note(rawOrigin: string, reason: CorsRefusalReason): void {
    this.totals[reason] += 1;
    const origin = shownOrigin(rawOrigin);
    const key = `${reason} ${origin}`;
    const at = this.now();
    const known = this.byOrigin.get(key);
    if (known) {
      known.count += 1;
      known.lastAt = at;
      return;
    }
    if (this.byOrigin.size >= REMEMBERED_ORIGINS) {
      this.unnamed += 1;
      if (!this.overflowLogged) {
        this.overflowLogged = true;
        this.logger.warn(
          { remembered: REMEMBERED_ORIGINS },
          `more than ${REMEMBERED_ORIGINS} origins refused: later ones are only counted (/v1/status cors.refused_unnamed)`,
        );
      }
      return;
    }
    this.byOrigin.set(key, { reason, count: 1, firstAt: at, lastAt: at });
    if (reason === 'origin_not_listed') {
      this.logger.warn(
        { origin, setting: CORS_SETTING, allowed: this.allowed },
        `a web page from ${origin} was refused: that origin is not in ${CORS_SETTING}. A doctor station served from there ` +
          'gets no reminders (the browser reports it as if the sidecar were down) until IT lists its origin',
      );
    } else {
      this.logger.warn(
        { origin, setting: CORS_SETTING, allowed: this.allowed },
        `a web page from ${origin} asked for Private Network Access, which "*" does not grant: list ${origin} by name ` +
          `in ${CORS_SETTING} if it is a doctor station`,
      );
    }
  }

  /** Refusals since start by reason, those beyond the remembered origins included. */
  refusedByReason(): Readonly<Record<CorsRefusalReason, number>> {
    return this.totals;
  }

  status(): CorsStatus {
    const iso = (ms: number) => new Date(ms).toISOString();
    const refused = [...this.byOrigin.entries()]
      .sort(([, a], [, b]) => b.lastAt - a.lastAt)
      .slice(0, STATUS_REFUSED_SHOWN)
      .map(([key, entry]) => ({
        origin: key.slice(key.indexOf(' ') + 1),
        reason: entry.reason,
        count: entry.count,
        first_at: iso(entry.firstAt),
        last_at: iso(entry.lastAt),
      }));
    return { allowed: [...this.allowed], setting: CORS_SETTING, refused, refused_unnamed: this.unnamed };
  }
}
