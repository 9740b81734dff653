import Table from 'cli-table3';
import type { Command } from 'commander';
import { tableStyle } from '../../commands/terminal-colour';
import type { StatsReport } from '../../stats/compliance-figures';
import { totalsLabel } from '../../stats/figure-names';
import { figuresCsv } from '../../stats/figures-csv';
import { figuresTable } from '../../stats/figures-table';
import { type HostReport, sumReports } from '../../stats/fleet-figures';
import {
  addStatsQueryOptions,
  type ResolvedStatsQuery,
  type StatsQueryOptions,
  statsFormat,
  statsQueryFromOptions,
} from '../../stats/stats-query-options';
import { positiveCountArgument } from '../../whole-number';
import { type FleetHost, mapConcurrently, readHostsFile } from './hosts-file';
import { callSidecar, FLEET_TOKEN_FROM, isTimedOut, type SidecarAnswer } from './sidecar-client';
import { timedOutText, timeoutArgument } from './timeout-argument';

/** A report over a year of records is computed on the host's figures thread: longer than a status call. */
const STATS_TIMEOUT_S = '60';

/** One host's part in the sum: counted, with its totals, or not, and why. */
export interface FleetStatsHost {
  host: string;
  url: string;
  counted: boolean;
  /** 提醒人次 and 遵从率 of its own records, so the 医保办 sees which workstation pulls the figure down. */
  reminders: number | null;
  compliance_rate: number | null;
  error: string | null;
}

interface FleetStatsOptions extends StatsQueryOptions {
  hosts: string;
  token?: string;
  concurrency: string;
  timeout: string;
}

type Query = ResolvedStatsQuery;

/** The query string /v1/stats reads, with the range already resolved here so every host counts the same days. */
function statsPath(query: Query): string {
  const params = new URLSearchParams({ from: query.from, to: query.to, by: query.by });
  for (const name of ['rule', 'dept', 'doctor'] as const) {
    const value = query.filter[name];
    if (value !== undefined) params.set(name, value);
  }
  return `/v1/stats?${params.toString()}`;
}

function isReport(body: unknown, query: Query): body is StatsReport {
  const r = body as Partial<StatsReport> | undefined;
  return (
    typeof r === 'object' &&
    r !== null &&
    Array.isArray(r.rows) &&
    typeof r.totals?.reminders === 'number' &&
    r.from === query.from &&
    r.to === query.to &&
    r.by === query.by
  );
}

/**
 * Whether the report counts only what the query's rule/dept/doctor asked for. A build before the filters ignores
 * them and says no `filter`: its whole figures would be added to one doctor's total.
 */
function sameFilter(report: StatsReport, query: Query): boolean {
  const sent = (report as Partial<StatsReport>).filter ?? {};
  return (['rule', 'dept', 'doctor'] as const).every((name) => (sent[name] ?? undefined) === query.filter[name]);
}

/** One workstation listed twice would be counted twice, and the sum still called whole. */
function refuseRepeats(file: string, hosts: readonly FleetHost[]): void {
  const seen = new Map<string, string>();
  for (const host of hosts) {
    const key = host.url.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined)
      throw new Error(
        `${file}: ${host.url} is listed twice (${JSON.stringify(first)} and ${JSON.stringify(host.name)}): its figures would be counted twice; list each workstation once`,
      );
    seen.set(key, host.name);
  }
}

/** Why a host is left out, in words IT can act on. */
function whyNotCounted(answer: SidecarAnswer<unknown>, timeoutMs: number): string {
  const { status, error } = answer;
  // "timed out" alone left IT guessing whether the host is hung or the wait was short, and what sets the wait.
  if (isTimedOut(answer)) return timedOutText(timeoutMs);
  if (status === 404) return 'no /v1/stats: the workstation runs a prealert build older than the figures; update it';
  if (status === 400) return `refused the query: ${error ?? 'HTTP 400'}`;
  return error ?? `HTTP ${status}`;
}

async function readHost(
  host: FleetHost,
  query: Query,
  token: string | undefined,
  timeoutMs: number,
): Promise<{ state: FleetStatsHost; report?: StatsReport }> {
  const base = { host: host.name, url: host.url };
  const answer = await callSidecar<unknown>(host.url, statsPath(query), {
    token,
    timeoutMs,
    portFrom: host.portFrom,
    tokenFrom: FLEET_TOKEN_FROM,
  });
  if (answer.status === 200 && isReport(answer.body, query) && !sameFilter(answer.body, query)) {
    const error =
      'answered figures not limited to --rule/--dept/--doctor: its prealert build is older than those filters; update it';
    return { state: { ...base, counted: false, reminders: null, compliance_rate: null, error } };
  }
  if (answer.status === 200 && isReport(answer.body, query)) {
    const totals = answer.body.totals;
    return {
      state: {
        ...base,
        counted: true,
        reminders: totals.reminders,
        compliance_rate: totals.compliance_rate,
        error: null,
      },
      report: answer.body,
    };
  }
  const error =
    answer.status === 200
      ? 'answered something other than a figures report for this query'
      : whyNotCounted(answer, timeoutMs);
  return { state: { ...base, counted: false, reminders: null, compliance_rate: null, error } };
}

function rateText(rate: number | null): string {
  return rate === null ? '—' : `${(rate * 100).toFixed(1)}%`;
}

/** Which hosts the figures hold and which they miss: the table before the figures, or lines on stderr. */
function hostsTable(states: readonly FleetStatsHost[]): string {
  const table = new Table({ ...tableStyle(), head: ['host', '计入', '提醒人次', '遵从率', '未计入原因'] });
  for (const s of states) {
    table.push([
      s.host,
      s.counted ? '是' : '否',
      s.reminders ?? '-',
      s.counted ? rateText(s.compliance_rate) : '-',
      s.error ?? '',
    ]);
  }
  return table.toString();
}

function hostLines(states: readonly FleetStatsHost[]): string {
  return states
    .map((s) =>
      s.counted
        ? `${s.host}: counted, 提醒人次 ${s.reminders}, 遵从率 ${rateText(s.compliance_rate)}\n`
        : `${s.host}: NOT counted: ${s.error}\n`,
    )
    .join('');
}

export function registerFleetStats(fleet: Command): void {
  const stats = fleet
    .command('stats')
    .description(
      "the compliance figures (提醒人次 … 遵从率) of every workstation in the hosts file added up, as `prealert stats` prints one's; which hosts were counted, each one's 提醒人次 and 遵从率",
    )
    .requiredOption('--hosts <file>', 'workstations, one host[:port] or URL per line')
    .option('--token <token>', "the workstations' admin token (default PREALERT_ADMIN_TOKEN)");
  addStatsQueryOptions(stats)
    .option('--concurrency <n>', 'hosts at a time', '16')
    .option(
      '--timeout <seconds>',
      'give up on a host that has not answered after this many seconds (it is then not counted)',
      STATS_TIMEOUT_S,
    )
    .action(async (options: FleetStatsOptions) => {
      const format = statsFormat(options.format);
      const concurrency = positiveCountArgument(options.concurrency, '--concurrency');
      const timeoutMs = timeoutArgument(options.timeout);
      // A query every host would refuse stops here, named as typed, before any host is called.
      const query = statsQueryFromOptions(options);
      const hosts = readHostsFile(options.hosts);
      refuseRepeats(options.hosts, hosts);
      const token = options.token ?? process.env.PREALERT_ADMIN_TOKEN;
      const read = await mapConcurrently(hosts, concurrency, (host) => readHost(host, query, token, timeoutMs));
      const states = read.map((r) => r.state);
      const reports: HostReport[] = read.flatMap((r) => (r.report ? [{ host: r.state.host, report: r.report }] : []));
      const report = sumReports(query, reports);
      const missing = states.length - reports.length;
      const partial = missing > 0;
      const whose = totalsLabel(query.filter);
      // The totals row says it misses workstations in every format: a sheet forwarded alone must not pass for the whole.
      const totals = partial ? `${whose}（不完整：${missing}/${states.length} 台未计入）` : whose;
      const counted = `${reports.length}/${states.length} hosts counted${partial ? ': PARTIAL figures' : ''}\n`;
      if (format === 'json') {
        process.stdout.write(`${JSON.stringify({ ...report, partial, hosts: states }, null, 2)}\n`);
      } else if (format === 'csv') {
        // The CSV keeps `prealert stats`'s layout for a sheet that adds it up; which hosts it holds goes to stderr.
        process.stderr.write(`${hostLines(states)}${counted}`);
        process.stdout.write(figuresCsv(report, totals));
      } else {
        const heading = partial
          ? `部分结果（不完整）：${states.length} 台中 ${missing} 台未计入\n`
          : `全部 ${states.length} 台已计入\n`;
        process.stdout.write(`${hostsTable(states)}\n${counted}${heading}${figuresTable(report, totals)}\n`);
      }
      if (partial) process.exitCode = 1;
    });
}
