import { byOutputOrder, type Finding, sortFindings } from '@prealert/core';
import { describe, expect, it } from 'vitest';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Only the ordering fields matter; `evidence` tells apart findings that compare alike. */
function finding(random: () => number, n: number): Finding {
  return {
    severity: (1 + Math.floor(random() * 3)) as 1 | 2 | 3,
    ruleId: `GZ1000010100${Math.floor(random() * 4)}000`,
    jrId: `JR${Math.floor(random() * 6)}`,
    evidence: String(n),
  } as Finding;
}

describe('sortFindings', () => {
  it('orders exactly as Array.prototype.sort(byOutputOrder), shared jr_ids, runs and reversed runs included', () => {
    const random = rng(7);
    for (let round = 0; round < 3000; round++) {
      const n = 1 + Math.floor(random() * 70);
      const list = Array.from({ length: n }, (_, i) => finding(random, i));
      if (round % 5 === 0) list.sort(byOutputOrder).reverse();
      if (round % 7 === 0) list.sort(byOutputOrder);
      const expected = [...list].sort(byOutputOrder).map((f) => f.evidence);
      sortFindings(list);
      expect(list.map((f) => f.evidence)).toEqual(expected);
    }
  });
});
