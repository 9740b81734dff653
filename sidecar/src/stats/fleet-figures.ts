import { type Figures, finishFigures, type StatsReport, type StatsRow } from './compliance-figures';
import { isPeriod } from './periods';

/** One workstation's report, in hosts-file order, as /v1/stats answered it. */
export interface HostReport {
  host: string;
  report: StatsReport;
}

type Sums = Omit<Figures, 'compliance_rate'>;

const ZERO: Sums = { reminders: 0, reminder_amount: 0, complied: 0, complied_amount: 0, continued: 0, pending: 0 };

function add(sum: Sums, f: Figures): Sums {
  return {
    reminders: sum.reminders + f.reminders,
    reminder_amount: sum.reminder_amount + f.reminder_amount,
    complied: sum.complied + f.complied,
    complied_amount: sum.complied_amount + f.complied_amount,
    continued: sum.continued + f.continued,
    pending: sum.pending + f.pending,
  };
}

interface Group {
  /** The first host's row: its key and, by week, month or quarter, its days (the same range gives every host the same). */
  first: StatsRow;
  sums: Sums;
  /** Each label given for the key, with the reminders of the host that gave it. */
  labels: { label: string; reminders: number }[];
}

/**
 * The label the most reminders came with; on a tie the one from the host listed first. Two workstations may name a
 * doctor or department differently (a typo, a renamed department): the majority's name wins, the same every run.
 */
function chosenLabel(labels: Group['labels']): string {
  // Summed per name first: 张医师 from two hosts with 2 each outweighs 张医生 from one with 3.
  const byName = new Map<string, number>();
  for (const l of labels) byName.set(l.label, (byName.get(l.label) ?? 0) + l.reminders);
  let best = labels[0]!.label;
  // Map order is first appearance, the hosts-file order: a tie keeps the earlier host's name.
  for (const [label, reminders] of byName) if (reminders > byName.get(best)!) best = label;
  return best;
}

/**
 * The hosts' reports as one, as `prealert stats` would print it for all their records: every figure summed by row
 * key (day, period, rule, department or doctor code) and over the totals, 遵从率 worked out again from the sums
 * (Σ遵从人次 ÷ Σ提醒人次): an average of rates would weigh a workstation with 1 reminder as one with 100. Rows are
 * ordered as one workstation orders them: days and periods by date, codes by 提醒人次 then code.
 */
export function sumReports(
  query: Pick<StatsReport, 'from' | 'to' | 'by' | 'filter'>,
  reports: readonly HostReport[],
): StatsReport {
  const groups = new Map<string, Group>();
  let totals = ZERO;
  for (const { report } of reports) {
    totals = add(totals, report.totals);
    for (const row of report.rows) {
      const group = groups.get(row.key) ?? { first: row, sums: ZERO, labels: [] };
      group.sums = add(group.sums, row);
      group.labels.push({ label: row.label, reminders: row.reminders });
      groups.set(row.key, group);
    }
  }
  const rows: StatsRow[] = [...groups.values()].map(({ first, sums, labels }) => ({
    ...first,
    label: chosenLabel(labels),
    ...finishFigures(sums),
  }));
  const byDate = query.by === 'day' || isPeriod(query.by);
  rows.sort((a, b) => {
    const order = byDate ? 0 : b.reminders - a.reminders;
    if (order !== 0) return order;
    const [x, y] = byDate ? [a.first_day ?? a.key, b.first_day ?? b.key] : [a.key, b.key];
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return { ...query, totals: finishFigures(totals), rows };
}
