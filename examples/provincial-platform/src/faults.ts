/** Which requests a fault hits. `payload` = a library or delta file; `collect` = 数据归集 uploads. */
export type FaultTarget = 'manifest' | 'library' | 'delta' | 'payload' | 'bundle' | 'collect' | 'any';

export type FaultKind =
  /** Answer with an HTTP error status (default 503). */
  | 'status'
  /** Wait `delayMs` before answering, and/or send the body at `bytesPerSecond`. */
  | 'slow'
  /** Announce the full Content-Length, send part of the body, then cut the connection. */
  | 'truncate'
  /** Serve manifest.json with its signature altered. */
  | 'bad_signature'
  /** Serve a payload file with one byte changed (same size, so only the hash can tell). */
  | 'wrong_hash'
  /** Close the connection without answering. */
  | 'reset';

export interface Fault {
  kind: FaultKind;
  target?: FaultTarget;
  /** Requests it applies to before it clears itself; unlimited when absent. */
  times?: number;
  status?: number;
  delayMs?: number;
  bytesPerSecond?: number;
  /** For truncate: the share of the body sent before the cut (default 0.5). */
  fraction?: number;
}

const DEFAULT_TARGET: Record<FaultKind, FaultTarget> = {
  status: 'bundle',
  slow: 'bundle',
  truncate: 'payload',
  bad_signature: 'manifest',
  wrong_hash: 'payload',
  reset: 'bundle',
};

const KINDS = new Set<string>(Object.keys(DEFAULT_TARGET));
const TARGETS = new Set<string>(['manifest', 'library', 'delta', 'payload', 'bundle', 'collect', 'any']);

/** Checks a fault given over HTTP (demos) or by a test; the error names the field. */
export function parseFault(value: unknown): Fault {
  if (typeof value !== 'object' || value === null) throw new Error('fault: must be an object');
  const f = value as Record<string, unknown>;
  if (typeof f.kind !== 'string' || !KINDS.has(f.kind)) throw new Error(`fault.kind: one of ${[...KINDS].join(', ')}`);
  if (f.target !== undefined && (typeof f.target !== 'string' || !TARGETS.has(f.target))) {
    throw new Error(`fault.target: one of ${[...TARGETS].join(', ')}`);
  }
  for (const field of ['times', 'status', 'delayMs', 'bytesPerSecond']) {
    if (f[field] !== undefined && (!Number.isInteger(f[field]) || (f[field] as number) < 0)) {
      throw new Error(`fault.${field}: a non-negative integer`);
    }
  }
  if (f.fraction !== undefined && (typeof f.fraction !== 'number' || f.fraction < 0 || f.fraction >= 1)) {
    throw new Error('fault.fraction: a number from 0 to below 1');
  }
  return f as unknown as Fault;
}

export type RequestTarget = 'manifest' | 'library' | 'delta' | 'other' | 'collect';

function matches(target: FaultTarget, request: RequestTarget): boolean {
  switch (target) {
    case 'any':
      return true;
    case 'bundle':
      return request !== 'collect';
    case 'payload':
      return request === 'library' || request === 'delta';
    default:
      return target === request;
  }
}

/** The faults in force, consumed in the order they were added. */
export class FaultBoard {
  private faults: (Fault & { target: FaultTarget; left: number })[] = [];
  /** How many requests each kind of fault has hit, for tests to assert on. */
  readonly hits = new Map<FaultKind, number>();

  add(fault: Fault): void {
    const f = parseFault(fault);
    this.faults.push({ ...f, target: f.target ?? DEFAULT_TARGET[f.kind], left: f.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.faults = [];
  }

  list(): Fault[] {
    return this.faults.map(({ left, ...f }) => ({ ...f, ...(Number.isFinite(left) ? { times: left } : {}) }));
  }

  /** The fault hitting this request, if any (it counts as used). */
  take(request: RequestTarget): Fault | undefined {
    const index = this.faults.findIndex((f) => matches(f.target, request));
    if (index < 0) return undefined;
    const fault = this.faults[index]!;
    fault.left--;
    if (fault.left <= 0) this.faults.splice(index, 1);
    this.hits.set(fault.kind, (this.hits.get(fault.kind) ?? 0) + 1);
    return fault;
  }
}
