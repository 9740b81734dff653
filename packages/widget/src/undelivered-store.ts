import type { NationalRequest } from './envelope';
import { SERVICE_PATH } from './service-call';

/**
 * One 3103 the sidecar has not acknowledged, as kept in localStorage so that a reload or a closed tab does not lose
 * the doctor's answer: the next element for the same sidecar sends it again. The sidecar records the same answer
 * twice as one decision (same jr_id, same dspo_way and reason: no new revision), so a copy sent by two pages is
 * harmless.
 */
export interface StoredFeedback {
  /** Unique per decision: which copy to remove once the sidecar answered it. */
  id: string;
  jrId: string;
  /** The encounter of the warning answered (encounterKey: patn_id with mdtrt_id), when known. */
  encounter?: string;
  /** When the doctor decided (ms since the epoch). */
  createdAt: number;
  /** The complete 3103 envelope as built when the doctor decided (opter, inf_time, msgid of that moment). */
  request: NationalRequest;
}

/** A week: an answer older than that is news to nobody, and the sidecar keeps its reminders about as long. */
export const MAX_STORED_AGE_MS = 7 * 24 * 60 * 60 * 1000;
/** Per sidecar: a page that piles up more than this has a sidecar gone for good, not a short outage. */
export const MAX_STORED_ITEMS = 200;

const KEY_PREFIX = 'prealert.undelivered-3103:';

/** The sidecar's base URL as callService reaches it (the `sidecar` attribute, empty = the page's origin). */
export function sidecarBase(sidecar: string, pageUrl: string): string {
  const base = sidecar.replace(/\/+$/, '');
  try {
    const endpoint = new URL(`${base}${SERVICE_PATH}`, pageUrl).href;
    return endpoint.slice(0, endpoint.length - SERVICE_PATH.length);
  } catch {
    return base;
  }
}

function storage(): Storage | undefined {
  try {
    // Reading the property itself throws where storage is blocked (sandboxed frames, some private modes).
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
}

function isStored(value: unknown): value is StoredFeedback {
  if (typeof value !== 'object' || value === null) return false;
  const item = value as Partial<StoredFeedback>;
  return (
    typeof item.id === 'string' &&
    typeof item.jrId === 'string' &&
    typeof item.createdAt === 'number' &&
    typeof item.request === 'object' &&
    item.request !== null &&
    item.request.infno === '3103'
  );
}

/** The items kept for a sidecar; undefined when storage cannot be read. Never throws. */
function read(base: string): StoredFeedback[] | undefined {
  const store = storage();
  if (!store) return undefined;
  try {
    const raw = store.getItem(KEY_PREFIX + base);
    if (raw === null) return [];
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? parsed.filter(isStored) : [];
  } catch {
    // Unreadable or not ours: start afresh rather than break the widget.
    return [];
  }
}

function write(base: string, items: readonly StoredFeedback[]): boolean {
  const store = storage();
  if (!store) return false;
  try {
    if (items.length === 0) store.removeItem(KEY_PREFIX + base);
    else store.setItem(KEY_PREFIX + base, JSON.stringify(items));
    return true;
  } catch {
    return false; // quota exceeded, storage disabled
  }
}

function warnDropped(dropped: readonly StoredFeedback[], why: string): void {
  if (dropped.length === 0) return;
  console.warn(
    `prealert: ${dropped.length} undelivered 3103 answer(s) dropped from localStorage (${why}): ${dropped
      .map((item) => item.jrId)
      .join(', ')}`,
  );
}

/** Keeps an item; false when it could not be kept (no storage, quota): the page must then stay open. */
export function keepUndelivered(base: string, item: StoredFeedback): boolean {
  const items = read(base);
  if (items === undefined) return false;
  const next = [...items.filter((kept) => kept.id !== item.id), item];
  const dropped = next.length > MAX_STORED_ITEMS ? next.splice(0, next.length - MAX_STORED_ITEMS) : [];
  if (!write(base, next)) return false;
  warnDropped(dropped, `more than ${MAX_STORED_ITEMS} waiting for ${base}`);
  return true;
}

/** Removes an item once the sidecar answered it (recorded or refused for good), or a newer answer replaced it. */
export function forgetUndelivered(base: string, id: string): void {
  const items = read(base);
  if (items === undefined || !items.some((item) => item.id === id)) return;
  write(
    base,
    items.filter((item) => item.id !== id),
  );
}

/** Whether the item is still kept (false: another page delivered or replaced it); undefined when unreadable. */
export function stillUndelivered(base: string, id: string): boolean | undefined {
  return read(base)?.some((item) => item.id === id);
}

/**
 * The items an earlier page left for this sidecar, oldest first, without those older than MAX_STORED_AGE_MS (dropped
 * with a console warning). They stay stored until the sidecar answers each.
 */
export function undeliveredFor(base: string, now = Date.now()): StoredFeedback[] {
  const items = read(base);
  if (items === undefined) return [];
  const fresh = items.filter((item) => now - item.createdAt <= MAX_STORED_AGE_MS);
  if (fresh.length < items.length) {
    write(base, fresh);
    warnDropped(
      items.filter((item) => !fresh.includes(item)),
      'older than 7 days',
    );
  }
  return fresh.sort((a, b) => a.createdAt - b.createdAt);
}
