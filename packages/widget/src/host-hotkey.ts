/**
 * The hotkey pressed in the HIS page that holds the widget in an iframe. Keys go to the document that has focus, so
 * F8 pressed in the parent never reaches the frame; the parent forwards it with postMessage (widget README, "In an
 * iframe"). Only a message from the frame's own parent, from an origin the element's `host-origin` names, is taken:
 * any other page could otherwise pull the focus of a doctor typing elsewhere.
 */

/** The message a host posts to the frame: `{ type: 'prealert-hotkey' }`. */
export const HOST_HOTKEY_MESSAGE = 'prealert-hotkey';

/**
 * What the frame posts back when the doctor leaves with Esc, or answers the last open warning, after a forwarded hotkey:
 * `{ type: 'prealert-hotkey-return' }`.
 * The frame cannot focus the HIS page's field (another document, often another origin); the host's listener does.
 */
export const HOST_RETURN_MESSAGE = 'prealert-hotkey-return';

/** `host-origin`'s origins (comma or space separated), as the browser writes an origin (no trailing slash). */
export function hostOrigins(attribute: string | null): string[] {
  return (attribute ?? '')
    .split(/[\s,]+/)
    .map((origin) => origin.trim().replace(/\/+$/, ''))
    .filter((origin) => origin !== '');
}

/**
 * Hands the focus back to the page that forwarded the hotkey. Posted to that page's origin only, never `*`: a frame
 * navigated elsewhere in the meantime must not tell an unknown page where the doctor's keyboard is.
 */
export function returnToHost(win: Window, origin: string): void {
  if (win.parent !== win) win.parent.postMessage({ type: HOST_RETURN_MESSAGE }, origin);
}

/** True for the hotkey forwarded by this window's parent from one of `origins`. */
export function isHostHotkey(event: MessageEvent, win: Window, origins: readonly string[]): boolean {
  if (win.parent === win || event.source !== win.parent || !origins.includes(event.origin)) return false;
  const data: unknown = event.data;
  return typeof data === 'object' && data !== null && (data as { type?: unknown }).type === HOST_HOTKEY_MESSAGE;
}
