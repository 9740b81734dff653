import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fsyncDir, fsyncDirAsync, writeDurably } from '../durable-files';
import { retryingTransient, retryingTransientSync } from './transient-retry';

/**
 * writeJsonAtomically on the thread pool. Right after a 100 MB library was written, an fsync waits for the disk to
 * take all of it: on the event loop that held every request for tens of milliseconds.
 */
export async function writeJsonAtomicallyAsync(file: string, value: unknown): Promise<void> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await fs.promises.open(temp, 'w', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(value, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await retryingTransient(() => fs.promises.rename(temp, file));
  await fsyncDirAsync(path.dirname(file));
}

/** Writes JSON so that after a crash the file holds either the old content or the new, never a mix. */
export function writeJsonAtomically(file: string, value: unknown): void {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeDurably(temp, `${JSON.stringify(value, null, 2)}\n`);
  retryingTransientSync(() => fs.renameSync(temp, file));
  fsyncDir(path.dirname(file));
}

export function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}
