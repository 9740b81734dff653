import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { diskProblem } from '../disk-space';
import { OWNER_ONLY_DIR, OWNER_ONLY_FILE, restrictToOwner } from '../owner-only';
import { type PrunedSchemaBackups, pruneSchemaBackups } from './schema-backups';
import { registerIdNumberMasking } from './stored-id-numbers';
import { registerPhoneNumberMasking } from './stored-phone-numbers';
import { registerStaffCodeTrimming } from './stored-staff-codes';
import { type UnreadableRow, UnreadableRows } from './unreadable-stored-json';

export type Db = Database.Database;

export const DATABASE_FILE_NAME = 'prealert.sqlite';

/**
 * The 3103 reasons masked for phone numbers wherever they are stored (schema 18; re-run by each later migration for a
 * masking that learned more forms), with the arrival code registered by migrate (registerPhoneNumberMasking). Only
 * rows that change are written, so it can run any number of times.
 *
 * A new migration per masking improvement, rather than a "masking generation" stored in the database and re-run at
 * each start when it is behind: a migration is one transaction that also moves user_version, so a kill in the middle
 * leaves the old rows and schema (the next start runs it again) or the new ones; it is preceded by the
 * prealert.sqlite.schema<N>.bak copy that a roll-back restores, and an older build refuses the file it wrote
 * (newerSchema) instead of writing reasons in clear beside masked ones. A generation would need its own copy, its own
 * refusal and its own number in /v1/status and fleet status to give the same, and the schema is already what IT reads.
 */
const PHONE_NUMBERS_IN_STORED_REASONS_MASKED = `
  UPDATE dispositions SET dspo_way_rea = mask_phone_numbers(dspo_way_rea)
    WHERE mask_phone_numbers(dspo_way_rea) IS NOT dspo_way_rea;
  UPDATE result_bodies SET json = mask_phone_numbers_in_body(json) WHERE mask_phone_numbers_in_body(json) IS NOT json;
  UPDATE outbox SET payload = mask_phone_numbers_in_outbox(kind, payload)
    WHERE mask_phone_numbers_in_outbox(kind, payload) IS NOT payload;
  `;

/**
 * Each entry moves the schema one version up; entries are never edited once shipped, only appended, so a
 * workstation that skipped releases still arrives at the same schema.
 */
export const MIGRATIONS: readonly string[] = [
  `
  -- One row per 3101/3102 answer. Its encounters and results are JSON arrays in the row (one insert per answer):
  --   encounters: [[mdtrt_id, patient_key, dept_code, doctor_code, med_type], …]
  --   results:    [[jr_id, rule_id, severity, amount, result_bodies.id], …] in answer order
  CREATE TABLE tasks (
    id              INTEGER PRIMARY KEY,
    task_id         TEXT    NOT NULL,
    infno           TEXT    NOT NULL,
    trig_scen       TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    elapsed_us      INTEGER NOT NULL,
    library_version TEXT    NOT NULL,
    encounters      TEXT    NOT NULL,
    results         TEXT    NOT NULL
  );
  CREATE INDEX tasks_by_task_id ON tasks (task_id);

  -- A result[] entry as answered (patn_id pseudonymised, task_id blank: it is the task's). Re-analysing an
  -- encounter answers the same entries again, so each distinct body is stored once and shared by its tasks.
  CREATE TABLE result_bodies (
    id    INTEGER PRIMARY KEY,
    jr_id TEXT NOT NULL,
    json  TEXT NOT NULL
  );

  -- One row per distinct jr_id: the unit of 提醒人次. Re-analysing an encounter does not add a row.
  CREATE TABLE reminders (
    jr_id        TEXT PRIMARY KEY,
    first_task   INTEGER NOT NULL REFERENCES tasks (id),
    day          TEXT    NOT NULL,
    first_at     INTEGER NOT NULL,
    infno        TEXT    NOT NULL,
    rule_id      TEXT    NOT NULL,
    rule_name    TEXT    NOT NULL,
    kp_id        TEXT    NOT NULL,
    severity     INTEGER NOT NULL,
    impact       TEXT    NOT NULL,
    amount       REAL    NOT NULL,
    mdtrt_id     TEXT    NOT NULL,
    patient_key  TEXT    NOT NULL,
    dept_code    TEXT    NOT NULL,
    dept_name    TEXT    NOT NULL,
    doctor_code  TEXT    NOT NULL,
    doctor_name  TEXT    NOT NULL,
    source       TEXT    NOT NULL
  );
  CREATE INDEX reminders_by_day ON reminders (day);

  -- The doctor's latest 3103 decision per reminder.
  CREATE TABLE dispositions (
    jr_id        TEXT PRIMARY KEY REFERENCES reminders (jr_id),
    dspo_way     TEXT    NOT NULL,
    dspo_way_rea TEXT    NOT NULL,
    warn_type    TEXT    NOT NULL,
    at           INTEGER NOT NULL,
    revision     INTEGER NOT NULL
  );

  -- 数据归集: what is to be forwarded to the platform, each exactly once by id.
  CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    kind            TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    delivered_at    INTEGER,
    last_error      TEXT
  );
  CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE delivered_at IS NULL;
  `,
  `
  -- A provincial gateway's result id (its jr_id) and the reminder it is counted under: a result the local answer
  -- already had (same rule and line) is counted under the local jr_id. A 3103 on that reminder goes back to the
  -- gateway under the gateway's id; reported_revision is the decision's revision last queued for it there.
  CREATE TABLE upstream_links (
    gateway_jr_id     TEXT PRIMARY KEY,
    jr_id             TEXT    NOT NULL,
    seen_at           INTEGER NOT NULL,
    reported_revision INTEGER
  );
  CREATE INDEX upstream_links_by_jr_id ON upstream_links (jr_id, seen_at);
  `,
  `
  -- Records retention (retention.ts). What the answers still refer to is read from the tasks after they are written
  -- (answer-sightings.ts), never on the request path: the latest day (Asia/Shanghai) a reminder was answered again
  -- after the day it is dated by (a long stay re-analysed under the same library can still get a 3103 for it), and
  -- the latest day a result body was part of an answer (a body is shared by every answer that gave it unchanged).
  CREATE TABLE reminder_seen (
    jr_id TEXT PRIMARY KEY,
    day   TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE body_seen (
    id  INTEGER PRIMARY KEY,
    day TEXT NOT NULL
  );
  -- Deleting a task makes SQLite look for a reminder naming it as its first (the foreign key): without an index, a
  -- scan of every reminder for each task deleted (a 500-task batch of a 130,000-reminder database took 1.5 s).
  CREATE INDEX reminders_by_first_task ON reminders (first_task);
  -- name 'tasks_read': the highest tasks.id read for the two tables above.
  CREATE TABLE retention_progress (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
  ) WITHOUT ROWID;
  -- The compliance figures of the reminders pruned, per day, rule, department and doctor (pruned-figures.ts): the
  -- finest grain /v1/stats groups or filters by, so every report over a pruned day comes out as it did before.
  CREATE TABLE pruned_figures (
    day             TEXT    NOT NULL,
    rule_id         TEXT    NOT NULL,
    dept_code       TEXT    NOT NULL,
    doctor_code     TEXT    NOT NULL,
    rule_name       TEXT    NOT NULL,
    dept_name       TEXT    NOT NULL,
    doctor_name     TEXT    NOT NULL,
    reminders       INTEGER NOT NULL,
    reminder_amount REAL    NOT NULL,
    complied        INTEGER NOT NULL,
    complied_amount REAL    NOT NULL,
    continued       INTEGER NOT NULL,
    pending         INTEGER NOT NULL,
    PRIMARY KEY (day, rule_id, dept_code, doctor_code)
  ) WITHOUT ROWID;
  `,
  `
  -- The last revision of a decision whose reminder retention.ts pruned. The same jr_id can be answered and decided
  -- again (the same encounter under the same library); its decision goes on from this revision, so that its outbox
  -- id (dispositionEntryId) is never one the platform already received and would take for a repeat.
  CREATE TABLE disposition_revisions (
    jr_id    TEXT PRIMARY KEY,
    revision INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  `
  -- The latest amount a reminder was answered with (the same jr_id answered again, its quantity changed) and when
  -- that answer was received; NULL while it is the first answer's. reminders.amount is the amount the figures count, that of
  -- the latest answer the doctor's decision applies to (record-rows.ts, dispositions.ts).
  ALTER TABLE reminders ADD COLUMN answered_amount REAL;
  ALTER TABLE reminders ADD COLUMN answered_at INTEGER;
  `,
  `
  -- A reminder first answered as already decided though its jr_id was new: every line it flags was flagged by an
  -- earlier reminder of the same rule and point in the same encounter that the doctor continued (a settlement's 单日
  -- pair over days each continued under its own jr_id). covered_by is one of those jr_ids. It is kept (a 3103 may
  -- name it) but counted in no figure: its lines' decisions already are. NULL for every reminder before this version,
  -- and set back to NULL by a 3103 返回修改 on the reminder (dispositions.ts): counted from then on.
  ALTER TABLE reminders ADD COLUMN covered_by TEXT;
  `,
  `
  -- ID numbers masked in what versions before the masking on arrival stored in clear: 3103 reasons, result bodies,
  -- rule names (and the figures' copies of them) and the outbox entries that carry them (a re-send would forward them
  -- in clear). The mask_id_numbers* functions are the arrival code (stored-id-numbers.ts), registered by migrate; only
  -- rows that change are written. secure_delete zeroes the old cells; migrate checkpoints the WAL into the file.
  UPDATE dispositions SET dspo_way_rea = mask_id_numbers(dspo_way_rea)
    WHERE mask_id_numbers(dspo_way_rea) IS NOT dspo_way_rea;
  UPDATE result_bodies SET json = mask_id_numbers_in_body(json) WHERE mask_id_numbers_in_body(json) IS NOT json;
  UPDATE reminders SET rule_name = mask_id_numbers(rule_name) WHERE mask_id_numbers(rule_name) IS NOT rule_name;
  UPDATE pruned_figures SET rule_name = mask_id_numbers(rule_name)
    WHERE mask_id_numbers(rule_name) IS NOT rule_name;
  UPDATE outbox SET payload = mask_id_numbers_in_outbox(kind, payload)
    WHERE mask_id_numbers_in_outbox(kind, payload) IS NOT payload;
  `,
  `
  -- An answer whose client was gone before it was written (the widget or SDK gave up on a slow 3101 and told the
  -- doctor 医保提醒暂不可用, the native shim passed its deadline): kept for the audit trail, undelivered = 1 on its
  -- task. A reminder whose every answer so far was undelivered is kept too but counted in no figure and shown by no
  -- task view: no doctor saw it. The first delivered answer of its jr_id makes it that answer's reminder (dated and
  -- attributed by it), and a 3103 naming it counts it (record-rows.ts, dispositions.ts). NULL before this version.
  ALTER TABLE tasks ADD COLUMN undelivered INTEGER;
  ALTER TABLE reminders ADD COLUMN undelivered INTEGER;
  `,
  `
  -- The item names of the lines an answer's results flag or involve, {rx_id: name} (hilist_name, else hosplist_name;
  -- ID numbers masked): a result names its lines only by rx_id, and the reminder page (GET /ui/reminder) shows a
  -- doctor names. Nothing else of the request is kept. NULL for answers before this version (the page shows their
  -- rx_ids) and for one whose lines have no name.
  ALTER TABLE tasks ADD COLUMN line_names TEXT;
  `,
  `
  -- /v1/status counts the answers and reminders no client got (undelivered) apart from the rest, on the request
  -- thread: read from these few index entries, not every row (~0.7 s for 200,000 answers and 600,000 reminders).
  CREATE INDEX IF NOT EXISTS tasks_undelivered ON tasks (undelivered) WHERE undelivered IS NOT NULL;
  CREATE INDEX IF NOT EXISTS reminders_undelivered ON reminders (undelivered) WHERE undelivered IS NOT NULL;
  `,
  `
  -- When a delivered answer raised a reminder answered 返回修改 again, the answer received after the decision
  -- (dispositions.at): the line was not changed, so the modification was not carried out and the desk is asked again.
  -- The figures count it pending, not complied, while reasked_at is after its decision's at; a 3103 on it (a new
  -- decision, or the same one given again, dated later) decides it as usual (record-rows.ts, compliance-figures.ts).
  -- NULL for every reminder before this version and for one never re-asked.
  ALTER TABLE reminders ADD COLUMN reasked_at INTEGER;
  `,
  `
  -- An unanswered reminder a later one asks about again: the later reminder (same patient, encounter, rule, point and
  -- library version) flags every line this one flags, as the settlement's 药品限支付疗程 over the days the nurse
  -- station was warned about one by one. folded_into is that later jr_id (record-rows.ts). The figures count the
  -- later one, not this one, while this one has no decision of its own (compliance-figures.ts countedReminder):
  -- the same money is not reminded twice. NULL before this version and for every reminder not so asked again.
  ALTER TABLE reminders ADD COLUMN folded_into TEXT;
  CREATE INDEX IF NOT EXISTS reminders_by_encounter ON reminders (mdtrt_id, rule_id);
  `,
  `
  -- The same order by task ids rather than by the wall clock, which may be set back (decision-order.ts): the last
  -- task id written when the decision was made, and the task id of the answer that asked again. NULL in the rows
  -- from before: those keep their order by time.
  ALTER TABLE dispositions ADD COLUMN after_task INTEGER;
  ALTER TABLE reminders ADD COLUMN reasked_task INTEGER;
  `,
  `
  -- The doctor who made the latest decision, as its 3103's envelope named its 经办人 (opter, opter_name), stored as
  -- a reminder's doctor code and name are (staff-fields.ts). The figures by doctor count a decided reminder under
  -- this doctor, not the one whose order raised it (compliance-figures.ts countedDoctor): a doctor who takes over a
  -- patient answers for what he decides. NULL when the 3103 named nobody, and in every row before this version:
  -- those are counted under the reminder's doctor, as before.
  ALTER TABLE dispositions ADD COLUMN decider_code TEXT;
  ALTER TABLE dispositions ADD COLUMN decider_name TEXT;
  `,
  `
  -- The day each line an answer's results flag or involve was ordered on, {rx_id: "yyyy-MM-dd"} (its drord_begn_date,
  -- as core reads it): a result's lines carry no date, and the reminder page (GET /ui/reminder) dates a long stay's
  -- grouped lines of one item (「16 条违规项（09-03 至 09-18）」). The day only. NULL for answers before this version (the
  -- page then names no days) and for one whose lines have no readable date.
  ALTER TABLE tasks ADD COLUMN line_dates TEXT;
  `,
  `
  -- Department and doctor codes as they are stored since (staff-fields.ts recordedStaffCode): trimmed. Builds before
  -- stored the spaces of a fixed-width HIS column (' A03 ', 'D001 '), so those rows matched no dept=/doctor= filter
  -- (trimmed, stats-query.ts) and were a department or doctor of their own beside the unpadded code. trimmed_staff_code
  -- and encounters_with_trimmed_codes are the arrival code (stored-staff-codes.ts), registered by migrate; only rows
  -- that change are written, so running it again changes nothing. A keyed pseudonym (~…) has no spaces to trim. The
  -- outbox is not rewritten: what is queued for the platform is sent as it was queued.
  UPDATE reminders SET dept_code = trimmed_staff_code(dept_code), doctor_code = trimmed_staff_code(doctor_code)
    WHERE trimmed_staff_code(dept_code) IS NOT dept_code OR trimmed_staff_code(doctor_code) IS NOT doctor_code;
  UPDATE tasks SET encounters = encounters_with_trimmed_codes(encounters)
    WHERE encounters_with_trimmed_codes(encounters) IS NOT encounters;
  -- A 3103's opter has been trimmed since decider_code exists; trimmed here all the same, so that no code column is
  -- left that the figures by doctor could find padded.
  UPDATE dispositions SET decider_code = trimmed_staff_code(decider_code)
    WHERE trimmed_staff_code(decider_code) IS NOT decider_code;
  -- A pruned day's figures are keyed by their codes: a padded row is added to the row of its trimmed codes (made when
  -- there is none), as foldIntoPrunedFigures adds reminders folded later, then removed. SQLite reads the rows to add
  -- before it inserts any (the SELECT is on the table inserted into).
  INSERT INTO pruned_figures (day, rule_id, dept_code, doctor_code, rule_name, dept_name, doctor_name,
      reminders, reminder_amount, complied, complied_amount, continued, pending)
    SELECT day, rule_id, trimmed_staff_code(dept_code), trimmed_staff_code(doctor_code), rule_name, dept_name,
      doctor_name, reminders, reminder_amount, complied, complied_amount, continued, pending
    FROM pruned_figures
    WHERE trimmed_staff_code(dept_code) IS NOT dept_code OR trimmed_staff_code(doctor_code) IS NOT doctor_code
    ON CONFLICT (day, rule_id, dept_code, doctor_code) DO UPDATE SET
      rule_name = MAX(rule_name, excluded.rule_name),
      dept_name = MAX(dept_name, excluded.dept_name),
      doctor_name = MAX(doctor_name, excluded.doctor_name),
      reminders = reminders + excluded.reminders,
      reminder_amount = reminder_amount + excluded.reminder_amount,
      complied = complied + excluded.complied,
      complied_amount = complied_amount + excluded.complied_amount,
      continued = continued + excluded.continued,
      pending = pending + excluded.pending;
  DELETE FROM pruned_figures
    WHERE trimmed_staff_code(dept_code) IS NOT dept_code OR trimmed_staff_code(doctor_code) IS NOT doctor_code;
  `,
  `
  -- The patient names each answer's request carried, as keyed digests with their lengths, JSON [[length, digest], …]
  -- (patient-name-digests.ts; HMAC with install.secret, never the name): a 3103 reason is searched for them and a name
  -- found is masked before the reason is stored or sent (national-service.ts). NULL for answers before this version
  -- (a reason on their reminders keeps a name as typed) and for a request that named no patient. Pruned with its task.
  ALTER TABLE tasks ADD COLUMN name_digests TEXT;
  `,
  `
  -- Phone numbers masked in the 3103 reasons builds before the masking on arrival stored in clear, wherever a reason
  -- is copied: the decision, the result bodies answered as already decided (prior_dspo, with its dspo_way_rea) and
  -- the outbox entries carrying one (a re-send would forward it in clear). Only the reasons: a code, an id or an
  -- amount can be an 11-digit number. The mask_phone_numbers* functions are the arrival code (stored-phone-numbers.ts),
  -- registered by migrate; only rows that change are written. secure_delete zeroes the old cells; migrate
  -- checkpoints the WAL into the file.${PHONE_NUMBERS_IN_STORED_REASONS_MASKED}`,
  `
  -- The same again, with the phone masking as it is now: it learned forms schema 18 left in clear (Tel. 138…,
  -- 电话 : 138 1234 5678, 电话 0571 8765 4321), and a workstation already at 18 keeps them. Rows 18 masked and those with no phone number are not written (the functions change nothing in them).${PHONE_NUMBERS_IN_STORED_REASONS_MASKED}`,
  `
  -- The same again: the masking learned the forms after a cue word that 19 left in clear (电话 0571-8765 4321,
  -- 联系电话（家属）138 1234 5678, 电话：0871—65432109, a tab after the cue, 手机138—1234—5678 with dashes). Unchanged
  -- rows are not written.${PHONE_NUMBERS_IN_STORED_REASONS_MASKED}`,
  `
  -- The same again, over records a build at schema 20 (283145a) kept them in: a local number split by a second
  -- hyphen after a cue word (电话：0571-8765-4321), the bracketed or spaced splits after one (电话(010)6234-5678,
  -- 电话：0571 8765-4321, 电话：0830-234-5678), +86 landlines anywhere (+86-10-62345678), and a mobile joined by a
  -- hyphen to digits that are no phone (家属13812345678-2026-11-29复诊, the date kept; +8613812345678-1; a +86 or
  -- 0086 number or a landline of the same chain). What 20 took that is no phone (用量 0375 1500000: a local number
  -- starts 2-9) cannot be given back. Unchanged rows are not written.${PHONE_NUMBERS_IN_STORED_REASONS_MASKED}`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export interface OpenOptions {
  readonly?: boolean;
  /**
   * Called once the schema was brought up from `from` (a copy of the file as it was is at `backup`), and the copies
   * from older migrations beyond the newest few were removed (`pruned`).
   */
  migrated?: (from: number, to: number, backup: string, pruned: PrunedSchemaBackups) => void;
  /**
   * Called after the migration with the rows whose JSON it could not read (outbox, result_bodies): kept, masked over
   * their text instead of parsed, so that one damaged row neither stops the start nor is lost.
   */
  keptUnreadable?: (rows: readonly UnreadableRow[]) => void;
}

/** Where the copy of the records database is kept before it is migrated away from `schema`. */
export function schemaBackupFile(file: string, schema: number): string {
  return `${file}.schema${schema}.bak`;
}

/** Opens (creating when needed) the records database in WAL mode and brings its schema up to date. */
export function openDatabase(dataDir: string, options: OpenOptions = {}): Db {
  const file = path.join(dataDir, DATABASE_FILE_NAME);
  if (!options.readonly) {
    fs.mkdirSync(dataDir, { recursive: true, mode: OWNER_ONLY_DIR });
    // Created here, owner-only, before SQLite opens it: SQLite gives the WAL and shared-memory files the mode of
    // the database file.
    fs.closeSync(fs.openSync(file, 'a', OWNER_ONLY_FILE));
    for (const suffix of ['', '-wal', '-shm']) restrictToOwner(`${file}${suffix}`);
  }
  try {
    return openAt(file, options);
  } catch (error) {
    const disk = options.readonly ? undefined : diskProblem(error, `records database ${file}`, dataDir);
    throw damagedDatabase(error, file) ?? (disk === undefined ? error : new Error(disk));
  }
}

/** SQLite's "file is not a database" named neither the file nor what to do; the file is never removed here. */
function damagedDatabase(error: unknown, file: string): Error | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== 'SQLITE_NOTADB' && code !== 'SQLITE_CORRUPT') return undefined;
  return new Error(
    `records database ${file} is damaged (${(error as Error).message}): stop prealert, move it aside (with any ${path.basename(file)}-wal and -shm beside it) to keep it for recovery, and start again: the sidecar then starts a new, empty one`,
  );
}

function openAt(file: string, options: OpenOptions): Db {
  const db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  db.pragma('busy_timeout = 5000');
  zeroDeletedContent(db);
  if (options.readonly) {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      db.close();
      throw newerSchema(file, version);
    }
    return db;
  }
  db.pragma('journal_mode = WAL');
  // NORMAL is durable against a killed process in WAL mode; writes that must survive power loss (3103)
  // switch to FULL for their own transaction.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  try {
    migrate(db, file, options);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * Deleted rows (retention's, a decision or an answer replaced) are overwritten with zeros instead of staying readable
 * in the file's free space: "gone" has to hold on the disk too, not only at the API. Per connection, so every
 * connection to the records database sets it (the record writer's and the checkpoint worker's too). Not FAST: that
 * leaves whole pages put on the freelist as they were, and a retention pass frees whole pages of reasons
 * (records-pruned-off-disk.test.ts). The extra writes are of pages freed, i.e. mostly retention's, once a day.
 */
export function zeroDeletedContent(db: Db): void {
  db.pragma('secure_delete = ON');
}

function migrate(db: Db, file: string, options: OpenOptions): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) throw newerSchema(file, version);
  if (version === SCHEMA_VERSION) return;
  // Schema 0 is a file just created: nothing in it to keep.
  const backup = version > 0 ? backUpBeforeMigrating(db, file, version) : undefined;
  const unreadable = new UnreadableRows();
  registerIdNumberMasking(db, unreadable.note);
  registerPhoneNumberMasking(db, unreadable.note);
  registerStaffCodeTrimming(db);
  for (let v = version; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
  // A migration that rewrote rows (masking ID and phone numbers, trimming codes) leaves the old page images in the file until a checkpoint
  // writes the new ones over them; that is now, not whenever the WAL next fills.
  db.pragma('wal_checkpoint(TRUNCATE)');
  if (backup !== undefined) options.migrated?.(version, SCHEMA_VERSION, backup, pruneOlderBackups(file, backup));
  const kept = unreadable.rows(db);
  if (kept.length > 0) options.keptUnreadable?.(kept);
}

/** After the migration succeeded, not before: until then the copies are what a failed start falls back on. */
function pruneOlderBackups(file: string, backup: string): PrunedSchemaBackups {
  try {
    return pruneSchemaBackups(file, backup);
  } catch (error) {
    // The folder could not be listed: the migration stands, the copies stay.
    return { removed: [], kept: [backup], failed: [{ file: path.dirname(file), error: (error as Error).message }] };
  }
}

/**
 * A build older than this one refuses the migrated file (newerSchema), so a roll-back needs the file as it was: copied
 * beside it first with VACUUM INTO, which reads one consistent snapshot whatever the WAL holds. Written under a
 * temporary name and renamed over an earlier copy from the same schema, so a copy cut short (disk full) never
 * replaces a whole one; when no copy can be made the start stops before anything is migrated.
 */
function backUpBeforeMigrating(db: Db, file: string, version: number): string {
  const backup = schemaBackupFile(file, version);
  const partial = `${backup}.partial`;
  try {
    fs.rmSync(partial, { force: true });
    // Created empty and owner-only before SQLite writes into it: the copy holds what the records hold.
    fs.closeSync(fs.openSync(partial, 'wx', OWNER_ONLY_FILE));
    db.prepare('VACUUM INTO ?').run(partial);
    const fd = fs.openSync(partial, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(partial, backup);
  } catch (error) {
    try {
      fs.rmSync(partial, { force: true });
    } catch {
      // What stood in the way (a folder of that name) is said below; it is not prealert's to remove.
    }
    const code = (error as { code?: unknown } | null)?.code;
    const cause =
      diskProblem(error, backup, path.dirname(file)) ??
      `${typeof code === 'string' ? `${code}: ` : ''}${(error as Error).message}`;
    throw new Error(
      `records database ${file} must be migrated from schema ${version} to ${SCHEMA_VERSION}, but no copy of it could be made first (${cause}); nothing was migrated: free space beside it (or make ${path.dirname(file)} writable) and start again`,
    );
  }
  return backup;
}

/** A file a later prealert migrated: which build it needs, and the copy that build left for this one, if any. */
function newerSchema(file: string, version: number): Error {
  const backup = schemaBackupFile(file, SCHEMA_VERSION);
  const restore = fs.existsSync(backup)
    ? `; or, to run this build, stop prealert, move ${path.basename(file)} (with any -wal and -shm beside it) aside and copy ${backup} (the records as they were before that build migrated them) to ${file}`
    : `; no copy of it from schema ${SCHEMA_VERSION} (${path.basename(backup)}) is beside it`;
  return new Error(
    `${file} has schema version ${version}, newer than this prealert (${SCHEMA_VERSION}): it was written by a later prealert build; run a build with records schema ${version} or later${restore}`,
  );
}

/** Runs `work` in one transaction that is fsynced before it returns (for acknowledgements that must not be lost). */
export function durably<T>(db: Db, work: () => T): T {
  db.pragma('synchronous = FULL');
  try {
    return db.transaction(work).immediate();
  } finally {
    db.pragma('synchronous = NORMAL');
  }
}

/** Whether the database holds anything keyed by the install secret (patient keys, decision entries' install id). */
export function holdsRecords(db: Db): boolean {
  return (
    db
      .prepare(
        `SELECT EXISTS (SELECT 1 FROM tasks) OR EXISTS (SELECT 1 FROM reminders)
           OR EXISTS (SELECT 1 FROM dispositions) OR EXISTS (SELECT 1 FROM pruned_figures)`,
      )
      .pluck()
      .get() === 1
  );
}
