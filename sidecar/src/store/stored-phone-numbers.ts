import { maskPhoneNumbers } from '../phone-numbers';
import type { Db } from './database';
import { type NoteUnreadable, type StoredJsonTable, storedJson } from './unreadable-stored-json';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null;

/** Masks `field` of `entry` when it is a string; whether it changed. */
function maskField(entry: Json, field: string): boolean {
  const text = entry[field];
  if (typeof text !== 'string') return false;
  const masked = maskPhoneNumbers(text);
  if (masked === text) return false;
  entry[field] = masked;
  return true;
}

/**
 * A stored text that is not JSON, masked over its whole text: its reason cannot be found in it, and what it holds is
 * kept rather than dropped (an outbox entry may be the only copy of a decision). Codes in it may be masked with the
 * reason; nothing can read them as JSON anyway.
 */
function maskedAsText(table: StoredJsonTable, text: string, noteUnreadable: NoteUnreadable | undefined): string {
  const masked = maskPhoneNumbers(text);
  noteUnreadable?.(table, masked);
  return masked;
}

/**
 * A stored result body with phone numbers masked in the reasons it carries: a result answered as already decided
 * (prior_dspo) carries that decision's dspo_way_rea, and a body recorded by a build that still kept it carries an
 * earlier visit's prior_visit_rea. Only those: the other texts are a rule's or a gateway's, and codes, ids and amounts are data an
 * 11-digit number can legitimately be. A body naming neither key is kept without parsing it (most bodies).
 */
export function maskPhoneNumbersInBodyReasons(json: string, noteUnreadable?: NoteUnreadable): string {
  if (!json.includes('"dspo_way_rea"') && !json.includes('"prior_visit_rea"')) return json;
  const parsed = storedJson(json);
  if (parsed === undefined) return maskedAsText('result_bodies', json, noteUnreadable);
  const body = parsed.value;
  if (!isObject(body)) return json;
  const reason = maskField(body, 'dspo_way_rea');
  const earlierVisit = maskField(body, 'prior_visit_rea');
  return reason || earlierVisit ? JSON.stringify(body) : json;
}

/**
 * An outbox payload with phone numbers masked in the reasons it carries, where a payload written today has them
 * masked: a decision's dspo_way_rea (for the platform) and each warn's of a 3103 for the provincial gateway. The
 * figures carry no reason; the envelope header, codes and the rule name stay as they were queued.
 */
export function maskPhoneNumbersInOutboxReasons(
  kind: string,
  payload: string,
  noteUnreadable?: NoteUnreadable,
): string {
  if (kind !== 'disposition' && kind !== 'upstream_feedback') return payload;
  const parsed = storedJson(payload);
  if (parsed === undefined) return maskedAsText('outbox', payload, noteUnreadable);
  const value = parsed.value;
  if (!isObject(value)) return payload;
  let changed = false;
  if (kind === 'disposition') changed = maskField(value, 'dspo_way_rea');
  else {
    const warns = isObject(value.data) ? value.data.warns : undefined;
    for (const warn of Array.isArray(warns) ? warns : [])
      if (isObject(warn) && maskField(warn, 'dspo_way_rea')) changed = true;
  }
  return changed ? JSON.stringify(value) : payload;
}

/**
 * The masking on arrival (maskPhoneNumbers, national-service.ts) as SQL functions, for the migration that masks the
 * reasons earlier builds stored in clear (database.ts). A value that is not text (never, in these NOT NULL TEXT
 * columns) is returned as it is. `noteUnreadable` is told of each text that is not JSON (masked as text instead), for
 * the start to name its row.
 */
export function registerPhoneNumberMasking(db: Db, noteUnreadable?: NoteUnreadable): void {
  const ifText =
    (mask: (text: string) => string) =>
    (value: unknown): unknown =>
      typeof value === 'string' ? mask(value) : value;
  db.function('mask_phone_numbers', { deterministic: true }, ifText(maskPhoneNumbers));
  db.function(
    'mask_phone_numbers_in_body',
    { deterministic: true },
    ifText((json) => maskPhoneNumbersInBodyReasons(json, noteUnreadable)),
  );
  db.function('mask_phone_numbers_in_outbox', { deterministic: true }, (kind: unknown, value: unknown) =>
    typeof value === 'string' ? maskPhoneNumbersInOutboxReasons(String(kind), value, noteUnreadable) : value,
  );
}
