/** One line of test/c/load_per_call.c: a call made between loading the shim and unloading it. */
export interface LoadPerCallLine {
  rc: number;
  /** The fail-open reason, or "-" when the call was answered. */
  reason: string;
  /** The fail-open code, or "-" when the call was answered. */
  code: string;
  ms: number;
  /** The library was still in the process after the unload that matched its load. */
  loadedAfterUnload: boolean;
}

export function loadPerCallLines(stdout: string): LoadPerCallLine[] {
  return [
    ...stdout.matchAll(/^CALL \d+ rc=(-?\d+) reason=(\S+) code=(\S+) ms=([\d.]+) loaded_after_unload=(yes|no)\r?$/gm),
  ].map((m) => ({ rc: Number(m[1]), reason: m[2]!, code: m[3]!, ms: Number(m[4]), loadedAfterUnload: m[5] === 'yes' }));
}

export function loadPerCallReasons(stdout: string): string[] {
  return loadPerCallLines(stdout).map((l) => l.reason);
}
