/**
 * `parent.replaceChildren(...nodes)` for the Chromium the station supports (80+): replaceChildren arrived in Chrome 86,
 * and hospital desktops still embed Chromium/CEF 80–85, where calling it throws and the page stays blank.
 * @param {Element} parent
 * @param {readonly (Node | string)[]} nodes
 */
export function setChildren(parent, nodes) {
  parent.textContent = '';
  parent.append(...nodes);
}
