/**
 * The sentence the panel shows when it has no warnings to show: what the element is doing (its phase), including the
 * 「暂不可用」 alert of fail-open.
 */

/** Where the element stands: nothing analysed yet, an analysis running, one shown, or the sidecar not answering. */
export type Phase = 'idle' | 'checking' | 'shown' | 'unavailable';

export function renderStatusNotice(notice: HTMLElement, phase: Phase, shownCount: number): void {
  const texts: Record<Phase, string> = {
    idle: '开立医嘱后自动检查医保规则',
    checking: '正在检查…',
    shown: '未发现医保提醒',
    unavailable: '医保提醒暂不可用，不影响继续开立',
  };
  const showNotice = shownCount === 0;
  notice.hidden = !showNotice;
  // A live region speaks whenever its text is written, even the same text: written only when it changes, the
  // 「暂不可用」 alert is heard when the sidecar goes away, not again after every edit while it stays away.
  const role = phase === 'unavailable' ? 'alert' : 'status';
  if (notice.getAttribute('role') !== role) notice.setAttribute('role', role);
  if (notice.textContent !== texts[phase]) notice.textContent = texts[phase];
  // Named by its own (Chinese) sentence, whatever technical detail it keeps beside it (showUnavailable).
  notice.setAttribute('aria-label', texts[phase]);
  notice.classList.toggle('ok', phase === 'shown');
  notice.classList.toggle('down', phase === 'unavailable');
  if (phase !== 'unavailable') delete notice.dataset.detail;
}
