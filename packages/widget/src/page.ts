/**
 * The sidecar's reminder page (GET /ui/reminder/<task_id>) for desktop HIS that open a URL in an embedded
 * browser. It shows the task's warnings with the same element a B/S doctor station embeds, and the doctor's
 * answers go to the same 3103 route, so they are recorded exactly as a HIS-sent 3103 would be.
 */
import { PrealertReminderElement } from './index';
import { LiveAnnouncer } from './live-announcer';
import type { JudgeResultDto, RecordedDisposition } from './types';

interface TaskView {
  task_id: string;
  infno: string;
  trig_scen?: string;
  created_at?: string;
  results: JudgeResultDto[];
  dispositions?: Record<string, RecordedDisposition>;
  /** rx_id → item name; absent or empty for an answer recorded before the sidecar kept names. */
  line_names?: Record<string, string>;
  /** rx_id → the day each line was ordered on ("yyyy-MM-dd"); absent or empty before the sidecar kept days. */
  line_dates?: Record<string, string>;
  /** The sidecar could not read this answer's results: `results` is empty, yet reminders may have been raised. */
  results_unreadable?: boolean;
  /** How many of the answer's results the sidecar could not read and left out of `results`; absent when none. */
  results_unread?: number;
}

interface WebViewHost {
  chrome?: { webview?: { postMessage(message: unknown): void } };
}

const byId = (id: string): HTMLElement | null => document.getElementById(id);

const unreadText = (count: number): string => `另有 ${count} 条提醒读取失败，未能显示；请留意`;

/**
 * Says that some reminders are not shown, in its own element: #page-status changes as the doctor answers (「全部提醒已
 * 处理并记录…」), and a later status must not hide that she has not seen every reminder. Only shown: it is said aloud
 * by announceUnread, once focus is on the first card.
 */
function showUnread(count: number): void {
  const notice = byId('page-unread');
  if (!notice) return;
  notice.textContent = unreadText(count);
  notice.hidden = false;
}

/**
 * Long enough for the focus move to reach the screen reader in an accessibility update of its own before this text
 * does: NVDA and JAWS cut speech short on a focus change, so text written with or before the move (as the notice's
 * old role=alert was) is lost, and a polite region written later is queued after the focused card is read.
 */
const UNREAD_ANNOUNCE_DELAY_MS = 500;

/**
 * The unread count said to a screen reader after the first card is focused, in the page's own polite region
 * (#page-announce, present and empty from the start, as a region must be for its writes to be heard). Not by moving
 * focus to the notice: the doctor answers the first card with her keys at once. Not as an alert: it would cut off the
 * card being read.
 */
function announceUnread(count: number): () => void {
  const region = byId('page-announce');
  if (!region) return () => undefined;
  const announcer = new LiveAnnouncer(region);
  const timer = setTimeout(() => announcer.announce(unreadText(count)), UNREAD_ANNOUNCE_DELAY_MS);
  return () => clearTimeout(timer);
}

function setStatus(text: string, kind: 'info' | 'error' | 'done' = 'info'): void {
  const status = byId('page-status');
  if (!status) return;
  status.textContent = text;
  status.dataset.kind = kind;
  status.hidden = text === '';
}

/**
 * What the host is told when the shown reminders are all recorded. `unread` (present only when > 0) is how many the
 * page could not show: a host that closes the window on this message must still learn that not every reminder was seen.
 */
interface HostMessage {
  type: 'prealert-complete';
  taskId: string;
  settled: number;
  unread?: number;
}

/** Tells an embedding HIS the doctor is done, through whichever channel its browser offers. */
function notifyHost(message: HostMessage): void {
  try {
    (window as unknown as WebViewHost).chrome?.webview?.postMessage(message);
  } catch {
    // Not WebView2.
  }
  const targets = [window.opener, window.parent !== window ? window.parent : null];
  for (const target of targets) {
    try {
      (target as Window | null)?.postMessage(message, '*');
    } catch {
      // Cross-origin opener without a listener.
    }
  }
}

/** "2026-11-23 17:36" in the workstation's time zone (the sidecar stores UTC ISO times). */
function localTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function taskIdFromLocation(): string {
  const last = location.pathname.split('/').filter(Boolean).pop() ?? '';
  try {
    return decodeURIComponent(last);
  } catch {
    return '';
  }
}

async function start(): Promise<void> {
  const reminder = document.querySelector('prealert-reminder');
  if (!(reminder instanceof PrealertReminderElement)) return;
  const params = new URLSearchParams(location.search);
  const reasons = params.get('reasons');
  if (reasons) reminder.setAttribute('reasons', reasons);
  reminder.envelope = {
    opter: params.get('opter') ?? '',
    opter_name: params.get('opter_name') ?? '',
    fixmedins_code: params.get('fixmedins_code') ?? '',
  };

  const taskId = taskIdFromLocation();
  const meta = byId('task-meta');
  if (!taskId) {
    setStatus('地址中缺少提醒任务号（task_id）', 'error');
    return;
  }
  reminder.showChecking();
  let response: Response;
  try {
    response = await fetch(`/v1/tasks/${encodeURIComponent(taskId)}`, { headers: { accept: 'application/json' } });
  } catch {
    reminder.showUnavailable();
    setStatus('无法连接本机医保提醒服务，请直接继续开立', 'error');
    return;
  }
  if (response.status === 404) {
    reminder.clear();
    setStatus(`未找到提醒任务 ${taskId}（可能已过期或尚未分析）`, 'error');
    return;
  }
  let task: TaskView;
  try {
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    task = (await response.json()) as TaskView;
    // An empty list here is not "no reminders": the page must not tell the doctor the prescription is clean.
    if (task.results_unreadable === true) throw new Error('results unreadable');
  } catch (error) {
    reminder.showUnavailable(String(error));
    setStatus('提醒数据读取失败，请直接继续开立', 'error');
    return;
  }

  // A count from the sidecar, not a page's guess: anything but a positive whole number is no count.
  const unreadCount = task.results_unread;
  const unread =
    typeof unreadCount === 'number' && unreadCount > 0 && Math.floor(unreadCount) === unreadCount ? unreadCount : 0;
  if (unread > 0) showUnread(unread);

  if (meta) {
    const stage = task.infno === '3102' ? '事中' : '事前';
    meta.textContent = `${stage}提醒 · 任务 ${task.task_id}${task.created_at ? ` · ${localTime(task.created_at)}` : ''}`;
  }
  // Answered is not yet recorded: the page says "done" (and tells the host it may close it) only once the
  // sidecar has acknowledged every 3103, so a HIS that closes its embedded browser then loses nothing.
  reminder.addEventListener('prealert-answered', () => {
    if (reminder.pendingFeedback > 0) {
      setStatus(`${unread > 0 ? '已显示的提醒已全部处理' : '全部提醒已处理'}，正在记录，请稍候…`);
    }
  });
  /** Withdraws the unread count's pending announcement: the closing status says the count itself. */
  let cancelUnreadAnnounce = (): void => undefined;
  reminder.addEventListener('prealert-complete', () => {
    // A doctor who answered within the announcement's delay would otherwise hear the count after "done", twice.
    cancelUnreadAnnounce();
    document.title = '医保提醒：已处理';
    // Not "all" when some were never shown: the doctor must not read that she has dealt with every reminder.
    setStatus(
      unread > 0
        ? `已显示的提醒已全部处理并记录；另有 ${unread} 条未能显示，请留意。`
        : '全部提醒已处理并记录，可以关闭此窗口。',
      'done',
    );
    notifyHost({
      type: 'prealert-complete',
      taskId: task.task_id,
      settled: task.results.length,
      ...(unread > 0 ? { unread } : {}),
    });
  });
  reminder.addEventListener('prealert-decision', () => {
    // A changed answer after "done": not done again until the new 3103 is recorded.
    if (byId('page-status')?.dataset.kind !== 'done') return;
    document.title = `医保提醒（${task.results.length} 条）`;
    setStatus('');
  });
  reminder.addEventListener('prealert-feedback-error', (event) => {
    // Only a queued answer is retried; a refused one is not, and its warning waits for a new answer.
    const { state } = (event as CustomEvent<{ state: 'queued' | 'rejected' }>).detail;
    setStatus(
      state === 'rejected'
        ? '有处理结果未能记录，请按提示重新处理该提醒。'
        : '部分处理结果暂未送达，页面会自动重试，请勿关闭。',
      'error',
    );
  });
  reminder.addEventListener('prealert-recorded', () => {
    if (reminder.pendingFeedback === 0 && byId('page-status')?.dataset.kind === 'error') setStatus('');
  });
  document.title = task.results.length > 0 ? `医保提醒（${task.results.length} 条）` : '医保提醒：无';
  // There is no order table beside this page to find a line in: the name says which item it is, the rx_id which row.
  // A Map, not the object: an rx_id such as "constructor" must not find Object's.
  const names = new Map(Object.entries(task.line_names ?? {}));
  // The page has no request to read days from: the sidecar kept each line's, and a grouped entry shows their span.
  const dates = new Map(Object.entries(task.line_dates ?? {}));
  reminder.lineLabel = (rxId) => {
    const name = names.get(rxId);
    const date = dates.get(rxId);
    const named = typeof name === 'string' && name !== '';
    if (typeof date !== 'string') return named ? { name, withRxId: true } : undefined;
    return { name: named ? name : rxId, withRxId: named, date };
  };
  reminder.show(task.results ?? [], {
    infno: task.infno,
    taskId: task.task_id,
    dispositions: task.dispositions ?? {},
    ...(task.created_at ? { taskCreatedAt: task.created_at } : {}),
    ...(unread > 0 ? { notShown: unread } : {}),
  });
  if (task.results.length === 0) setStatus('本次没有医保提醒，可以关闭此窗口。', 'done');
  else reminder.focusFirst();
  if (unread > 0) cancelUnreadAnnounce = announceUnread(unread);

  window.addEventListener('beforeunload', (event) => {
    // Leaving with undelivered answers would lose them; the browser asks the doctor first.
    if (reminder.pendingFeedback > 0) event.preventDefault();
  });
}

void start();
