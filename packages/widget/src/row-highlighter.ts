export type RowResolver = (rxId: string) => Element | null;

const ATTRIBUTES = ['data-prealert-severity', 'data-prealert-involved', 'data-prealert-active'] as const;

/**
 * Marks the host page's order rows with data attributes instead of styling them directly, so the host
 * keeps control of its own table (the default stylesheet below is optional).
 */
export class RowHighlighter {
  private marked = new Set<Element>();

  constructor(private readonly resolve: RowResolver) {}

  apply(severityByLine: ReadonlyMap<string, string>, involved: ReadonlySet<string>, active: ReadonlySet<string>): void {
    const next = new Set<Element>();
    const rowsOf = new Set<string>([...severityByLine.keys(), ...involved, ...active]);
    for (const rxId of rowsOf) {
      const row = this.resolve(rxId);
      if (!row) continue;
      next.add(row);
      setOrRemove(row, 'data-prealert-severity', severityByLine.get(rxId));
      setOrRemove(row, 'data-prealert-involved', !severityByLine.has(rxId) && involved.has(rxId) ? 'true' : undefined);
      setOrRemove(row, 'data-prealert-active', active.has(rxId) ? 'true' : undefined);
    }
    for (const row of this.marked) {
      if (!next.has(row)) for (const name of ATTRIBUTES) row.removeAttribute(name);
    }
    this.marked = next;
  }

  clear(): void {
    for (const row of this.marked) for (const name of ATTRIBUTES) row.removeAttribute(name);
    this.marked.clear();
  }
}

function setOrRemove(row: Element, name: string, value: string | undefined): void {
  if (value === undefined) row.removeAttribute(name);
  else if (row.getAttribute(name) !== value) row.setAttribute(name, value);
}

const ROW_STYLE_ID = 'prealert-row-styles';

/** Default look of marked rows, added once to the host document (opt out with `no-row-style`). */
export const ROW_STYLES = `
[data-prealert-severity="1"] > td:first-child, [data-prealert-severity="1"]:not(tr) { box-shadow: inset 4px 0 0 #c62828; }
[data-prealert-severity="2"] > td:first-child, [data-prealert-severity="2"]:not(tr) { box-shadow: inset 4px 0 0 #e65100; }
[data-prealert-severity="3"] > td:first-child, [data-prealert-severity="3"]:not(tr) { box-shadow: inset 4px 0 0 #b08600; }
[data-prealert-severity="1"], [data-prealert-severity="1"] > td { background-color: #fdecea; }
[data-prealert-severity="2"], [data-prealert-severity="2"] > td { background-color: #fff3e0; }
[data-prealert-severity="3"], [data-prealert-severity="3"] > td { background-color: #fff8e1; }
[data-prealert-involved="true"], [data-prealert-involved="true"] > td { background-color: #f3f6fb; }
[data-prealert-active="true"] { outline: 2px solid #1565c0; outline-offset: -2px; }
`;

export function ensureRowStyles(root: Document | ShadowRoot): void {
  const doc = root instanceof Document ? root : root.ownerDocument;
  const container = root instanceof Document ? root.head : root;
  if (
    !container ||
    (root instanceof Document ? doc.getElementById(ROW_STYLE_ID) : root.querySelector(`#${ROW_STYLE_ID}`))
  ) {
    return;
  }
  const style = doc.createElement('style');
  style.id = ROW_STYLE_ID;
  style.textContent = ROW_STYLES;
  container.append(style);
}
