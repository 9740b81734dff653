import fs from 'node:fs';
import path from 'node:path';
import { CAUSES } from './data-dir-access';
import { OWNER_ONLY_DIR } from './owner-only';

/**
 * Makes sure log.file's folder can be written, before anything else is opened: a folder the service account may not
 * write in ended the start in EACCES twice and a stack from the log stream, after the records database had been
 * created. The files are rolled (<name>.<day>.<n>.log beside it), so the folder, not the named file, is probed.
 */
export function checkLogFileWritable(file: string): void {
  const folder = path.dirname(file);
  const probe = path.join(folder, `.write-probe-${process.pid}`);
  let step = `create its folder ${folder}`;
  try {
    fs.mkdirSync(folder, { recursive: true, mode: OWNER_ONLY_DIR });
    step = `write in ${folder}`;
    fs.closeSync(fs.openSync(probe, 'w'));
    fs.rmSync(probe, { force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    const cause = CAUSES[code] ?? (error as Error).message;
    throw new Error(
      `log.file ${file}: cannot ${step}: ${code} (${cause}); give the account prealert runs as the right to write there, or set "log.file" in the config to another path (or remove it to log to stdout)`,
    );
  }
}
