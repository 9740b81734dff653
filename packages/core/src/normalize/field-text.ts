/** A field as text: an absent one (undefined or null) is "". */
export function text(v: unknown): string {
  return v === undefined || v === null ? '' : String(v);
}
