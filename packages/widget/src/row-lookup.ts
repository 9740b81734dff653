/**
 * Finding the host's order row for an rx_id (the `row-selector` template) and focusing the row of a line to change
 * (返回修改). Apart from RowHighlighter, which only marks the rows these find.
 */
import type { RowResolver } from './row-highlighter';

/** The row `template` (with `{rx_id}`) names in `root`; null when there is none or the template is no selector. */
export function queryRow(root: Document | ShadowRoot, template: string, rxId: string): Element | null {
  const escaped = typeof CSS !== 'undefined' && CSS.escape ? CSS.escape(rxId) : rxId.replace(/["\\]/g, '\\$&');
  try {
    // Not replaceAll (Chrome 85, after the chrome80 target), nor replace(): a `$&` in an id would be expanded.
    return root.querySelector(template.split('{rx_id}').join(escaped));
  } catch {
    return null;
  }
}

/** Focuses the first of these lines' rows found: its first control, else the row itself. False when none is. */
export function focusRow(rxIds: readonly string[], findRow: RowResolver): boolean {
  for (const rxId of rxIds) {
    const row = findRow(rxId);
    if (!row) continue;
    const focusable = row.querySelector<HTMLElement>('input:not([disabled]), select:not([disabled]), textarea, button');
    const target = focusable ?? (row instanceof HTMLElement ? row : null);
    if (!target) continue;
    if (!focusable && target.tabIndex < 0 && !target.hasAttribute('tabindex')) target.tabIndex = -1;
    target.focus();
    target.scrollIntoView?.({ block: 'nearest' });
    return true;
  }
  return false;
}
