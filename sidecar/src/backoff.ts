/** A delay ±spread (10 % by default), so a fleet of workstations started together does not act in step. */
export function jittered(ms: number, spread = 0.1, random: () => number = Math.random): number {
  return Math.round(ms * (1 - spread + random() * 2 * spread));
}

/** Delay after the n-th failure in a row: retryMin·2^(n-1) capped at retryMax, ±20 %. */
export function backoff(
  config: { retryMinMs: number; retryMaxMs: number },
  failures: number,
  random: () => number = Math.random,
): number {
  return jittered(Math.min(config.retryMaxMs, config.retryMinMs * 2 ** Math.min(30, failures - 1)), 0.2, random);
}
