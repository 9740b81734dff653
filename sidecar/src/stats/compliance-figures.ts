import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/database';
import { reaskedAfterDecision } from '../store/decision-order';
import { type CountedDoctor, countedDoctor } from './counted-doctor';
import { type PeriodSpan, periodKeySql, periodRows, STATS_PERIODS, type StatsPeriod } from './periods';

/** The pilot notice's compliance figures. A reminder is one distinct jr_id, dated by when it was first shown. */
export interface Figures {
  /** 提醒人次 */
  reminders: number;
  /** 提醒金额: per reminder, the amount of the latest answer the doctor's decision applies to (sidecar/README.md). */
  reminder_amount: number;
  /** 遵从人次: the doctor returned to modify (dspo_way 2), and no later answer raised the same jr_id again. */
  complied: number;
  /** 遵从金额 */
  complied_amount: number;
  /** Continued anyway (dspo_way 1). */
  continued: number;
  /** No 3103 yet, or a 返回修改 a later answer raised again (asked again, not answered since). */
  pending: number;
  /**
   * 遵从率 = 遵从人次 / 提醒人次, 0..1; null without reminders: nothing was there to comply with, and a 0 read as the
   * worst score by a 医保办 comparing months or doctors.
   */
  compliance_rate: number | null;
}

export type StatsDimension = 'day' | StatsPeriod | 'rule' | 'dept' | 'doctor';
export const STATS_DIMENSIONS: readonly StatsDimension[] = ['day', ...STATS_PERIODS, 'rule', 'dept', 'doctor'];

/** A row of a report; by week, month or quarter also the days it holds (periods.ts). */
export interface StatsRow extends Figures, Partial<PeriodSpan> {
  key: string;
  label: string;
}

/** Narrows the figures to one rule, department and/or doctor (e.g. one doctor's figures by day). */
export interface StatsFilter {
  rule?: string;
  dept?: string;
  doctor?: string;
}

export interface StatsReport {
  from: string;
  to: string;
  by: StatsDimension;
  filter: StatsFilter;
  totals: Figures;
  rows: StatsRow[];
}

/**
 * The name last sent for a department or doctor code: MAX(name) would pick the highest code point ever stored, so
 * one mislabelled body's mojibake, a typo or a stray control character would name the row for the whole period. The
 * fixed-width first_at in front makes MAX pick the latest reminder's name; substr drops it again.
 */
const latestName = (expression: string) => `substr(MAX(printf('%020d', r.first_at) || ${expression}), 21)`;

/** Each dimension's group key and label over the counted reminders (r) and their decisions (d). */
function grouping(doctor: CountedDoctor): Record<StatsDimension, { key: string; label: string; order: string }> {
  return {
    day: { key: 'r.day', label: 'r.day', order: 'key' },
    ...periodGroupings('r.day'),
    rule: { key: 'r.rule_id', label: 'MAX(r.rule_name)', order: 'reminders DESC, key' },
    dept: { key: 'r.dept_code', label: latestName('r.dept_name'), order: 'reminders DESC, key' },
    doctor: { key: doctor.code, label: latestName(doctor.name), order: 'reminders DESC, key' },
  };
}

/** By week, month or quarter: grouped from the same days as by=day, in calendar order. */
export function periodGroupings(day: string): Record<StatsPeriod, { key: string; label: string; order: string }> {
  const grouping = (period: StatsPeriod) => {
    const key = periodKeySql(period, day);
    return { key, label: key, order: 'key' };
  };
  return { week: grouping('week'), month: grouping('month'), quarter: grouping('quarter') };
}

/**
 * How a counted reminder (`reminders r`) with its decision (`dispositions d`, LEFT JOINed) is classified: 遵从 is a
 * 返回修改 no later delivered answer raised again; a 返回修改 that one did (reasked after the decision, in the order of
 * decision-order.ts: the line reached the next 3101/3102 unchanged) is asked again, so pending until a 3103 dated after it; 继续执行 carries
 * over to later answers (they come back prior_dspo). One place for /v1/stats, the CSV, the daily figures and
 * pruned_figures. A database opened read-only before a sidecar of this version migrated it has no reasked_at, and no
 * reminder re-asked.
 */
export interface DecisionReading {
  complied: string;
  continued: string;
  pending: string;
}

export function decisionReading(db: Db): DecisionReading {
  if (!hasReminderColumn(db, 'reasked_at'))
    return { complied: "d.dspo_way = '2'", continued: "d.dspo_way = '1'", pending: 'd.jr_id IS NULL' };
  if (!hasReminderColumn(db, 'reasked_task'))
    return {
      complied: "(d.dspo_way = '2' AND (r.reasked_at IS NULL OR r.reasked_at <= d.at))",
      continued: "d.dspo_way = '1'",
      pending: "(d.jr_id IS NULL OR (d.dspo_way = '2' AND r.reasked_at > d.at))",
    };
  const reasked = reaskedAfterDecision('r', 'd');
  return {
    complied: `(d.dspo_way = '2' AND NOT ${reasked})`,
    continued: "d.dspo_way = '1'",
    pending: `(d.jr_id IS NULL OR (d.dspo_way = '2' AND ${reasked}))`,
  };
}

/** The sums of the counted reminders (r) and their decisions (d), as a report's columns. */
export function keptAggregates(reading: DecisionReading): string {
  return `
  COUNT(*) AS reminders,
  TOTAL(r.amount) AS reminder_amount,
  TOTAL(${reading.complied}) AS complied,
  TOTAL(CASE WHEN ${reading.complied} THEN r.amount END) AS complied_amount,
  TOTAL(${reading.continued}) AS continued,
  TOTAL(${reading.pending}) AS pending`;
}

function hasReminderColumn(db: Db, name: string): boolean {
  return db.prepare("SELECT 1 FROM pragma_table_info('reminders') WHERE name = ?").get(name) !== undefined;
}

/**
 * A reminder folded into a later one (folded_into) is counted only once it has a decision of its own (a 3103 naming
 * it), or when the later one is counted in no figure as no client got it (or it was pruned): otherwise the same
 * lines' money would leave the figures altogether.
 */
const NOT_FOLDED = `(r.folded_into IS NULL
  OR EXISTS (SELECT 1 FROM dispositions fd WHERE fd.jr_id = r.jr_id)
  OR NOT EXISTS (SELECT 1 FROM reminders fl WHERE fl.jr_id = r.folded_into AND fl.undelivered IS NULL))`;

/**
 * The condition on `reminders r` for a reminder the figures count: not one covered by earlier decisions
 * (covered_by), nor an unanswered one a later reminder asks about again (folded_into), nor one no answer of which
 * reached its client (undelivered; sidecar/README.md). A database `prealert stats` opens read-only before a sidecar
 * of this version migrated it has no such column, and no such reminder.
 */
export function countedReminder(db: Db): string {
  const has = (name: string) => hasReminderColumn(db, name);
  const conditions = [
    ...(has('covered_by') ? ['r.covered_by IS NULL'] : []),
    ...(has('folded_into') ? [NOT_FOLDED] : []),
    ...(has('undelivered') ? ['r.undelivered IS NULL'] : []),
  ];
  return conditions.length === 0 ? '1' : conditions.join(' AND ');
}

const from = (counted: string, doctor: CountedDoctor) => `FROM reminders r LEFT JOIN dispositions d ON d.jr_id = r.jr_id
  WHERE r.day BETWEEN @from AND @to AND ${counted}
    AND (@rule IS NULL OR r.rule_id = @rule)
    AND (@dept IS NULL OR r.dept_code = @dept)
    AND (@doctor IS NULL OR ${doctor.code} = @doctor)`;

/** The named parameters of a report's statements. */
export interface QueryParams {
  from: string;
  to: string;
  rule: string | null;
  dept: string | null;
  doctor: string | null;
}

interface RawFigures {
  reminders: number;
  reminder_amount: number;
  complied: number;
  complied_amount: number;
  continued: number;
  pending: number;
}

export class ComplianceFigures {
  private readonly byDimension: Record<StatsDimension, Statement<[QueryParams]>>;
  private readonly total: Statement<[QueryParams]>;

  constructor(db: Db) {
    const doctor = countedDoctor(db);
    const FROM = from(countedReminder(db), doctor);
    const AGGREGATES = keptAggregates(decisionReading(db));
    const GROUPING = grouping(doctor);
    this.total = db.prepare<[QueryParams]>(`SELECT ${AGGREGATES} ${FROM}`);
    this.byDimension = Object.fromEntries(
      STATS_DIMENSIONS.map((by) => {
        const g = GROUPING[by];
        return [
          by,
          db.prepare<[QueryParams]>(
            `SELECT ${g.key} AS key, ${g.label} AS label, ${AGGREGATES} ${FROM} GROUP BY key ORDER BY ${g.order}`,
          ),
        ];
      }),
    ) as Record<StatsDimension, Statement<[QueryParams]>>;
  }

  /** Figures for the inclusive day range [from, to] (yyyy-MM-dd, Asia/Shanghai), optionally narrowed. */
  report(from: string, to: string, by: StatsDimension, filter: StatsFilter = {}): StatsReport {
    const params = queryParams(from, to, filter);
    const totals = finishFigures(this.total.get(params) as RawFigures);
    const rows = (this.byDimension[by].all(params) as (RawFigures & { key: string; label: string | null })[]).map(
      (row) => ({ key: row.key, label: row.label || row.key, ...finishFigures(row) }),
    );
    return { from, to, by, filter, totals, rows: periodRows(by, from, to, rows) };
  }
}

export function queryParams(from: string, to: string, filter: StatsFilter): QueryParams {
  return { from, to, rule: filter.rule ?? null, dept: filter.dept ?? null, doctor: filter.doctor ?? null };
}

/** Sums as the database gives them, finished: money to the fen, the rate to four places. */
export function finishFigures(raw: Omit<Figures, 'compliance_rate'>): Figures {
  const reminders = raw.reminders;
  return {
    reminders,
    reminder_amount: money(raw.reminder_amount),
    complied: raw.complied,
    complied_amount: money(raw.complied_amount),
    continued: raw.continued,
    pending: raw.pending,
    compliance_rate: reminders === 0 ? null : Math.round((raw.complied / reminders) * 10_000) / 10_000,
  };
}

function money(value: number): number {
  return Math.round(value * 100) / 100;
}
