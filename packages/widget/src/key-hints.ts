/**
 * The keys listed under the warnings (「F8 进入提醒 · Tab/↑↓ 切换 · … · Esc 取消」): only those that do something on
 * the panel as shown.
 */
export interface HintState {
  /** The element's hotkey attribute (F8 by default); empty when it has none. */
  hotkey: string;
  /** A grouped entry's rx_id box is shown on some warning. */
  rxIdBoxShown: boolean;
  /** How many quick reasons the form offers (keys 1 to 9 pick them). */
  reasonCount: number;
  /** 全部确认 (A) is offered. */
  confirmAllOffered: boolean;
}

export function hintText({ hotkey: key, rxIdBoxShown, reasonCount, confirmAllOffered }: HintState): string {
  const hotkey = key ? `${key} 进入提醒 · ` : '';
  const confirmAll = confirmAllOffered ? ' · A 全部确认仅需确认的' : '';
  // In an rx_id box the arrows scroll it rather than move on: said only where a box is shown, as A above.
  const boxScroll = rxIdBoxShown ? ' · 医嘱号框内 ↑↓ 滚动' : '';
  return `${hotkey}Tab/↑↓ 切换${boxScroll} · ←→ 按钮 · M 返回修改 · C 继续执行 · 1–${Math.min(reasonCount, 9)} 选理由 · Enter 确认${confirmAll} · Esc 取消`;
}
