/**
 * `parent.replaceChildren(...nodes)` for the browsers the bundle targets (chrome80): replaceChildren arrived in
 * Chrome 86, and doctor stations still run HIS shells embedding Chromium 80–85, where calling it throws and the
 * element never renders.
 */
export function setChildren(parent: Element, nodes: readonly (Node | string)[]): void {
  parent.textContent = '';
  parent.append(...nodes);
}
