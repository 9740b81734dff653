/**
 * 医保办 figures: 提醒人次/金额 and 遵从率 by day, rule, department or doctor, from the sidecar's
 * GET /v1/stats (the same figures the CSV export and the platform upload use).
 */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const KEY_HEADS = { day: '日期', rule: '规则编码', dept: '科室编码', doctor: '医生编码' };
const money = (n) => `¥${Number(n).toFixed(2)}`;
const percent = (rate) => `${(Number(rate) * 100).toFixed(1)}%`;
const pad = (n) => String(n).padStart(2, '0');
const isoDay = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

let sidecar = '';
/** @type {import('chart.js').Chart | undefined} */
let chart;

function query() {
  const by =
    /** @type {HTMLInputElement | null} */ (document.querySelector('input[name="by"]:checked'))?.value ?? 'day';
  const from = /** @type {HTMLInputElement} */ ($('from')).value;
  const to = /** @type {HTMLInputElement} */ ($('to')).value;
  return { by, from, to, search: new URLSearchParams({ from, to, by }).toString() };
}

function setStatus(text, kind = '') {
  $('figures-status').textContent = text;
  $('figures-status').dataset.kind = kind;
}

function renderTotals(totals) {
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

function renderTable(report) {
  $('key-head').textContent = KEY_HEADS[report.by] ?? '键';
  const rows = report.rows.map((row) => {
    const tr = document.createElement('tr');
    const values = [
      row.key,
      report.by === 'day' ? '' : (row.label ?? ''),
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
    td.colSpan = 9;
    td.className = 'empty';
    td.textContent = '所选期间没有提醒记录';
    tr.append(td);
    rows.push(tr);
  }
  $('stats-rows').replaceChildren(...rows);
}

/** Every day of the range, so the time axis has no holes (days without reminders show as empty). */
function dayRows(report) {
  const byKey = new Map(report.rows.map((row) => [row.key, row]));
  const rows = [];
  const day = new Date(`${report.from}T00:00:00`);
  const last = new Date(`${report.to}T00:00:00`);
  while (day <= last && rows.length < 370) {
    const key = isoDay(day);
    rows.push(
      byKey.get(key) ?? { key, label: key, reminders: 0, complied: 0, continued: 0, pending: 0, compliance_rate: null },
    );
    day.setDate(day.getDate() + 1);
  }
  return rows;
}

function renderChart(report) {
  const Chart = /** @type {typeof import('chart.js').Chart | undefined} */ (globalThis.Chart);
  if (!Chart) return;
  const byDay = report.by === 'day';
  const rows = byDay ? dayRows(report) : report.rows;
  const bars = [
    { label: '遵从（返回修改）', data: rows.map((r) => r.complied), backgroundColor: '#2e7d32' },
    { label: '继续执行', data: rows.map((r) => r.continued), backgroundColor: '#ef6c00' },
    { label: '待处理', data: rows.map((r) => r.pending), backgroundColor: '#b0bec5' },
  ].map((set) => ({ ...set, type: 'bar', stack: 'n', order: 2, ...(byDay ? { yAxisID: 'count' } : {}) }));
  chart?.destroy();
  if (byDay) {
    // Over time: stacked bars per day, 遵从率 as a line on its own axis (no point on days without reminders).
    const rate = {
      type: 'line',
      label: '遵从率',
      data: rows.map((r) => (r.reminders > 0 ? Math.round(r.compliance_rate * 1000) / 10 : null)),
      borderColor: '#1565c0',
      backgroundColor: '#1565c0',
      pointRadius: 4,
      spanGaps: true,
      yAxisID: 'rate',
      order: 1,
    };
    chart = new Chart(/** @type {HTMLCanvasElement} */ ($('chart')), {
      data: { labels: rows.map((r) => r.key.slice(5)), datasets: [...bars, rate] },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { position: 'bottom' } },
        scales: {
          x: { stacked: true },
          count: {
            stacked: true,
            beginAtZero: true,
            position: 'left',
            title: { display: true, text: '提醒人次' },
            ticks: { precision: 0 },
          },
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
    return;
  }
  // By rule, department or doctor: one horizontal stacked bar each, the rate in its label.
  const labels = rows.map((r) => `${r.label || r.key}（遵从率 ${percent(r.compliance_rate)}）`);
  chart = new Chart(/** @type {HTMLCanvasElement} */ ($('chart')), {
    data: { labels, datasets: bars },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      indexAxis: 'y',
      plugins: { legend: { position: 'bottom' } },
      scales: {
        x: {
          stacked: true,
          beginAtZero: true,
          position: 'bottom',
          title: { display: true, text: '提醒人次' },
          ticks: { precision: 0 },
        },
        y: { stacked: true },
      },
    },
  });
}

async function load() {
  const q = query();
  /** @type {HTMLAnchorElement} */ ($('csv')).href = `${sidecar}/v1/stats.csv?${q.search}`;
  setStatus('正在读取…');
  try {
    const response = await fetch(`${sidecar}/v1/stats?${q.search}`);
    const body = await response.json();
    if (!response.ok) {
      setStatus(`查询失败：${body.error ?? response.status}`, 'down');
      return;
    }
    renderTotals(body.totals);
    renderTable(body);
    renderChart(body);
    document.body.dataset.loadedBy = body.by;
    setStatus(`${body.from} 至 ${body.to}，更新于 ${new Date().toLocaleTimeString('zh-CN', { hour12: false })}`);
  } catch {
    setStatus('无法连接本机医保提醒服务（sidecar）', 'down');
  }
}

async function start() {
  try {
    sidecar = String((await (await fetch('/config.json')).json()).sidecar ?? '').replace(/\/+$/, '');
  } catch {
    setStatus('读取演示配置失败', 'down');
  }
  const today = new Date();
  const monthAgo = new Date(today);
  monthAgo.setDate(today.getDate() - 29);
  /** @type {HTMLInputElement} */ ($('from')).value = isoDay(monthAgo);
  /** @type {HTMLInputElement} */ ($('to')).value = isoDay(today);
  $('query').addEventListener('submit', (event) => {
    event.preventDefault();
    void load();
  });
  for (const radio of document.querySelectorAll('input[name="by"]'))
    radio.addEventListener('change', () => void load());
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void load();
  });
  await load();
}

void start();
