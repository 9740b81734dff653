/**
 * Keys that scroll a small focused box (a grouped entry's rx_ids) by script. The card's own keys use the arrows to
 * move between warnings; in the box they scroll it instead, the same in every Chromium the widget runs on, and never
 * the card list behind it once the box is at its end.
 */
const LINE_FALLBACK_PX = 15;

/** Scrolls `box` for `key` and returns true, or returns false for a key that is not a scrolling key. */
export function scrollBoxByKey(box: HTMLElement, key: string): boolean {
  const line = Number.parseFloat(getComputedStyle(box).lineHeight) || LINE_FALLBACK_PX;
  // A page is the box's own height: it shows two lines, so a page keeps none of them in view twice.
  const page = Math.max(line, box.clientHeight);
  switch (key) {
    case 'ArrowDown':
      box.scrollTop += line;
      return true;
    case 'ArrowUp':
      box.scrollTop -= line;
      return true;
    case 'PageDown':
      box.scrollTop += page;
      return true;
    case 'PageUp':
      box.scrollTop -= page;
      return true;
    case 'Home':
      box.scrollTop = 0;
      return true;
    case 'End':
      box.scrollTop = box.scrollHeight;
      return true;
    default:
      return false;
  }
}
