import { mayHoldIdNumber } from '../id-numbers';
import { maskIdNumbers } from '../logging';
import type { Db } from './database';
import { type NoteUnreadable, type StoredJsonTable, storedJson } from './unreadable-stored-json';

/**
 * 15 digits (what every ID number has, maybe grouped or full-width: mayHoldIdNumber), or 6 cut short by an ellipsis:
 * most texts have neither, and are kept without parsing them.
 */
const CUT_SHORT = /\d{6}…/;
const mayHoldAny = (text: string): boolean => mayHoldIdNumber(text) || CUT_SHORT.test(text);

/**
 * The start of an ID number where a text was cut to its length (core clips a quoted diagnosis name to 20 characters
 * and a message to 500, before anything here sees it): 「11010519820…」 keeps the region and the birth year and month,
 * and is no longer 18 characters for maskIdNumbers to recognise. Six digits and more before the ellipsis are masked.
 */
const CUT_ID_NUMBER = /(?<![0-9])[1-9]\d{5,16}(?=…)/g;

/** Free text with ID numbers masked, whole or cut short at an ellipsis. */
export function maskWholeAndCutIdNumbers(text: string): string {
  return maskIdNumbers(text).replace(CUT_ID_NUMBER, '[redacted]');
}

/**
 * A stored result body (JSON) with ID numbers masked in its string values. Identifiers (keys ending in "_id": jr_id,
 * rule_id, mdtrt_id, rx_id…) are kept as sent, as maskPatientNamesInJson keeps them: they are codes, and the record is
 * looked up and linked by them.
 */
export function maskIdNumbersInBody(json: string, noteUnreadable?: NoteUnreadable): string {
  if (!mayHoldAny(json)) return json;
  const body = storedJson(json);
  if (body === undefined) return maskedAsText('result_bodies', json, noteUnreadable);
  return JSON.stringify(body.value, maskIdNumbersInTexts);
}

/**
 * A stored text that is not JSON, masked over its whole text, identifiers included: nothing can read it as JSON to
 * link by them, and what it holds is kept rather than dropped (an outbox entry may be the only copy of a decision).
 */
function maskedAsText(table: StoredJsonTable, text: string, noteUnreadable: NoteUnreadable | undefined): string {
  const masked = maskWholeAndCutIdNumbers(text);
  noteUnreadable?.(table, masked);
  return masked;
}

function maskIdNumbersInTexts(key: string, value: unknown): unknown {
  return typeof value === 'string' && !key.endsWith('_id') ? maskWholeAndCutIdNumbers(value) : value;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null;

/**
 * An outbox payload with ID numbers masked where a payload written today has them masked: a decision's reason and
 * rule name (dispositions.ts copies both from what is stored masked), each reason of a 3103 for the provincial gateway,
 * and the rule names of a day's figures (their label is the reminders' rule_name; a rule without a name is labelled
 * by its id, which is kept). Codes and the gateway's envelope header stay as written, as they are on arrival.
 */
function maskIdNumbersInOutboxPayload(kind: string, payload: string, noteUnreadable?: NoteUnreadable): string {
  if (!mayHoldAny(payload)) return payload;
  const parsed = storedJson(payload);
  if (parsed === undefined) return maskedAsText('outbox', payload, noteUnreadable);
  const value = parsed.value;
  if (!isObject(value)) return payload;
  let changed = false;
  const mask = (entry: Json, field: string) => {
    const text = entry[field];
    if (typeof text !== 'string') return;
    const masked = maskIdNumbers(text);
    if (masked === text) return;
    entry[field] = masked;
    changed = true;
  };
  if (kind === 'disposition') {
    mask(value, 'dspo_way_rea');
    mask(value, 'rule_name');
  } else if (kind === 'upstream_feedback') {
    const warns = isObject(value.data) ? value.data.warns : undefined;
    for (const warn of Array.isArray(warns) ? warns : []) if (isObject(warn)) mask(warn, 'dspo_way_rea');
  } else if (kind === 'daily_figures') {
    const rows = Array.isArray(value.by_rule) ? value.by_rule : [];
    for (const row of rows) if (isObject(row) && row.label !== row.key) mask(row, 'label');
  }
  return changed ? JSON.stringify(value) : payload;
}

/**
 * The masking above as SQL functions, for the migration that masks what older versions stored in clear
 * (database.ts): the same code as on arrival, which SQLite's own functions cannot express. `noteUnreadable` is told
 * of each text that is not JSON (masked as text instead), for the start to name its row.
 */
export function registerIdNumberMasking(db: Db, noteUnreadable?: NoteUnreadable): void {
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  db.function('mask_id_numbers', { deterministic: true }, (value: unknown) => {
    const s = text(value);
    return s === null ? value : maskIdNumbers(s);
  });
  db.function('mask_id_numbers_in_body', { deterministic: true }, (value: unknown) => {
    const s = text(value);
    return s === null ? value : maskIdNumbersInBody(s, noteUnreadable);
  });
  db.function('mask_id_numbers_in_outbox', { deterministic: true }, (kind: unknown, value: unknown) => {
    const s = text(value);
    return s === null ? value : maskIdNumbersInOutboxPayload(String(kind), s, noteUnreadable);
  });
}
