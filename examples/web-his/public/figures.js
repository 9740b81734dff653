/**
 * 医保办 figures: 提醒人次/金额 and 遵从率 by day, rule, department or doctor, from the sidecar's
 * GET /v1/stats (the same figures the CSV export and the platform upload use). Over time for the whole
 * hospital (by=day, or by=week/month/quarter as 时间粒度 says), or for one chosen rule, department or doctor (the
 * same, narrowed with rule=/dept=/doctor=).
 *
 * Each figure has one name, the one the CSV and `prealert stats` use (sidecar/src/stats/figure-names.ts): a 医保办
 * reconciling this page with the exported sheet must not have to guess that two words are one figure.
 */
import { chinaToday } from './china-time.js';
import { setChildren } from './dom.js';

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const KEY_HEADS = {
  day: '日期',
  week: '周',
  month: '月份',
  quarter: '季度',
  rule: '规则编码',
  dept: '科室编码',
  doctor: '医生编码',
};
const LABEL_HEADS = {
  week: '所含日期',
  month: '所含日期',
  quarter: '所含日期',
  rule: '规则名称',
  dept: '科室名称',
  doctor: '医生姓名',
};
const PERIODS = ['week', 'month', 'quarter'];
/** A report over time: by day, or by week, month or quarter. */
const overTime = (by) => by === 'day' || PERIODS.includes(by);
/**
 * Past about two months a day is too small to read (a year by day is 365 bars and a 遵从率 line jumping between 0
 * and 100 %): the page shows months unless the 医保办 chose a 时间粒度 themselves.
 */
const MONTHS_FROM_DAYS = 62;
const DIM_NAMES = { rule: '规则', dept: '科室', doctor: '医生' };
const money = (n) => `¥${Number(n).toFixed(2)}`;
/** No rate (null) where there were no reminders: nothing to comply with, not 0 %. */
const percent = (rate) => (rate === null || rate === undefined ? '—' : `${(Number(rate) * 100).toFixed(1)}%`);
const pad = (n) => String(n).padStart(2, '0');
const isoDay = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

const COLOURS = { complied: '#2e7d32', continued: '#ef6c00', pending: '#b0bec5', amount: '#90a4ae', rate: '#1565c0' };

let sidecar = '';
/** @type {import('chart.js').Chart | undefined} */
let chart;
/** Only the latest load() may draw: an older one still waiting for its answers is dropped. */
let loads = 0;
/** 时间粒度 chosen by the 医保办: then kept whatever the range; otherwise it follows the range's length. */
let periodChosen = false;

function query() {
  const checked = (name, fallback) =>
    /** @type {HTMLInputElement | null} */ (document.querySelector(`input[name="${name}"]:checked`))?.value ?? fallback;
  const by = checked('by', 'day');
  const measure = checked('measure', 'count');
  const from = /** @type {HTMLInputElement} */ ($('from')).value;
  const to = /** @type {HTMLInputElement} */ ($('to')).value;
  const subject = by === 'day' ? '' : /** @type {HTMLSelectElement} */ ($('subject')).value;
  const period = /** @type {HTMLSelectElement} */ ($('period')).value;
  // What 导出 CSV downloads is what the page shows: with a 趋势对象 chosen, that object's figures over time.
  const exported = subject ? { from, to, by: period, [by]: subject } : { from, to, by: by === 'day' ? period : by };
  return { by, period, from, to, measure, subject, search: new URLSearchParams(exported).toString() };
}

function setStatus(text, kind = '') {
  $('figures-status').textContent = text;
  $('figures-status').dataset.kind = kind;
}

/** The cards, and whose figures they are (本机: this workstation's sidecar counts its own, not the hospital's; or the chosen 趋势对象). */
function renderTotals(totals, whose) {
  $('totals-whose').textContent = `${whose}合计`;
  for (const cell of document.querySelectorAll('#totals [data-field]')) {
    const field = cell.dataset.field;
    const value = totals[field];
    cell.textContent = field.endsWith('amount')
      ? money(value)
      : field === 'compliance_rate'
        ? percent(value)
        : String(value);
  }
}

/** On a failed query: no figures, rather than zeros that read as a hospital without reminders. */
function clearTotals() {
  $('totals-whose').textContent = '';
  for (const cell of document.querySelectorAll('#totals [data-field]')) cell.textContent = '—';
}

/** The days of a week, month or quarter the range covers; one cut by the range's ends says so. */
function periodDays(row) {
  const days = `${row.covered_from} 至 ${row.covered_to}`;
  return row.partial ? `${days}（不完整，${row.covered_days} 天）` : days;
}

function renderTable(report) {
  $('key-head').textContent = KEY_HEADS[report.by] ?? '键';
  // By day the key is the day; a 名称 column would stay empty.
  $('label-head').hidden = report.by === 'day';
  $('label-head').textContent = LABEL_HEADS[report.by] ?? '名称';
  const rows = report.rows.map((row) => {
    const tr = document.createElement('tr');
    const values = [
      row.key,
      ...(report.by === 'day' ? [] : [PERIODS.includes(report.by) ? periodDays(row) : (row.label ?? '')]),
      row.reminders,
      money(row.reminder_amount),
      row.complied,
      money(row.complied_amount),
      row.continued,
      row.pending,
      percent(row.compliance_rate),
    ];
    for (const value of values) {
      const td = document.createElement('td');
      td.textContent = String(value);
      tr.append(td);
    }
    return tr;
  });
  if (rows.length === 0) {
    const tr = document.createElement('tr');
    const td = document.createElement('td');
    td.colSpan = report.by === 'day' ? 8 : 9;
    td.className = 'empty';
    td.textContent = '所选期间没有提醒记录';
    tr.append(td);
    rows.push(tr);
  }
  setChildren($('stats-rows'), rows);
}

/** The rule, department or doctor whose course over time is charted; "" compares them over the period. */
function renderSubjects(report) {
  const select = /** @type {HTMLSelectElement} */ ($('subject'));
  const label = /** @type {HTMLElement} */ ($('subject-label'));
  label.hidden = overTime(report.by);
  if (overTime(report.by)) return;
  const previous = select.value;
  const all = new Option(`全部${DIM_NAMES[report.by]}（期间对比）`, '');
  const options = report.rows.map(
    (row) => new Option(row.label === row.key ? row.key : `${row.label}（${row.key}）`, row.key),
  );
  setChildren(select, [all, ...options]);
  select.value = report.rows.some((row) => row.key === previous) ? previous : '';
}

const emptyFigures = () => ({
  reminders: 0,
  reminder_amount: 0,
  complied: 0,
  complied_amount: 0,
  continued: 0,
  pending: 0,
  compliance_rate: null,
});

/** Every day from..to (inclusive), as yyyy-MM-dd. */
function daysOf(from, to) {
  const days = [];
  const day = new Date(`${from}T00:00:00`);
  const last = new Date(`${to}T00:00:00`);
  while (day <= last && days.length <= 370) {
    days.push(isoDay(day));
    day.setDate(day.getDate() + 1);
  }
  return days;
}

const utcDay = (day) => new Date(`${day}T00:00:00Z`);
const utcIso = (d) => d.toISOString().slice(0, 10);

/** The week (ISO 8601: Monday first, the year its Thursday's), month or quarter a day is in, as the sidecar keys it. */
function periodKey(day, period) {
  if (period === 'month') return day.slice(0, 7);
  if (period === 'quarter') return `${day.slice(0, 4)}-Q${Math.floor((Number(day.slice(5, 7)) - 1) / 3) + 1}`;
  const thursday = utcDay(day);
  thursday.setUTCDate(thursday.getUTCDate() + 3 - ((thursday.getUTCDay() + 6) % 7));
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / 86400000 / 7) + 1;
  return `${year}-W${pad(week)}`;
}

/** Every week, month or quarter from..to, in order. */
function periodsOf(from, to, period) {
  const keys = [];
  const day = utcDay(from);
  const last = utcDay(to);
  for (let n = 0; day <= last && n < 4000; n++) {
    const key = periodKey(utcIso(day), period);
    if (keys[keys.length - 1] !== key) keys.push(key);
    day.setUTCDate(day.getUTCDate() + 1);
  }
  return keys;
}

/** Every day (or period) of the range, so the time axis has no holes (those without reminders show as empty). */
function dayRows(report) {
  const byKey = new Map(report.rows.map((row) => [row.key, row]));
  const keys = PERIODS.includes(report.by)
    ? periodsOf(report.from, report.to, report.by)
    : daysOf(report.from, report.to);
  return keys.map((key) => byKey.get(key) ?? { key, label: key, ...emptyFigures() });
}

/** A query the sidecar answered and refused: unlike a fetch that fails, the sidecar is there. */
class Refused extends Error {}
/** The fetch itself failed: nothing answered (or the browser kept the answer from the page). */
class Unreachable extends Error {}

/** The sidecar's refusal in the 医保办's words: a token it refused is not a bad query, nor a fault of its own. */
function refusal(status, said) {
  const words = said ? `：${said}` : '';
  if (status === 401) return new Refused(`本机医保提醒服务拒绝了查询：管理令牌缺失或不正确（HTTP ${status}）`);
  if (status === 403) return new Refused(`本机医保提醒服务拒绝了查询（HTTP ${status}）${words}`);
  if (status >= 400 && status < 500) return new Refused(`查询条件有误（HTTP ${status}）${words}`);
  return new Refused(`本机医保提醒服务出错（HTTP ${status}）${words}`);
}

async function fetchReport(params) {
  // Only this fetch failing is 「无法连接」: a TypeError thrown while drawing is not.
  const response = await fetch(`${sidecar}/v1/stats?${new URLSearchParams(params)}`).catch((error) => {
    throw new Unreachable(String(error));
  });
  // A refusal may come from something other than the sidecar (a proxy's HTML page): its status still says what.
  const body = await response.json().catch(() => undefined);
  if (!response.ok) throw refusal(response.status, typeof body?.error === 'string' ? body.error : '');
  if (body === undefined) throw new Refused('本机医保提醒服务的回答无法读取');
  return body;
}

/** One rule's, department's or doctor's figures per day (or week, month, quarter): narrowed to that key. */
async function subjectReport(q) {
  return fetchReport({ from: q.from, to: q.to, by: q.period, [q.by]: q.subject });
}

/** The datasets of one measure: 人次 stacked by outcome, or 提醒金额 next to 遵从金额. */
function measureDatasets(rows, measure, axis) {
  const sets =
    measure === 'amount'
      ? [
          { label: '提醒金额', data: rows.map((r) => r.reminder_amount), backgroundColor: COLOURS.amount },
          { label: '遵从金额', data: rows.map((r) => r.complied_amount), backgroundColor: COLOURS.complied },
        ]
      : [
          { label: '遵从人次', data: rows.map((r) => r.complied), backgroundColor: COLOURS.complied },
          { label: '继续执行人次', data: rows.map((r) => r.continued), backgroundColor: COLOURS.continued },
          { label: '未反馈人次', data: rows.map((r) => r.pending), backgroundColor: COLOURS.pending },
        ];
  const stacked = measure !== 'amount';
  return sets.map((set) => ({ ...set, type: 'bar', order: 2, ...(stacked ? { stack: 'n' } : {}), ...axis }));
}

const valueAxis = (measure) =>
  measure === 'amount'
    ? { beginAtZero: true, title: { display: true, text: '金额（元）' }, ticks: { callback: (v) => money(v) } }
    : { beginAtZero: true, stacked: true, title: { display: true, text: '提醒人次' }, ticks: { precision: 0 } };

/** Over time: bars per day, 遵从率 as a line on its own axis (no point on days without reminders). */
function drawSeries(Chart, rows, measure, title) {
  const rate = {
    type: 'line',
    label: '遵从率（人次）',
    data: rows.map((r) => (r.reminders > 0 ? Math.round(r.compliance_rate * 1000) / 10 : null)),
    borderColor: COLOURS.rate,
    backgroundColor: COLOURS.rate,
    pointRadius: 4,
    spanGaps: true,
    yAxisID: 'rate',
    order: 1,
  };
  return new Chart(/** @type {HTMLCanvasElement} */ ($('chart')), {
    data: {
      // A day as 03-25; a week, month or quarter (2026-W14, 2026-03, 2026-Q1) whole.
      labels: rows.map((r) => (/^\d{4}-\d{2}-\d{2}$/.test(r.key) ? r.key.slice(5) : r.key)),
      datasets: [...measureDatasets(rows, measure, { yAxisID: 'value' }), rate],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { position: 'bottom' }, title: { display: true, text: title } },
      scales: {
        x: { stacked: measure !== 'amount' },
        value: { ...valueAxis(measure), position: 'left' },
        rate: {
          beginAtZero: true,
          max: 100,
          position: 'right',
          title: { display: true, text: '遵从率 %' },
          grid: { drawOnChartArea: false },
        },
      },
    },
  });
}

/** By rule, department or doctor over the whole period: one horizontal bar each, the rate in its label. */
function drawComparison(Chart, report, measure) {
  const labels = report.rows.map((r) => `${r.label || r.key}（遵从率 ${percent(r.compliance_rate)}）`);
  return new Chart(/** @type {HTMLCanvasElement} */ ($('chart')), {
    data: { labels, datasets: measureDatasets(report.rows, measure, {}) },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      indexAxis: 'y',
      plugins: {
        legend: { position: 'bottom' },
        title: { display: true, text: `各${DIM_NAMES[report.by]}期间合计（选择上方对象看趋势）` },
      },
      scales: { x: { ...valueAxis(measure), position: 'bottom' }, y: { stacked: measure !== 'amount' } },
    },
  });
}

async function load() {
  const mine = ++loads;
  let q = query();
  if (q.from > q.to) {
    // Asked anyway, the sidecar would answer in English; the dates are checked here, in the 医保办's words.
    clearTotals();
    $('csv').removeAttribute('href');
    setStatus('开始日期晚于结束日期，请重新选择', 'down');
    return;
  }
  if (!periodChosen) {
    const days = (utcDay(q.to).getTime() - utcDay(q.from).getTime()) / 86400000 + 1;
    /** @type {HTMLSelectElement} */ ($('period')).value = days > MONTHS_FROM_DAYS ? 'month' : 'day';
    q = query();
  }
  setStatus('正在读取…');
  try {
    const report = await fetchReport({ from: q.from, to: q.to, by: q.by === 'day' ? q.period : q.by });
    if (mine !== loads) return;
    renderTable(report);
    renderSubjects(report);
    q = query(); // the subject list may have changed with the period
    /** @type {HTMLAnchorElement} */ ($('csv')).href = `${sidecar}/v1/stats.csv?${q.search}`;
    const subject = !overTime(report.by) && q.subject ? await subjectReport(q) : undefined;
    if (mine !== loads) return;
    const subjectName = /** @type {HTMLSelectElement} */ ($('subject')).selectedOptions[0]?.text ?? q.subject;
    const whose = subject ? `${DIM_NAMES[report.by]}：${subjectName}` : '本机';
    // The cards are the figures of what the chart shows: the chosen object's, or the whole hospital's.
    renderTotals(subject ? subject.totals : report.totals, subject ? `${whose} ` : whose);
    const series = overTime(report.by) ? dayRows(report) : subject ? dayRows(subject) : undefined;
    const Chart = /** @type {typeof import('chart.js').Chart | undefined} */ (globalThis.Chart);
    chart?.destroy();
    chart = undefined;
    if (Chart) {
      chart = series ? drawSeries(Chart, series, q.measure, whose) : drawComparison(Chart, report, q.measure);
    }
    Object.assign(document.body.dataset, {
      // The dimension asked for (day for any 时间粒度), and the 时间粒度 the series is in.
      loadedBy: q.by,
      loadedPeriod: q.period,
      chartKind: series ? 'series' : 'comparison',
      chartSubject: q.subject,
      chartMeasure: q.measure,
    });
    setStatus(`${report.from} 至 ${report.to}，更新于 ${new Date().toLocaleTimeString('zh-CN', { hour12: false })}`);
  } catch (error) {
    if (mine !== loads) return;
    clearTotals();
    setStatus(
      error instanceof Refused
        ? error.message
        : error instanceof Unreachable
          ? '无法连接本机医保提醒服务（sidecar）'
          : `查询失败：${error instanceof Error ? error.message : String(error)}`,
      'down',
    );
  }
}

async function start() {
  try {
    sidecar = String((await (await fetch('/config.json')).json()).sidecar ?? '').replace(/\/+$/, '');
  } catch {
    setStatus('读取演示配置失败', 'down');
  }
  const today = chinaToday();
  const monthAgo = new Date(today);
  monthAgo.setDate(today.getDate() - 29);
  /** @type {HTMLInputElement} */ ($('from')).value = isoDay(monthAgo);
  /** @type {HTMLInputElement} */ ($('to')).value = isoDay(today);
  $('query').addEventListener('submit', (event) => {
    event.preventDefault();
    void load();
  });
  for (const radio of document.querySelectorAll('input[name="by"], input[name="measure"]'))
    radio.addEventListener('change', () => void load());
  $('subject').addEventListener('change', () => void load());
  $('period').addEventListener('change', () => {
    periodChosen = true;
    void load();
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void load();
  });
  await load();
}

void start();
