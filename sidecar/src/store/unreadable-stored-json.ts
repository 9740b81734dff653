import type { Db } from './database';

/** The tables whose JSON texts the masking migrations (schema 7, 18, 19, 20, 21) parse. */
export type StoredJsonTable = 'outbox' | 'result_bodies';

/** Told of a stored text that is not JSON, as the masking wrote it back (masked as text). */
export type NoteUnreadable = (table: StoredJsonTable, written: string) => void;

/** A row whose JSON could not be read: kept, masked as text where that masked anything. */
export interface UnreadableRow {
  table: StoredJsonTable;
  id: string | number;
}

/**
 * The value of a stored JSON text, or undefined when it is not a JSON object (cut short, damaged on disk, edited by
 * hand; every result body and outbox payload is an object, and `null` or a string read as one would fail its reader
 * further on): a masking migration then masks the text as it stands rather than stopping the start, which would
 * stop the reminders over one row, and a reader passes the row over.
 */
export function storedJson(text: string): { value: unknown } | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? { value } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The value of a stored JSON array text (tasks.results), or undefined when it is not a JSON array: as storedJson, for
 * the columns whose every writer stores an array, so that a damaged one is passed over rather than failing its reader.
 */
export function storedJsonArray(text: string): { value: unknown[] } | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? { value } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * SQL for a stored JSON array column (tasks.results) as json_each is to walk it: the column, or NULL (no rows) when it
 * is not valid JSON or not an array. json_each throws "malformed JSON" for the whole statement over one damaged row (a
 * disk fault, a hand edit), which would fail every answer, 3103 or pass that reads it; passed over, the row costs only
 * itself. json_valid is one parse of the text, which json_each does anyway, and leaves the query plan as it was.
 * Nested CASE, not AND: SQLite does not promise json_valid runs before json_type, which throws on a damaged text.
 */
export function readableJsonArraySql(column: string): string {
  return `CASE WHEN json_valid(${column}) THEN CASE WHEN json_type(${column}) = 'array' THEN ${column} END END`;
}

/**
 * SQL for one json_each element as its reader expects it ('array' for a tasks.results entry, 'object' for a result
 * body's detail or a 3103's warn): its value, or NULL otherwise. A damaged text can still be valid JSON of the wrong
 * shape (a hand edit dropping the outer brackets of `[["jr",..]]`), whose scalar elements json_extract or ->> would
 * fail with "malformed JSON". In the expression, not a WHERE filter: SQLite does not promise which is evaluated first.
 */
export function jsonElementSql(alias: string, type: 'array' | 'object'): string {
  return `CASE WHEN ${alias}.type = '${type}' THEN ${alias}.value END`;
}

/** The largest whole number JavaScript holds exactly (Number.MAX_SAFE_INTEGER): a body id read past it is not exact. */
const MAX_BODY_ID = 9_007_199_254_740_991;

/** ASCII whitespace, as SQLite's trim() takes it: space, tab, line feed, vertical tab, form feed, carriage return. */
const ASCII_BLANKS = "' ' || char(9, 10, 11, 12, 13)";

/**
 * SQL for the result body id a tasks.results entry ([jr_id, rule_id, severity, amount, result_bodies.id]; `entry` is
 * SQL for the entry, NULL when it is none, as jsonElementSql gives it) names, as an INTEGER, or NULL when it names
 * none. The one reading of that id for every reader of the column (the task page, the flagged lines, the sightings
 * and the pruning), so that they never disagree about one row: the recorder writes a JSON integer, a hand repair may
 * leave the digits as text (with blanks around them, as whole-number.ts reads a setting), and anything else (12.0,
 * 12.5, 1e1, +12, -12, hex, true, null, an array) is a damaged entry that names no body. SQLite's own comparison
 * `b.id = json_extract(entry, '$[4]')` would read 12.0, 1e1 and true as bodies too, and an INSERT of what it cannot
 * convert ("12x") into an INTEGER PRIMARY KEY fails the whole statement. Past 2^53 an id is refused: JavaScript
 * reading it back would name another body.
 */
export function storedBodyIdSql(entry: string): string {
  // One json_extract an entry, in a subquery: spelt out inline, SQLite evaluated json_extract (and trim) once for
  // each mention, 3 to 5 times an entry, and retention reads every kept entry. Its SQL type tells the JSON one apart
  // but for true and false (read as 1 and 0: only then is json_type asked) and an array or object (read as its JSON
  // text, which no digits-only test passes).
  // Text holding NUL is refused: GLOB, length and CAST stop at it, so "12\0x" would read as 12. The digits are ASCII,
  // so the text's length in bytes is its length in characters unless a NUL cut the latter short.
  const digits = `(SELECT CASE WHEN digits <> '' AND digits NOT GLOB '*[^0-9]*'
      AND length(CAST(digits AS BLOB)) = length(digits)
      AND length(ltrim(digits, '0')) <= ${String(MAX_BODY_ID).length}
      AND CAST(digits AS INTEGER) <= ${MAX_BODY_ID} THEN CAST(digits AS INTEGER) END
    FROM (SELECT trim(stored_id, ${ASCII_BLANKS}) AS digits))`;
  return `(SELECT CASE typeof(stored_id)
      WHEN 'integer' THEN CASE WHEN stored_id BETWEEN 2 AND ${MAX_BODY_ID} THEN stored_id
        WHEN stored_id IN (0, 1) AND json_type(${entry}, '$[4]') = 'integer' THEN stored_id END
      WHEN 'text' THEN ${digits}
    END FROM (SELECT json_extract(${entry}, '$[4]') AS stored_id))`;
}

/**
 * The texts a migration could not read, and then the rows that hold them. A SQL function is not told the row it is
 * called for, so the rows are looked up by their text once the migration is done; only when there is any (a scan).
 */
export class UnreadableRows {
  private readonly texts: Record<StoredJsonTable, Set<string>> = { outbox: new Set(), result_bodies: new Set() };

  readonly note: NoteUnreadable = (table, written) => {
    this.texts[table].add(written);
  };

  rows(db: Db): UnreadableRow[] {
    const found: UnreadableRow[] = [];
    const lookUp = (table: StoredJsonTable, sql: string) => {
      const texts = this.texts[table];
      if (texts.size === 0) return;
      for (const row of db.prepare<[], { id: string | number; text: string }>(sql).iterate())
        if (texts.has(row.text)) found.push({ table, id: row.id });
    };
    lookUp('result_bodies', 'SELECT id, json AS text FROM result_bodies ORDER BY id');
    lookUp('outbox', 'SELECT id, payload AS text FROM outbox ORDER BY id');
    return found;
  }
}

/** The stored times readableTimeSql reads, in ms: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z. */
export const READABLE_TIME = { from: -62_135_596_800_000, to: 253_402_271_999_999 } as const;

/**
 * A stored time in ms (a task's created_at), or NULL when no day can be read from it: stats/days.ts shanghaiDay throws
 * on a text and past year 275,760, past year 9999 gives no YYYY-MM-DD, and before year 1 is no time a sidecar wrote.
 * Such a value is a disk fault or a hand edit. One definition for retention.ts and answer-sightings.ts: a row one of
 * them calls unreadable and the other dates (SQLite's date() reads back to 4713 BC) would be kept by one and have its
 * bodies dated ancient by the other.
 */
export function readableTimeSql(column: string): string {
  return `CASE WHEN typeof(${column}) IN ('integer', 'real')
  AND ${column} BETWEEN ${READABLE_TIME.from} AND ${READABLE_TIME.to} THEN ${column} END`;
}
