import type { Statement } from 'better-sqlite3';
import {
  ComplianceFigures,
  countedReminder,
  type DecisionReading,
  decisionReading,
  type Figures,
  finishFigures,
  keptAggregates,
  periodGroupings,
  type QueryParams,
  queryParams,
  STATS_DIMENSIONS,
  type StatsDimension,
  type StatsFilter,
  type StatsReport,
} from '../stats/compliance-figures';
import { type CountedDoctor, countedDoctor } from '../stats/counted-doctor';
import { periodRows } from '../stats/periods';
import type { Db } from './database';

/**
 * Adds the figures of these reminders (a JSON array of jr_ids, about to be pruned) to pruned_figures, per day, rule,
 * department and doctor, counted as ComplianceFigures counts them (decisionReading): a reminder without a 3103, or
 * one a later answer asked again after its 返回修改, stays pending, as it did in the figures while it was kept (once
 * pruned, no 3103 can name it any more); one covered by earlier decisions,
 * or one no delivered answer carried, is not counted, as it was not while kept. Each is folded under the doctor the
 * figures count it under (countedDoctor: the latest decision's, else the raising order's).
 */
export function foldIntoPrunedFigures(db: Db): Statement<[string]> {
  const reading = decisionReading(db);
  const doctor = countedDoctor(db);
  return db.prepare<[string]>(
    `INSERT INTO pruned_figures (day, rule_id, dept_code, doctor_code, rule_name, dept_name, doctor_name,
       reminders, reminder_amount, complied, complied_amount, continued, pending)
     SELECT r.day, r.rule_id, r.dept_code, ${doctor.code} AS counted_doctor, MAX(r.rule_name), MAX(r.dept_name),
       MAX(${doctor.name}),
       COUNT(*), TOTAL(r.amount), COUNT(CASE WHEN ${reading.complied} THEN 1 END),
       TOTAL(CASE WHEN ${reading.complied} THEN r.amount END), COUNT(CASE WHEN ${reading.continued} THEN 1 END),
       COUNT(CASE WHEN ${reading.pending} THEN 1 END)
     FROM reminders r LEFT JOIN dispositions d ON d.jr_id = r.jr_id
     WHERE r.jr_id IN (SELECT value FROM json_each(?)) AND ${countedReminder(db)}
     GROUP BY r.day, r.rule_id, r.dept_code, counted_doctor
     ON CONFLICT (day, rule_id, dept_code, doctor_code) DO UPDATE SET
       rule_name = MAX(rule_name, excluded.rule_name),
       dept_name = MAX(dept_name, excluded.dept_name),
       doctor_name = MAX(doctor_name, excluded.doctor_name),
       reminders = reminders + excluded.reminders,
       reminder_amount = reminder_amount + excluded.reminder_amount,
       complied = complied + excluded.complied,
       complied_amount = complied_amount + excluded.complied_amount,
       continued = continued + excluded.continued,
       pending = pending + excluded.pending`,
  );
}

type RawRow = Omit<Figures, 'compliance_rate'> & { key: string; label: string | null };

/** Per dimension: the group key and label over the kept reminders (r) and over the pruned figures (p). */
function grouping(
  doctor: CountedDoctor,
): Record<StatsDimension, { kept: [string, string]; pruned: [string, string]; order: string }> {
  return {
    day: { kept: ['r.day', 'r.day'], pruned: ['p.day', 'p.day'], order: 'key' },
    ...prunedPeriodGroupings(),
    rule: {
      kept: ['r.rule_id', 'MAX(r.rule_name)'],
      pruned: ['p.rule_id', 'MAX(p.rule_name)'],
      order: 'reminders DESC, key',
    },
    dept: {
      kept: ['r.dept_code', 'MAX(r.dept_name)'],
      pruned: ['p.dept_code', 'MAX(p.dept_name)'],
      order: 'reminders DESC, key',
    },
    doctor: {
      kept: [doctor.code, `MAX(${doctor.name})`],
      pruned: ['p.doctor_code', 'MAX(p.doctor_name)'],
      order: 'reminders DESC, key',
    },
  };
}

/** Weeks, months and quarters over the kept reminders' days and the pruned days alike. */
function prunedPeriodGroupings() {
  const kept = periodGroupings('r.day');
  const pruned = periodGroupings('p.day');
  const both = (period: keyof typeof kept) => ({
    kept: [kept[period].key, kept[period].label] as [string, string],
    pruned: [pruned[period].key, pruned[period].label] as [string, string],
    order: kept[period].order,
  });
  return { week: both('week'), month: both('month'), quarter: both('quarter') };
}

/** The kept reminders' figures, as ComplianceFigures computes them, and the pruned days' sums, side by side. */
function bothParts(
  counted: string,
  reading: DecisionReading,
  doctor: CountedDoctor,
  key: [string, string] | undefined,
  pruned: [string, string] | undefined,
): string {
  const keptKey = key ? `${key[0]} AS key, ${key[1]} AS label,` : '';
  const prunedKey = pruned ? `${pruned[0]} AS key, ${pruned[1]} AS label,` : '';
  return `
    SELECT ${keptKey} ${keptAggregates(reading)}
    FROM reminders r LEFT JOIN dispositions d ON d.jr_id = r.jr_id
    WHERE r.day BETWEEN @from AND @to AND ${counted}
      AND (@rule IS NULL OR r.rule_id = @rule) AND (@dept IS NULL OR r.dept_code = @dept)
      AND (@doctor IS NULL OR ${doctor.code} = @doctor)
    ${key ? 'GROUP BY key' : ''}
    UNION ALL
    SELECT ${prunedKey} TOTAL(p.reminders), TOTAL(p.reminder_amount), TOTAL(p.complied), TOTAL(p.complied_amount),
      TOTAL(p.continued), TOTAL(p.pending)
    FROM pruned_figures p
    WHERE p.day BETWEEN @from AND @to
      AND (@rule IS NULL OR p.rule_id = @rule) AND (@dept IS NULL OR p.dept_code = @dept)
      AND (@doctor IS NULL OR p.doctor_code = @doctor)
    ${pruned ? 'GROUP BY key' : ''}`;
}

const SUMS = `TOTAL(reminders) AS reminders, TOTAL(reminder_amount) AS reminder_amount, TOTAL(complied) AS complied,
  TOTAL(complied_amount) AS complied_amount, TOTAL(continued) AS continued, TOTAL(pending) AS pending`;

/**
 * The compliance figures with the days retention.ts pruned: their reminders are gone, their figures are kept in
 * pruned_figures at the finest grain a report groups or filters by. A report that reaches no pruned day is
 * ComplianceFigures' own, unchanged; one that does adds the pruned figures to the kept reminders' group by group
 * (a day may be pruned in part: reminders still answered or decided within the window are kept).
 */
export class FiguresWithPrunedDays extends ComplianceFigures {
  private readonly prunedIn: Statement<[string, string], number>;
  private readonly withPrunedTotal: Statement<[QueryParams], RawRow>;
  private readonly withPrunedBy: Record<StatsDimension, Statement<[QueryParams], RawRow>>;

  constructor(db: Db) {
    super(db);
    const counted = countedReminder(db);
    const reading = decisionReading(db);
    const doctor = countedDoctor(db);
    const GROUPING = grouping(doctor);
    this.prunedIn = db
      .prepare<[string, string], number>('SELECT 1 FROM pruned_figures WHERE day BETWEEN ? AND ? LIMIT 1')
      .pluck();
    this.withPrunedTotal = db.prepare<[QueryParams], RawRow>(
      `SELECT ${SUMS} FROM (${bothParts(counted, reading, doctor, undefined, undefined)})`,
    );
    this.withPrunedBy = Object.fromEntries(
      STATS_DIMENSIONS.map((by) => {
        const g = GROUPING[by];
        return [
          by,
          db.prepare<[QueryParams], RawRow>(
            `SELECT key, MAX(label) AS label, ${SUMS} FROM (${bothParts(counted, reading, doctor, g.kept, g.pruned)})
             GROUP BY key ORDER BY ${g.order}`,
          ),
        ];
      }),
    ) as Record<StatsDimension, Statement<[QueryParams], RawRow>>;
  }

  override report(from: string, to: string, by: StatsDimension, filter: StatsFilter = {}): StatsReport {
    if (this.prunedIn.get(from, to) === undefined) return super.report(from, to, by, filter);
    const params: QueryParams = queryParams(from, to, filter);
    const totals = finishFigures(this.withPrunedTotal.get(params)!);
    const rows = this.withPrunedBy[by]
      .all(params)
      .map((row) => ({ key: row.key, label: row.label || row.key, ...finishFigures(row) }));
    return { from, to, by, filter, totals, rows: periodRows(by, from, to, rows) };
  }
}
