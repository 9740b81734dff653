import fs from 'node:fs';
import path from 'node:path';
import { CAUSES } from './data-dir-access';
import { SPOOL_DIR_NAME } from './spool/spool-replay';

/** Search (x) for group and others: they may open a file they know the name of, not list the folder. */
const PASS_THROUGH = 0o011;
/**
 * The spool of a machine-wide sidecar: every account creates files there (the doctors' shims spool 3103s while the
 * sidecar is down) and may list it (the shim sums its files against spool_max_bytes), the sticky bit (01000) lets
 * each remove or rename only its own files, and setgid (02000) gives every file the sidecar's group, which the shim
 * then lets read (0640, native-shim/src/spool.c): so the sidecar, running as a service account, can replay files
 * the doctors own, while one doctor cannot read another's. The sidecar, owning the folder, may delete them all.
 */
export const SHARED_SPOOL_DIR = 0o3777;

/**
 * Opens a machine-wide data dir (PREALERT_DATA_SCOPE=machine) to the workstation's other accounts as far as the
 * native shim needs, on POSIX: the folder is passed through to the port file (written 0644 by writePortFile), and
 * its spool takes files from everyone (SHARED_SPOOL_DIR). Everything else stays owner-only: the folder cannot be
 * listed, and the database, install.secret, logs and rejected spool files are 0600 as in a per-user data dir. Made
 * so at every start, also for a data dir an earlier prealert created 0700. Returns what could not be done (the
 * folder belongs to another account), for a warning: the sidecar starts anyway, and the shims then cannot read the
 * port file (their log says EACCES) or spool. On Windows the folder's ACL decides (README).
 */
export function shareWithWorkstationUsers(dataDir: string): string[] {
  if (process.platform === 'win32') return [];
  const problems: string[] = [];
  const attempt = (what: string, step: () => void) => {
    try {
      step();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      problems.push(`${what}: ${code} (${CAUSES[code] ?? (error as Error).message})`);
    }
  };
  attempt(`cannot let other accounts pass through ${dataDir} to its port file`, () => {
    const mode = fs.statSync(dataDir).mode & 0o7777;
    if ((mode & PASS_THROUGH) !== PASS_THROUGH) fs.chmodSync(dataDir, mode | PASS_THROUGH);
  });
  const spool = path.join(dataDir, SPOOL_DIR_NAME);
  attempt(`cannot let other accounts spool 3103s in ${spool}`, () => {
    fs.mkdirSync(spool, { recursive: true, mode: 0o700 });
    fs.chmodSync(spool, SHARED_SPOOL_DIR);
  });
  return problems;
}
