/**
 * The demo doctor station: order entry that calls the workstation's sidecar (3101) after every edit, as a
 * B/S HIS would, and shows the answer in <prealert-reminder>, which records each decision as a 3103.
 */
import { answerStanding, callService, FAILURE_LABELS } from '/vendor/widget/index.js';
import { CATALOGUE, DEMO_PRESCRIPTION, DOCTOR, findCatalogueItem, HOSPITAL, PATIENTS } from './demo-data.js';
import { setChildren } from './dom.js';
import { buildAnalysisInput, encounterId, VISITS, visitDepartment } from './his-request.js';

const ANALYZE_DEBOUNCE_MS = 350;
const ANALYZE_TIMEOUT_MS = 1500;
const SEVERITY = { 1: '明确违规', 2: '高度可疑', 3: '轻度可疑' };

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const reminder = /** @type {import('@prealert/widget').PrealertReminderElement} */ ($('reminder'));
const money = (n) => `¥${n.toFixed(2)}`;

const state = {
  sidecar: '',
  patient: PATIENTS[0],
  visit: /** @type {'outpatient' | 'inpatient'} */ (PATIENTS[0].visit),
  /** Orders per patient, so switching patients keeps what was typed; switching 门诊/住院 re-checks the same lines. */
  orderBook: new Map(),
  /** When each visit (patient + 门诊/住院) began in this station: it dates the encounter for the whole visit. */
  visitsOpened: new Map(),
  results: /** @type {import('@prealert/widget').JudgeResultDto[]} */ ([]),
  nextLine: 1,
  generation: 0,
  timer: /** @type {ReturnType<typeof setTimeout> | undefined} */ (undefined),
};

const orderKey = () => state.patient.id;

/**
 * The moment the current visit began (the first time the station showed it). The encounter id is dated by it, not
 * by the clock at each analysis: past midnight the mdtrt_id, and with it every jr_id, would change, and the answers
 * the doctor gave before midnight would no longer apply to the same warnings.
 */
function visitOpened() {
  const key = `${state.patient.id}|${state.visit}`;
  let opened = state.visitsOpened.get(key);
  if (!opened) {
    opened = new Date();
    state.visitsOpened.set(key, opened);
  }
  return opened;
}

/** The current visit's mdtrt_id (China's calendar day of visitOpened()). */
const currentEncounter = () => encounterId(state.patient, state.visit, visitOpened());
/** @returns {{ rxId: string, item: import('./demo-data.js').CatalogueItem, cnt: number }[]} */
function orders() {
  let list = state.orderBook.get(orderKey());
  if (!list) {
    list = [];
    state.orderBook.set(orderKey(), list);
  }
  return list;
}

function age(brdy, now = new Date()) {
  const birth = new Date(`${brdy}T00:00:00`);
  let years = now.getFullYear() - birth.getFullYear();
  const beforeBirthday =
    now.getMonth() < birth.getMonth() || (now.getMonth() === birth.getMonth() && now.getDate() < birth.getDate());
  if (beforeBirthday) years -= 1;
  return years;
}

function newTaskId() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  return `T${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
}

// ---- rendering ----

function renderPatient() {
  const p = state.patient;
  const sex = p.gend === '1' ? '男' : '女';
  const mdtrtId = currentEncounter();
  // The id in a span of its own that does not wrap: at 1024 px the line broke at the id's hyphen, and a doctor
  // reading it out to the 医保办 read half of it. The line still wraps, before 就诊号.
  const id = document.createElement('span');
  id.className = 'encounter-id';
  id.textContent = mdtrtId;
  const info = $('patient-info');
  info.textContent = `${sex} · ${age(p.brdy)}岁 · ${VISITS[state.visit].label} · ${visitDepartment(p, state.visit).name} · 主诊断 ${p.diagnosis.code} ${p.diagnosis.name} · 就诊号 `;
  info.append(id);
  for (const input of document.querySelectorAll('input[name="visit"]')) {
    input.checked = input.value === state.visit;
  }
}

function lineWarnings(rxId) {
  const flagged = [];
  const involved = [];
  for (const result of state.results) {
    for (const detail of result.judge_result_detail_dtos) {
      if (detail.rx_id !== rxId) continue;
      (detail.vola_item_type === '2' ? involved : flagged).push(result);
    }
  }
  return { flagged, involved };
}

/**
 * Where the doctor's answer to a warning shown now stands, as the element counts it for `saveReadiness`: its
 * `decisions` list the answers to the warnings of the analysis shown (a 返回修改 answers only the analysis it was
 * given on).
 */
function answerTo(jrId) {
  return answerStanding(reminder.decisions.find((d) => d.jrId === jrId));
}

const DECISION_BADGES = {
  open: '',
  continue: ' · 已继续',
  'continue-pending': ' · 已继续（待送达）',
  modify: ' · 待修改',
  refused: ' · 处理未被接受',
};

function badgeFor(rxId) {
  const cell = document.createElement('td');
  cell.className = 'warn-cell';
  const { flagged, involved } = lineWarnings(rxId);
  for (const result of flagged) {
    const badge = document.createElement('span');
    badge.className = `badge sev-${result.sev_deg}`;
    const suffix = DECISION_BADGES[answerTo(result.jr_id)];
    badge.textContent = `${SEVERITY[result.sev_deg]}：${result.rule_name}${suffix}`;
    badge.title = result.vola_cont;
    cell.append(badge);
  }
  if (flagged.length === 0 && involved.length > 0) {
    const badge = document.createElement('span');
    badge.className = 'badge involved';
    badge.textContent = `涉及：${involved[0].rule_name}`;
    badge.title = involved[0].vola_cont;
    cell.append(badge);
  }
  if (cell.childElementCount === 0) cell.textContent = '—';
  return cell;
}

function renderOrders() {
  const body = $('order-rows');
  const rows = orders().map((order, index) => {
    const row = document.createElement('tr');
    row.dataset.rxId = order.rxId;
    const cells = [String(index + 1), order.item.name, order.item.code, order.item.spec].map((text, i) => {
      const cell = document.createElement('td');
      cell.textContent = text;
      if (i === 2) cell.className = 'code';
      return cell;
    });
    const cntCell = document.createElement('td');
    cntCell.className = 'num';
    const cnt = document.createElement('input');
    cnt.type = 'number';
    cnt.min = '1';
    cnt.step = '1';
    cnt.value = String(order.cnt);
    cnt.setAttribute('aria-label', `${order.item.name} 数量`);
    cnt.addEventListener('change', () => {
      const value = Math.max(1, Math.round(Number(cnt.value) || 1));
      order.cnt = value;
      cnt.value = String(value);
      renderTotals();
      scheduleAnalysis();
    });
    cntCell.append(cnt);
    const price = document.createElement('td');
    price.className = 'num';
    price.textContent = money(order.item.price);
    const sum = document.createElement('td');
    sum.className = 'num';
    sum.textContent = money(order.item.price * order.cnt);
    const actions = document.createElement('td');
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'remove';
    remove.textContent = '删除';
    remove.setAttribute('aria-label', `删除 ${order.item.name}`);
    remove.addEventListener('click', () => removeLine(order.rxId));
    actions.append(remove);
    row.append(...cells, cntCell, price, sum, badgeFor(order.rxId), actions);
    return row;
  });
  setChildren(body, rows);
  if (rows.length === 0) {
    const empty = document.createElement('tr');
    const cell = document.createElement('td');
    cell.colSpan = 9;
    cell.className = 'empty';
    cell.textContent = '尚未开立医嘱';
    empty.append(cell);
    body.append(empty);
  }
  renderTotals();
  // New row elements: let the reminder mark them again.
  reminder.refreshRows();
}

/** Updates only the 医保提醒 column, so focus and typing in the rows are never disturbed by an answer. */
function renderBadges() {
  for (const row of $('order-rows').querySelectorAll('tr[data-rx-id]')) {
    row.children[7].replaceWith(badgeFor(row.dataset.rxId));
  }
}

function renderTotals() {
  const total = orders().reduce((sum, order) => sum + order.item.price * order.cnt, 0);
  $('total').textContent = money(total);
  for (const row of $('order-rows').querySelectorAll('tr[data-rx-id]')) {
    const order = orders().find((o) => o.rxId === row.dataset.rxId);
    if (order) row.children[6].textContent = money(order.item.price * order.cnt);
  }
}

/**
 * The status line is a live region: writing it, even the same text, makes a screen reader say it again, so an
 * unchanged line is left alone.
 */
function setStatus(text, kind = '') {
  const status = $('check-status');
  if (status.textContent !== text) status.textContent = text;
  status.dataset.kind = kind;
}

// ---- editing ----

function addLine(item, cnt) {
  const rxId = `${currentEncounter()}-${String(state.nextLine++).padStart(3, '0')}`;
  orders().push({ rxId, item, cnt });
  renderOrders();
  scheduleAnalysis();
}

function removeLine(rxId) {
  const list = orders();
  const index = list.findIndex((o) => o.rxId === rxId);
  if (index < 0) return;
  list.splice(index, 1);
  renderOrders();
  scheduleAnalysis();
  // Keep the keyboard in the table: the next row's delete button, or the entry field.
  const rows = $('order-rows').querySelectorAll('tr[data-rx-id] button.remove');
  const next = rows[Math.min(index, rows.length - 1)];
  (next ?? $('entry-item')).focus();
}

function addFromEntry() {
  const input = /** @type {HTMLInputElement} */ ($('entry-item'));
  const cntInput = /** @type {HTMLInputElement} */ ($('entry-cnt'));
  const item = findCatalogueItem(input.value);
  const msg = $('entry-msg');
  if (!item) {
    msg.textContent = input.value.trim() ? `未找到“${input.value.trim()}”，请从列表选择` : '请输入项目名称或编码';
    input.focus();
    return;
  }
  msg.textContent = '';
  addLine(item, Math.max(1, Math.round(Number(cntInput.value) || 1)));
  input.value = '';
  cntInput.value = '1';
  input.focus();
}

// ---- analysis (3101) ----

function scheduleAnalysis() {
  clearTimeout(state.timer);
  state.generation += 1;
  // The last save's words were about the order as it stood then: left in place, 「医嘱已保存」 would stand beside
  // warnings of lines added since, and 「未保存：…请先修改」 beside an order already changed.
  $('save-msg').textContent = '';
  // While the sidecar is away the 「暂不可用」 line stays and the re-check is quiet: the doctor heard it when it went
  // away and hears again only when it is back (or the reason changes), not after every edit.
  if (orders().length > 0 && $('check-status').dataset.kind !== 'down') setStatus('正在检查医保规则…', 'busy');
  // From the edit on, the element's readyToSave is false until this edit's analysis ends (the debounce included).
  reminder.showChecking();
  state.timer = setTimeout(runAnalysis, ANALYZE_DEBOUNCE_MS);
}

async function runAnalysis() {
  const generation = state.generation;
  if (orders().length === 0) {
    state.results = [];
    reminder.clear();
    setStatus('');
    $('task-id').textContent = '—';
    $('task-page').hidden = true;
    renderBadges();
    return;
  }
  const taskId = newTaskId();
  const started = performance.now();
  const input = buildAnalysisInput({
    patient: state.patient,
    visit: state.visit,
    orders: orders(),
    taskId,
    now: new Date(),
    visitOpened: visitOpened(),
  });
  const outcome = await callService('3101', input, {
    sidecar: state.sidecar,
    timeoutMs: ANALYZE_TIMEOUT_MS,
    envelope: envelopeFields(),
  });
  // A slower answer to an older edit must not overwrite a newer one.
  if (generation !== state.generation) return;
  const ms = Math.round(performance.now() - started);
  if (outcome.kind !== 'ok') {
    $('task-id').textContent = '—';
    $('task-page').hidden = true;
  }
  if (outcome.kind === 'failed') {
    state.results = [];
    reminder.showUnavailable(outcome.detail);
    setStatus(`医保提醒暂不可用（${FAILURE_LABELS[outcome.reason]}），不影响开立`, 'down');
    renderBadges();
    return;
  }
  if (outcome.kind === 'rejected') {
    // The sidecar is up and refused what the station sent (the message names the field). Shown as an outage, the
    // widget would find the sidecar up, fire prealert-available, and the station would send the same again, in a loop.
    state.results = [];
    reminder.clear();
    setStatus(`请求被拒绝：${outcome.message}`, 'down');
    renderBadges();
    return;
  }
  const output = outcome.body.output ?? {};
  const raw = output.result;
  state.results = Array.isArray(raw) ? raw : raw ? [raw] : [];
  // With the request, a warning this edit made vanish before the doctor answered it is answered 返回修改 by the widget.
  // The station always sends every order of the visit, so a flagged line missing from its prescription was deleted.
  reminder.show(state.results, {
    infno: '3101',
    taskId,
    request: input,
    truncated: output.truncated === true,
    wholePrescriptions: true,
  });
  $('task-id').textContent = taskId;
  const page = /** @type {HTMLAnchorElement} */ ($('task-page'));
  page.href = `${state.sidecar}/ui/reminder/${encodeURIComponent(taskId)}`;
  page.hidden = state.results.length === 0;
  document.body.dataset.taskId = taskId;
  setStatus(
    state.results.length > 0
      ? `医保规则检查：${state.results.length} 条提醒（${ms} ms），按 F8 处理`
      : `医保规则检查：未发现问题（${ms} ms）`,
    state.results.length > 0 ? 'warn' : 'ok',
  );
  renderBadges();
}

function envelopeFields() {
  return {
    fixmedins_code: HOSPITAL.fixmedins_code,
    fixmedins_name: HOSPITAL.fixmedins_name,
    mdtrtarea_admvs: HOSPITAL.admdvs,
    opter: DOCTOR.code,
    opter_name: DOCTOR.name,
  };
}

// ---- saving ----

/**
 * The save rule is the element's: `readyToSave` / `saveReadiness` (packages/widget/README.md, 保存医嘱). Only the
 * wording of the refusal is the station's.
 */
function saveMessage() {
  const readiness = reminder.saveReadiness;
  if (readiness.reason === 'checking') return '正在检查医保规则，请稍候再保存。';
  if (!readiness.ready) {
    const problems = [
      readiness.modify > 0 ? `${readiness.modify} 条已选择返回修改，请先修改相应医嘱` : '',
      readiness.open > 0 ? `${readiness.open} 条医保提醒未处理` : '',
      readiness.refused > 0 ? `${readiness.refused} 条处理未被医保提醒服务接受，请重新处理` : '',
    ].filter((text) => text !== '');
    return `未保存：${problems.join('；')}。可按 F8 逐条处理。`;
  }
  return readiness.pending > 0
    ? `医嘱已保存（演示，不写入任何系统）。${readiness.pending} 条继续执行的理由尚在送达，页面会自动重试。`
    : '医嘱已保存（演示，不写入任何系统）。';
}

// ---- wiring ----

function switchTo(patient, visit) {
  state.patient = patient;
  state.visit = visit;
  state.results = [];
  reminder.clear();
  renderPatient();
  renderOrders();
  scheduleAnalysis();
}

async function start() {
  try {
    const config = await (await fetch('/config.json')).json();
    state.sidecar = String(config.sidecar ?? '').replace(/\/+$/, '');
  } catch {
    setStatus('读取演示配置失败', 'down');
  }
  reminder.envelope = envelopeFields();
  reminder.setAttribute('sidecar', state.sidecar);
  reminder.lineLabel = (rxId) => orders().find((o) => o.rxId === rxId)?.item.name;

  const select = /** @type {HTMLSelectElement} */ ($('patient'));
  for (const patient of PATIENTS) {
    const option = document.createElement('option');
    option.value = patient.id;
    option.textContent = `${patient.name}（${patient.gend === '1' ? '男' : '女'}，${age(patient.brdy)}岁）`;
    select.append(option);
  }
  select.addEventListener('change', () => {
    const patient = PATIENTS.find((p) => p.id === select.value) ?? PATIENTS[0];
    switchTo(patient, patient.visit);
  });
  for (const input of document.querySelectorAll('input[name="visit"]')) {
    input.addEventListener('change', () =>
      switchTo(state.patient, input.value === 'inpatient' ? 'inpatient' : 'outpatient'),
    );
  }
  const datalist = $('catalogue');
  for (const item of CATALOGUE) {
    const option = document.createElement('option');
    option.value = item.name;
    option.label = `${item.code} · ${item.note}`;
    datalist.append(option);
  }
  for (const id of ['entry-item', 'entry-cnt']) {
    $(id).addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.isComposing) {
        event.preventDefault();
        addFromEntry();
      }
    });
  }
  $('entry-add').addEventListener('click', addFromEntry);
  $('demo-fill').addEventListener('click', () => {
    const first = PATIENTS[0];
    if (state.patient !== first || state.visit !== first.visit) {
      select.value = first.id;
      switchTo(first, first.visit);
    }
    orders().length = 0;
    for (const line of DEMO_PRESCRIPTION) {
      const item = CATALOGUE.find((c) => c.code === line.code);
      if (item)
        orders().push({
          rxId: `${currentEncounter()}-${String(state.nextLine++).padStart(3, '0')}`,
          item,
          cnt: line.cnt,
        });
    }
    renderOrders();
    scheduleAnalysis();
    $('entry-item').focus();
  });
  $('clear').addEventListener('click', () => {
    orders().length = 0;
    renderOrders();
    scheduleAnalysis();
  });
  $('save').addEventListener('click', () => {
    $('save-msg').textContent = saveMessage();
  });

  // The answers change when the doctor decides, and again when the sidecar records or refuses a 3103.
  for (const type of ['prealert-decision', 'prealert-recorded', 'prealert-feedback-error']) {
    reminder.addEventListener(type, renderBadges);
  }
  // The sidecar answers again after an outage: what was entered meanwhile was never checked, so check it now (the
  // 「暂不可用」 line goes with it) rather than let it be saved unchecked.
  reminder.addEventListener('prealert-available', () => {
    setStatus('');
    scheduleAnalysis();
  });
  // The save button says whether saving is allowed now, from the element's one signal.
  reminder.addEventListener('prealert-readiness', (event) => {
    const save = $('save');
    save.dataset.ready = String(event.detail.ready);
    save.title = event.detail.ready ? '' : '尚有医保提醒未处理，或正在检查';
  });

  renderPatient();
  renderOrders();
  $('entry-item').focus();
}

void start();
