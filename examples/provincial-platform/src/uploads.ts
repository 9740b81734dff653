/** One 数据归集 upload as it arrived: the sidecar forwards 3103 dispositions and daily figures, each with a key. */
export interface Upload {
  key: string;
  path: string;
  kind: string | null;
  received_at: string;
  /** How many times the same key arrived (retries after a lost acknowledgement). */
  deliveries: number;
  body: unknown;
}

/** The receiving end of 数据归集: keeps each idempotency key once, counts the repeats. */
export class UploadInbox {
  private readonly byKey = new Map<string, Upload>();

  /** Records an upload; returns whether the key was new. */
  accept(key: string, path: string, body: unknown, now = new Date()): boolean {
    const existing = this.byKey.get(key);
    if (existing) {
      existing.deliveries++;
      return false;
    }
    const kind =
      typeof body === 'object' && body !== null && typeof (body as { kind?: unknown }).kind === 'string'
        ? (body as { kind: string }).kind
        : null;
    this.byKey.set(key, { key, path, kind, received_at: now.toISOString(), deliveries: 1, body });
    return true;
  }

  list(): Upload[] {
    return [...this.byKey.values()];
  }

  clear(): void {
    this.byKey.clear();
  }
}
