import path from 'node:path';
import { folderWriteProblem } from './data-dir-access';

/**
 * Makes sure log.file's folder can be written, before anything else is opened: a folder the service account may not
 * write in ended the start in EACCES twice and a stack from the log stream, after the records database had been
 * created. The files are rolled (<name>.<day>.<n>.log beside it), so the folder, not the named file, is probed.
 */
export function checkLogFileWritable(file: string): void {
  const folder = path.dirname(file);
  const problem = folderWriteProblem(folder, `create its folder ${folder}`, `write in ${folder}`);
  if (problem !== undefined)
    throw new Error(
      `log.file ${file}: cannot ${problem}; give the account prealert runs as the right to write there, or set "log.file" in the config to another path (or remove it to log to stdout)`,
    );
}
