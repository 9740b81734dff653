import { type ComplianceFigures, countedReminder, type Figures, type StatsRow } from '../stats/compliance-figures';
import { addDays, shanghaiDay } from '../stats/days';
import type { FiguresReader } from '../stats/figures-reader';
import type { Db } from '../store/database';
import type { OutboxStore } from '../store/outbox';
import { storedJson } from '../store/unreadable-stored-json';

const LOOKBACK_DAYS = 30;

/**
 * Who sends a day's figures. The install id comes from install.secret, which a cloned disk image or a copied data
 * dir copies too; the instance id (workstation-instance.ts) differs on each machine, so two clones' figures of one
 * day are two entries, not one the platform keeps and one it drops as already delivered (409).
 */
export interface FiguresSender {
  installId: string;
  /** Absent: the form before instance ids, `figures:<install id>:<day>`. */
  instanceId?: string;
}

/** The id of a day's figures: the first sending keeps the original form, a correction adds its revision. */
export function figuresEntryId(sender: FiguresSender, day: string, revision: number): string {
  const first =
    sender.instanceId === undefined
      ? `figures:${sender.installId}:${day}`
      : `figures:${sender.installId}:${sender.instanceId}:${day}`;
  return revision === 1 ? first : `${first}:r${revision}`;
}

/** One finished day's figures as the platform receives them (without install_id, day and revision). */
export interface DayFigures {
  totals: Figures;
  by_rule: StatsRow[];
  by_dept: StatsRow[];
  by_doctor: StatsRow[];
}

/** The finished days (of the last 30, before today's) that have reminders: the days whose figures are queued. */
export function finishedDaysWithReminders(db: Db, now: number): string[] {
  const today = shanghaiDay(now);
  return db
    .prepare(`SELECT DISTINCT day FROM reminders r WHERE day >= ? AND day < ? AND ${countedReminder(db)} ORDER BY day`)
    .pluck()
    .all(addDays(today, -LOOKBACK_DAYS), today) as string[];
}

/** A day's figures by rule (with the totals), department and doctor. */
export function dayFigures(figures: ComplianceFigures, day: string): DayFigures {
  const byRule = figures.report(day, day, 'rule');
  return {
    totals: byRule.totals,
    by_rule: byRule.rows,
    by_dept: figures.report(day, day, 'dept').rows,
    by_doctor: figures.report(day, day, 'doctor').rows,
  };
}

/**
 * Queues each finished day's compliance figures for the platform (only days with reminders), and queues them again,
 * as the next revision, when they have changed since: a 3103 that arrives after its day was sent (replayed from the
 * native shim's spool, or given late) would otherwise leave the platform with that day's figures as first sent.
 * Each entry carries its `revision`; the platform keeps the highest per install and day. Returns the days queued.
 *
 * The figures are computed by `reader` (on the figures thread, or this one where it cannot run), one day per query:
 * a report 医保办 asks for meanwhile waits for one day's figures, not thirty days'. Only the queueing happens on `db`;
 * a 3103 that changes a day after its figures were read is sent as the next revision an hour later.
 */
export async function queueDailyFigures(
  reader: FiguresReader,
  db: Db,
  outbox: OutboxStore,
  sender: FiguresSender,
  now = Date.now(),
): Promise<string[]> {
  const days: { day: string; figures: DayFigures }[] = [];
  for (const day of await reader.query({ kind: 'finished-days', now }))
    days.push({ day, figures: await reader.query({ kind: 'day-figures', day }) });
  return queueComputedFigures(db, outbox, sender, days, now);
}

/** What queueDailyFigures queues on `db`: the days whose figures differ from those queued before. */
function queueComputedFigures(
  db: Db,
  outbox: OutboxStore,
  sender: FiguresSender,
  days: { day: string; figures: DayFigures }[],
  now = Date.now(),
): string[] {
  const { installId, instanceId } = sender;
  // The latest revision queued for a day from this data dir, under whichever id it was first sent: before instance
  // ids, or by the instance that ran here before (the machine changed). A correction goes under that same id, so an
  // upgrade or a move does not send a day already sent again under a new id, which the platform would count twice.
  // Found by the entries' ids, which name the instance, the day and the revision, not by their payloads: a payload
  // that is not JSON (kept by the migrations, unreadable-stored-json.ts) still holds its day's revision.
  const entries = db
    .prepare<[string, string], string>(`SELECT id FROM outbox WHERE kind = 'daily_figures' AND id > ? AND id < ?`)
    .pluck()
    .all(`figures:${installId}:`, `figures:${installId};`);
  const latestByDay = new Map<string, QueuedFigures>();
  for (const id of entries) {
    const entry = queuedFigures(id, installId);
    if (entry === undefined) continue;
    const known = latestByDay.get(entry.day);
    if (known === undefined || entry.revision > known.revision) latestByDay.set(entry.day, entry);
  }
  const payloadOf = db.prepare<[string], string>('SELECT payload FROM outbox WHERE id = ?').pluck();
  const queued: string[] = [];
  db.transaction(() => {
    for (const { day, figures } of days) {
      const previous = latestByDay.get(day);
      // A correction is sent as the instance that sent the day first (none: a version before instance ids), as
      // the next revision of the same id, so the receiver replaces that day's figures rather than adding to them.
      const instance = previous === undefined ? instanceId : previous.instance;
      // The key order is the payload's: a day's figures are compared with the last sent as JSON text.
      const content = {
        install_id: installId,
        ...(instance === undefined ? {} : { instance_id: instance }),
        day,
        totals: figures.totals,
        by_rule: figures.by_rule,
        by_dept: figures.by_dept,
        by_doctor: figures.by_doctor,
      };
      let revision = 1;
      let id = figuresEntryId(sender, day, 1);
      if (previous !== undefined) {
        // An unreadable last revision is replaced by the next one: what it said cannot be compared.
        const text = payloadOf.get(previous.id);
        const sent = text === undefined ? undefined : (storedJson(text)?.value as Record<string, unknown> | undefined);
        if (sent !== undefined) {
          const { revision: _sentRevision, ...sentContent } = sent;
          if (JSON.stringify(sentContent) === JSON.stringify(content)) continue;
        }
        revision = previous.revision + 1;
        id = `${previous.id.replace(/:r\d+$/, '')}:r${revision}`;
      }
      if (outbox.add(id, 'daily_figures', { ...content, revision }, now)) queued.push(day);
    }
  })();
  return queued;
}

/** A daily-figures entry as its id names it: figures:<install>[:<instance>]:<day>[:r<revision>]. */
interface QueuedFigures {
  id: string;
  instance: string | undefined;
  day: string;
  revision: number;
}

function queuedFigures(id: string, installId: string): QueuedFigures | undefined {
  const match = /^(?:(.+):)?(\d{4}-\d{2}-\d{2})(?::r(\d+))?$/.exec(id.slice(`figures:${installId}:`.length));
  if (match === null) return undefined;
  return { id, instance: match[1], day: match[2]!, revision: match[3] === undefined ? 1 : Number(match[3]) };
}
