/**
 * How a swap of two neighbouring characters counts. A header name is typed by hand and `cdoe` is one slip of `code`;
 * a gz_code's nearest framework codes have always been ranked by digits typed wrong, dropped or doubled, a swap being
 * two digits wrong, and that ranking is kept.
 */
export type SwapCount = 'one edit' | 'two edits';

/**
 * Edits (insert, delete, change, and with `swap` 'one edit' a swap of neighbours) from `a` to `b`, counted in UTF-16
 * code units: `efective_to` → `effective_to` 1, `cdoe` → `code` 1 or 2. One function for the CSV header's near-miss
 * check (csv-header.ts) and the gz_code hint (local-rule-code.ts): they kept a copy each, which could drift apart.
 */
export function editDistance(a: string, b: string, swap: SwapCount): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const change = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + change);
      if (swap === 'one edit' && i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  return d[a.length]![b.length]!;
}
