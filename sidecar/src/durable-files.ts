import fs from 'node:fs';
import { CAUSES } from './data-dir-access';

/**
 * Writes that must survive a power cut: a file's bytes, and the directory entries that name it (a rename or a
 * creation is durable on POSIX only once its directory is flushed).
 */

/**
 * Flushes a directory's entries. Windows cannot open a directory for this, and NTFS journals renames and creations
 * itself, so failing to open one is not an error.
 */
export function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // See above.
  }
}

/** fsyncDir on the thread pool, where a wait for the disk would otherwise hold the event loop. */
export async function fsyncDirAsync(dir: string): Promise<void> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(dir, 'r');
    await handle.sync();
  } catch {
    // As in fsyncDir.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Writes a file and flushes it to disk before returning. */
export function writeDurably(file: string, bytes: Uint8Array | string): void {
  const fd = fs.openSync(file, 'w', 0o600);
  try {
    if (typeof bytes === 'string') fs.writeSync(fd, bytes);
    else fs.writeSync(fd, bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Replaces a small file (owner-only unless `mode` says otherwise) whole (temp file + rename), so a reader in another
 * process — the native shim reading the port file, a second sidecar reading who holds the data dir — never sees half
 * of it. Atomic, not flushed: these files are written anew at every start, so a power cut costs nothing that matters.
 */
export function replaceFile(file: string, text: string | Uint8Array, mode = 0o600): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temp, text, { mode });
    // The mode a file is created with passes through the umask (077 in a hardened service): one meant for other
    // accounts to read is set outright, before its name appears.
    if (mode !== 0o600 && process.platform !== 'win32') fs.chmodSync(temp, mode);
    fs.renameSync(temp, file);
  } catch (error) {
    // A full disk left the temp file behind for good, and "ENOSPC: no space left on device, write" named no file.
    fs.rmSync(temp, { force: true });
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw Object.assign(new Error(`cannot write ${file}: ${code} (${CAUSES[code] ?? (error as Error).message})`), {
      code,
    });
  }
}
