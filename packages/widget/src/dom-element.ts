/**
 * Building the cards' DOM: an element with its class and text, and the key hint (<kbd>) a button or quick reason shows.
 * Apart from dom.ts's setChildren, which is there for the browsers the bundle targets, not to build anything.
 */
export function element<K extends keyof HTMLElementTagNameMap>(
  doc: Document,
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = doc.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function keyHint(doc: Document, key: string): HTMLElement {
  const kbd = element(doc, 'kbd', undefined, key);
  kbd.setAttribute('aria-hidden', 'true');
  return kbd;
}
