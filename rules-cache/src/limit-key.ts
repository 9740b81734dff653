import type { Limit } from '@prealert/core';

/**
 * A limit as one string with its object keys in one order: two limits give the same string exactly when they say the
 * same. The contradiction check (local-contradictions.ts) and the repeat check (local-repeats.ts) compare limits through
 * this one function, so a pair of rows can never be a repeat to one and a contradiction to the other. Key order is
 * how an object was built, not what it says: `{kind, level, firstPrescriptionOnly}` and the same limit read back
 * from a canonical library line (keys sorted) are one limit.
 *
 * Not bundle/canonical-json.ts: that gives the bytes a bundle signs and throws on a number JSON cannot hold, and a
 * limit read from a CSV row can hold one (a 400-digit quantity reads as Infinity): comparing rows must not stop the
 * import with a stack trace. Here, as before, such a number compares as JSON writes it.
 */
export function limitKey(limit: Limit): string {
  return JSON.stringify(limit, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
