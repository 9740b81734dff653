import { spawnSync } from 'node:child_process';

/**
 * Why this test cannot run programs as another account (uid `uid`, group of the same number, through setpriv), or
 * undefined: it needs root on POSIX, and the checkout must be readable by that account (one under a private folder,
 * such as a 0700 temporary one, is not).
 */
export function whyNotAsAccount(uid: number, files: string[]): string | undefined {
  if (process.platform === 'win32' || process.getuid?.() !== 0) return 'needs root on POSIX (setpriv)';
  for (const file of files) {
    const probe = spawnSync('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', 'test', '-r', file]);
    if (probe.error) return `setpriv (util-linux) cannot be run: ${probe.error.message}`;
    if (probe.status !== 0)
      return `${file} is not readable by uid ${uid}: the checkout is in a folder other accounts cannot enter`;
  }
  return undefined;
}
