/**
 * 医保办 figures: 提醒人次/金额 and 遵从率 by day, rule, department or doctor, from the sidecar's
 * GET /v1/stats (the same figures the CSV export and the platform upload use). Over time for the whole
 * hospital (by=day), or for one chosen rule, department or doctor (by=day narrowed with rule=/dept=/doctor=).
 *
 * Each figure has one name, the one the CSV and `prealert stats` use (sidecar/src/stats/figure-names.ts): a 医保办
 * reconciling this page with the exported sheet must not have to guess that two words are one figure.
 */
import { chinaToday } from './china-time.js';
import { setChildren } from './dom.js';

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const KEY_HEADS = { day: '日期', rule: '规则编码', dept: '科室编码', doctor: '医生编码' };
const LABEL_HEADS = { rule: '规则名称', dept: '科室名称', doctor: '医生姓名' };
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

function query() {
  const checked = (name, fallback) =>
    /** @type {HTMLInputElement | null} */ (document.querySelector(`input[name="${name}"]:checked`))?.value ?? fallback;
  const by = checked('by', 'day');
  const measure = checked('measure', 'count');
  const from = /** @type {HTMLInputElement} */ ($('from')).value;
  const to = /** @type {HTMLInputElement} */ ($('to')).value;
  const subject = by === 'day' ? '' : /** @type {HTMLSelectElement} */ ($('subject')).value;
  // What 导出 CSV downloads is what the page shows: with a 趋势对象 chosen, that object's figures day by day.
  const exported = subject ? { from, to, by: 'day', [by]: subject } : { from, to, by };
  return { by, from, to, measure, subject, search: new URLSearchParams(exported).toString() };
}

function setStatus(text, kind = '') {
  $('figures-status').textContent = text;
  $('figures-status').dataset.kind = kind;
}

/** The cards, and whose figures they are (全院, or the chosen 趋势对象). */
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

function renderTable(report) {
  $('key-head').textContent = KEY_HEADS[report.by] ?? '键';
  // By day the key is the day; a 名称 column would stay empty.
  $('label-head').hidden = report.by === 'day';
  $('label-head').textContent = LABEL_HEADS[report.by] ?? '名称';
  const rows = report.rows.map((row) => {
    const tr = document.createElement('tr');
    const values = [
      row.key,
      ...(report.by === 'day' ? [] : [row.label ?? '']),
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
  label.hidden = report.by === 'day';
  if (report.by === 'day') return;
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

/** Every day of the range, so the time axis has no holes (days without reminders show as empty). */
function dayRows(report) {
  const byKey = new Map(report.rows.map((row) => [row.key, row]));
  return daysOf(report.from, report.to).map((key) => byKey.get(key) ?? { key, label: key, ...emptyFigures() });
}

async function fetchReport(params) {
  const response = await fetch(`${sidecar}/v1/stats?${new URLSearchParams(params)}`);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
  return body;
}

/** One rule's, department's or doctor's figures per day: by=day narrowed to that key. */
async function subjectReport(q) {
  return fetchReport({ from: q.from, to: q.to, by: 'day', [q.by]: q.subject });
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
      labels: rows.map((r) => r.key.slice(5)),
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
  setStatus('正在读取…');
  try {
    const report = await fetchReport({ from: q.from, to: q.to, by: q.by });
    if (mine !== loads) return;
    renderTable(report);
    renderSubjects(report);
    q = query(); // the subject list may have changed with the period
    /** @type {HTMLAnchorElement} */ ($('csv')).href = `${sidecar}/v1/stats.csv?${q.search}`;
    const subject = report.by !== 'day' && q.subject ? await subjectReport(q) : undefined;
    if (mine !== loads) return;
    const subjectName = /** @type {HTMLSelectElement} */ ($('subject')).selectedOptions[0]?.text ?? q.subject;
    const whose = subject ? `${DIM_NAMES[report.by]}：${subjectName}` : '全院';
    // The cards are the figures of what the chart shows: the chosen object's, or the whole hospital's.
    renderTotals(subject ? subject.totals : report.totals, subject ? `${whose} ` : whose);
    const series = report.by === 'day' ? dayRows(report) : subject ? dayRows(subject) : undefined;
    const Chart = /** @type {typeof import('chart.js').Chart | undefined} */ (globalThis.Chart);
    chart?.destroy();
    chart = undefined;
    if (Chart) {
      chart = series ? drawSeries(Chart, series, q.measure, whose) : drawComparison(Chart, report, q.measure);
    }
    Object.assign(document.body.dataset, {
      loadedBy: report.by,
      chartKind: series ? 'series' : 'comparison',
      chartSubject: q.subject,
      chartMeasure: q.measure,
    });
    setStatus(`${report.from} 至 ${report.to}，更新于 ${new Date().toLocaleTimeString('zh-CN', { hour12: false })}`);
  } catch (error) {
    if (mine !== loads) return;
    clearTotals();
    setStatus(
      error instanceof TypeError
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
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void load();
  });
  await load();
}

void start();
