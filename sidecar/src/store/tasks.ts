import type { JudgeResultDto } from '@prealert/core';
import type { Logger } from '../logging';
import type { PatientPseudonymizer } from '../patient-pseudonym';
import type { Db } from './database';
import {
  jsonElementSql,
  READABLE_TIME,
  readableJsonArraySql,
  storedBodyIdSql,
  storedJson,
  storedJsonArray,
} from './unreadable-stored-json';

export interface TaskView {
  task_id: string;
  infno: string;
  trig_scen: string;
  created_at: string;
  /**
   * The results exactly as answered, except patn_id, which is stored (and so shown) only as its keyed pseudonym. One
   * per jr_id, in answer order: a results column naming one reminder twice (a hand edit) shows it from its first
   * readable reference, as a 3103 answers it once.
   */
  results: JudgeResultDto[];
  dispositions: Record<string, { dspo_way: string; dspo_way_rea: string; at: string }>;
  /**
   * rx_id → item name of the lines the results flag or involve, as the request named them: a result names its lines
   * only by rx_id. Empty for an answer recorded before names were (the page then shows rx_ids).
   */
  line_names: Record<string, string>;
  /**
   * rx_id → the day ("yyyy-MM-dd") each of those lines was ordered on (drord_begn_date): the page dates a long stay's
   * grouped lines. Empty for an answer recorded before days were kept, or whose lines had no readable date.
   */
  line_dates: Record<string, string>;
  /**
   * Present (true) only when the row's results column is not readable JSON, or it names results none of whose bodies
   * is: `results` is then empty though the answer raised reminders, and the page must say it could not read them,
   * never that there were none. (Some bodies unreadable: the others are shown, and results_unread counts the rest.)
   */
  results_unreadable?: true;
  /**
   * Present only when > 0: how many of the answer's results are left out of `results` because their stored body could
   * not be read (not JSON, not a result: no object with a jr_id, or missing), one per jr_id however often it is
   * referenced and none when that jr_id is shown from another reference, plus the entries of the results column that
   * are no result reference at all (a hand edit, or a body id that names no body to any reader, storedBodyIdSql:
   * once per jr_id one still names, none when that reminder is shown, once each otherwise), so that the page can say
   * some reminders are not shown rather than let the doctor believe she saw them all. Absent when the results column
   * itself is unreadable (results_unreadable): it then names no results to count.
   */
  results_unread?: number;
}

interface TaskRow {
  id: number;
  task_id: string;
  infno: string;
  trig_scen: string;
  created_at: number;
  results: string;
  line_names: string | null;
  line_dates: string | null;
}

/** The body id of a results entry as every reader of the column takes it (storedBodyIdSql), and its text (null: none). */
interface EntryBody {
  entry: number;
  id: number;
  json: string | null;
}

/** A stored result reference ([jr_id, rule_id, severity, amount, result_bodies.id]) as the view reads it. */
interface ResultRef {
  jrId: string;
  bodyId: number;
  body: string | null;
}

export class TaskStore {
  private readonly latest;
  private readonly entryBodies;
  private readonly dispositionsOf;

  constructor(
    db: Db,
    private readonly pseudonyms: Pick<PatientPseudonymizer, 'taskKey'>,
    private readonly logger: Pick<Logger, 'warn'>,
  ) {
    this.latest = db.prepare<[string, string], TaskRow>(
      // An answer whose client was gone before it was written (tasks.undelivered) is kept, but no page shows it: no
      // doctor saw it, and its reminders would be listed as waiting for a decision nobody was asked for.
      `SELECT id, task_id, infno, trig_scen, created_at, results, line_names, line_dates FROM tasks
       WHERE task_id IN (?, ?) AND undelivered IS NULL ORDER BY id DESC LIMIT 1`,
    );
    // The body id of each entry as flagged-lines.ts, answer-sightings.ts and retention.ts read it (storedBodyIdSql),
    // so that the page and the figures or the pruning never disagree about one row: an entry naming none is left out,
    // as no result reference.
    this.entryBodies = db.prepare<{ results: string }, EntryBody>(
      `WITH refs AS (
         SELECT j.key AS entry, ${storedBodyIdSql(jsonElementSql('j', 'array'))} AS id
         FROM json_each(${readableJsonArraySql('@results')}) j
       )
       SELECT entry, id, (SELECT json FROM result_bodies b WHERE b.id = refs.id) AS json FROM refs
       WHERE id IS NOT NULL`,
    );
    this.dispositionsOf = db.prepare<[string], { jr_id: string; dspo_way: string; dspo_way_rea: string; at: number }>(
      // A provincial gateway's jr_id shows the decision on the reminder it is counted under (upstream_links). In the
      // order of the results, as the reminder page shows them: without ORDER BY the join followed the jr_id index.
      `SELECT i.value AS jr_id, d.dspo_way, d.dspo_way_rea, d.at FROM json_each(?) i
       JOIN dispositions d ON d.jr_id = COALESCE((SELECT jr_id FROM upstream_links WHERE gateway_jr_id = i.value), i.value)
       ORDER BY i.key`,
    );
  }

  /**
   * The latest answer recorded under this task_id (a HIS may reuse one) that reached its client, with the decisions
   * given since.
   */
  find(taskId: string): TaskView | undefined {
    // As sent, or keyed where it named the patient (AnalysisRecord.taskIdNamesPatient): which one, only the request
    // knew, whose patient name is not asked for again.
    const task = this.latest.get(taskId, this.pseudonyms.taskKey(taskId));
    if (!task) return undefined;
    const readResults = storedJsonArray(task.results);
    const stored = this.column(task, 'results', readResults, []) as unknown[];
    const entryBodies = new Map<number, EntryBody>();
    if (readResults !== undefined) {
      for (const body of this.entryBodies.all({ results: task.results })) entryBodies.set(body.entry, body);
    }
    // An entry of another shape than a result's reference (a hand edit, 0f5e895) names no body to show here: left
    // out, but counted as a reminder raised that the page cannot show: once per jr_id where it still names one (and
    // not at all when that jr_id is shown from another reference), else once per entry.
    const refs: ResultRef[] = [];
    const malformedJrIds = new Set<string>();
    let malformedWithoutJrId = 0;
    stored.forEach((entry, index) => {
      const ref = resultRef(entry, entryBodies.get(index));
      if (ref !== undefined) {
        refs.push(ref);
        return;
      }
      const jrId = Array.isArray(entry) ? (entry as unknown[])[0] : undefined;
      if (typeof jrId === 'string' && jrId !== '') malformedJrIds.add(jrId);
      else malformedWithoutJrId += 1;
    });
    const malformed = stored.length - refs.length;
    if (malformed > 0) {
      // Only the row id and the count are named: the entries may quote a patient.
      this.logger.warn(
        { table: 'tasks', row_id: task.id, column: 'results', entries: malformed },
        `tasks row ${task.id} results has ${malformed} entries that are not result references; counted as unread unless their reminder is shown`,
      );
    }
    const results: JudgeResultDto[] = [];
    // By jr_id: one reminder referenced twice (its body gone once) is one reminder the doctor did not see, not two.
    const unreadJrIds = new Set<string>(malformedJrIds);
    const warnedJrIds = new Set<string>();
    // One card per reminder: a second card of a jr_id (a hand edit referencing it twice) could be answered only once.
    const shownJrIds = new Set<string>();
    let repeated = 0;
    for (const ref of refs) {
      const read = ref.body === null ? undefined : storedJson(ref.body);
      if (read === undefined || !namesResult(read.value)) {
        // Kept by the migrations (unreadable-stored-json.ts): the page shows the answer's other results rather than
        // failing over one, and says how many it left out. A body that is JSON but no result (no jr_id: a hand edit,
        // or a body gone) would be a card that can be neither told apart nor answered, so it is left out the same.
        // Only the row id is named: the text may quote a patient.
        unreadJrIds.add(ref.jrId);
        if (warnedJrIds.has(ref.jrId)) continue;
        warnedJrIds.add(ref.jrId);
        this.logger.warn(
          { table: 'result_bodies', row_id: ref.bodyId },
          `result_bodies row ${ref.bodyId} is not a readable result; its result is left out of the answer shown`,
        );
        continue;
      }
      const result = read.value;
      if (shownJrIds.has(result.jr_id)) {
        repeated += 1;
        continue;
      }
      shownJrIds.add(result.jr_id);
      result.task_id = taskId;
      results.push(result);
    }
    if (repeated > 0) {
      // Only the row id and the count are named, as for the malformed entries: the row is odd, IT may look at it.
      this.logger.warn(
        { table: 'tasks', row_id: task.id, column: 'results', repeated },
        `tasks row ${task.id} results references ${repeated} results whose jr_id an earlier reference shows already; each is shown once`,
      );
    }
    // A jr_id shown from another of its references was seen after all.
    for (const jrId of shownJrIds) unreadJrIds.delete(jrId);
    const unread = unreadJrIds.size + malformedWithoutJrId;
    const dispositions: TaskView['dispositions'] = {};
    for (const d of this.dispositionsOf.all(JSON.stringify(refs.map((r) => r.jrId)))) {
      dispositions[d.jr_id] = { dspo_way: d.dspo_way, dspo_way_rea: d.dspo_way_rea, at: isoTime(d.at) };
    }
    return {
      task_id: taskId,
      infno: task.infno,
      trig_scen: task.trig_scen,
      created_at: isoTime(task.created_at),
      results,
      dispositions,
      line_names: this.lines(task, 'line_names'),
      line_dates: this.lines(task, 'line_dates'),
      ...(readResults === undefined || (stored.length > 0 && results.length === 0)
        ? { results_unreadable: true as const }
        : {}),
      ...(unread > 0 ? { results_unread: unread } : {}),
    };
  }

  /** A line_names or line_dates column: {} for an answer recorded before it was kept, or when it is unreadable. */
  private lines(task: TaskRow, column: 'line_names' | 'line_dates'): Record<string, string> {
    const text = task[column];
    if (text === null) return {};
    return this.column(task, column, storedJson(text), {}) as Record<string, string>;
  }

  /**
   * A column of the task row as read, or `absent` when it is not readable JSON (a disk fault, a hand edit): the page
   * shows the answer without it rather than failing over one row. Only table, row and column are named: the text may
   * quote a patient.
   */
  private column(task: TaskRow, column: string, read: { value: unknown } | undefined, absent: unknown): unknown {
    if (read !== undefined) return read.value;
    this.logger.warn(
      { table: 'tasks', row_id: task.id, column },
      `tasks row ${task.id} ${column} is not readable JSON; the answer is shown without it`,
    );
    return absent;
  }
}

/**
 * A stored entry as a result reference: [jr_id, rule_id, severity, amount, result_bodies.id], of which the view needs
 * the jr_id (a non-empty string, to answer it by) and the body id, as every reader takes it (entryBodies: undefined
 * when they cannot read it as one).
 */
function resultRef(entry: unknown, body: EntryBody | undefined): ResultRef | undefined {
  if (body === undefined || !Array.isArray(entry) || entry.length !== 5) return undefined;
  const jrId: unknown = entry[0];
  if (typeof jrId !== 'string' || jrId === '') return undefined;
  return { jrId, bodyId: body.id, body: body.json };
}

/** A stored body as a result: an object with a jr_id (the 3103 warn_rslt_id it is answered by). */
function namesResult(value: unknown): value is JudgeResultDto {
  if (typeof value !== 'object' || value === null) return false;
  const jrId = (value as { jr_id?: unknown }).jr_id;
  return typeof jrId === 'string' && jrId !== '';
}

/**
 * A stored time as ISO 8601, or '' when it is none, as readableTimeSql reads one (a disk fault or a hand edit: a text,
 * before year 1 or past 9999): the page then shows the reminders without a time rather than failing to open (Date
 * throws past year 275,760), and retention keeps such a row.
 */
function isoTime(ms: unknown): string {
  if (typeof ms !== 'number' || !(ms >= READABLE_TIME.from && ms <= READABLE_TIME.to)) return '';
  return new Date(ms).toISOString();
}
