import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { SHIM_DIR } from './paths';

// Asynchronous, so a slow compile on a loaded machine does not stall the test worker's messages to vitest.
const run = promisify(execFile);

/**
 * Compiles native-shim/test/c/<name>.c, a HIS-like host program that dlopens the real .so, with the system C
 * compiler into `output`.
 */
export async function compileHost(name: string, output: string): Promise<void> {
  const sources = path.join(SHIM_DIR, 'test', 'c');
  await run('gcc', [
    '-std=c11',
    '-Wall',
    '-Wextra',
    '-Werror',
    `-I${sources}`,
    path.join(sources, `${name}.c`),
    '-o',
    output,
    '-ldl',
  ]);
}
