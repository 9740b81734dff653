import fs from 'node:fs';
import path from 'node:path';
import { fsyncDir, fsyncDirAsync } from '../durable-files';

/**
 * The held-back list kept a second way, beside state.json: one empty file per sha256 in `<store>/held-back`. A
 * state.json the disk damaged used to lose the list with it, and the next poll activated again the version IT had
 * rolled back from. File names carry the whole list, so there is no content to tear; the directory is read only
 * when state.json cannot be.
 *
 * Order around a state.json write: marks are added before it and removed after it, so after a crash the marks hold
 * at least the versions state.json holds back (one extra is dropped at the next start that reads state.json). They
 * are a spare copy: failing to write one never fails the save (state.json still holds the list, and the next start
 * that reads it writes the marks again), so a save that fails still names state.json as the reason.
 */
const MARKS_DIR = 'held-back';
const SHA256 = /^[0-9a-f]{64}$/;

function marksDir(storeDir: string): string {
  return path.join(storeDir, MARKS_DIR);
}

/** The versions marked held back; empty when there are no marks. */
export function readHeldBackMarks(storeDir: string): string[] {
  try {
    return fs
      .readdirSync(marksDir(storeDir))
      .filter((name) => SHA256.test(name))
      .sort();
  } catch {
    return [];
  }
}

function unmarked(storeDir: string, heldBack: readonly string[]): string[] {
  const have = new Set(readHeldBackMarks(storeDir));
  return heldBack.filter((sha) => SHA256.test(sha) && !have.has(sha));
}

/** Before state.json is written: every version `heldBack` names is marked, durably; false when one could not be. */
export function addHeldBackMarks(storeDir: string, heldBack: readonly string[]): boolean {
  const missing = unmarked(storeDir, heldBack);
  if (missing.length === 0) return true;
  const dir = marksDir(storeDir);
  try {
    fs.mkdirSync(dir, { recursive: true });
    for (const sha of missing) fs.closeSync(fs.openSync(path.join(dir, sha), 'w', 0o600));
  } catch {
    return false;
  }
  fsyncDir(dir);
  fsyncDir(storeDir);
  return true;
}

/**
 * After state.json is written: marks of versions no longer held back go. A mark that cannot be removed only holds
 * back a version if state.json is also lost before the next start, which removes it: not a failed save.
 */
export function dropStaleHeldBackMarks(storeDir: string, heldBack: readonly string[]): void {
  const keep = new Set(heldBack);
  for (const sha of readHeldBackMarks(storeDir)) {
    if (keep.has(sha)) continue;
    try {
      fs.rmSync(path.join(marksDir(storeDir), sha), { force: true });
    } catch {
      // See above.
    }
  }
}

/** addHeldBackMarks on the thread pool, for the commit of a new library (its fsyncs keep off the event loop). */
export async function addHeldBackMarksAsync(storeDir: string, heldBack: readonly string[]): Promise<boolean> {
  const missing = unmarked(storeDir, heldBack);
  if (missing.length === 0) return true;
  const dir = marksDir(storeDir);
  try {
    await fs.promises.mkdir(dir, { recursive: true });
    for (const sha of missing) await (await fs.promises.open(path.join(dir, sha), 'w', 0o600)).close();
  } catch {
    return false;
  }
  await fsyncDirAsync(dir);
  await fsyncDirAsync(storeDir);
  return true;
}
