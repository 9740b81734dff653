import { deepActiveElement } from './deep-active-element';
import { hostOrigins, returnToHost } from './host-hotkey';

/**
 * Where focus goes back to when the doctor is done with the panel (Esc, or every warning answered): the field the
 * hotkey was pressed in, or the HIS page that forwarded it. Apart from the element because it is one piece of state
 * with its own rules: set when the hotkey brings focus in, spent by handing focus back, dropped when focus went
 * elsewhere on its own.
 */
export class FocusReturn {
  private returnFocusTo: Element | null = null;
  /**
   * The origin of the parent page whose forwarded hotkey brought focus in (host-hotkey.ts): Esc hands focus back to it,
   * as returnFocusTo does within the element's own document. Null when focus came in any other way.
   */
  private returnToHostOrigin: string | null = null;

  /** `element`: the reminder element, whose host-origin attribute names the pages that may be handed focus back. */
  constructor(
    private readonly element: HTMLElement,
    private readonly shadow: ShadowRoot,
  ) {}

  /**
   * The hotkey is about to bring focus in: remembers where from. `hostOrigin`: the hotkey was forwarded by that
   * parent page, so the doctor was in the HIS page, not in this document (whose activeElement is only what had focus
   * last time the frame had it). Focus already inside the element keeps the place remembered before.
   */
  rememberOrigin(hostOrigin?: string): void {
    if (hostOrigin !== undefined) {
      this.returnFocusTo = null;
      this.returnToHostOrigin = hostOrigin;
    } else {
      const active = deepActiveElement(this.element.ownerDocument);
      const insideWidget = active === this.element || (active !== null && this.shadow.contains(active));
      if (!insideWidget) {
        this.returnFocusTo = active;
        this.returnToHostOrigin = null;
      }
    }
  }

  /**
   * Back to where the hotkey was pressed: the field in this document, or, after a forwarded hotkey, the HIS page
   * (which focuses its field on our message). False when there is nowhere to go back to.
   */
  handFocusBack(): boolean {
    const back = this.returnFocusTo;
    const host = this.returnToHostOrigin;
    this.returnFocusTo = null;
    this.returnToHostOrigin = null;
    const win = this.element.ownerDocument.defaultView;
    if (host !== null && win) {
      // host-origin may have changed since the hotkey came: an origin no longer named is not told anything.
      if (hostOrigins(this.element.getAttribute('host-origin')).includes(host)) returnToHost(win, host);
      return true;
    }
    if (back instanceof HTMLElement && back.isConnected) {
      back.focus();
      return true;
    }
    return false;
  }

  /** Nowhere to hand focus back to any more: focus moved on its own (to 返回修改's line, or stayed out of the panel). */
  forget(): void {
    this.returnFocusTo = null;
    this.returnToHostOrigin = null;
  }
}
