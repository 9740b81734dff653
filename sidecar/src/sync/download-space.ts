import { freeBytes, isDiskFullCode, shownBytes } from '../disk-space';

/**
 * Kept free beyond the library itself: the records database (a 3101's rows, a 3103's decision) lives on the same
 * disk, and a download that took the last bytes refused them (the doctor's decision held, then lost).
 */
export const DOWNLOAD_MARGIN_BYTES = 16 * 1024 * 1024;

/**
 * Refuses a library download the disk has no room for, before any byte is fetched: the manifest gives its size.
 * A download on a nearly full disk filled it to 0 bytes at every retry, and the error then blamed the platform's URL.
 * `dir`: where the library is staged (on the data directory's disk).
 */
export function checkRoomForLibrary(dir: string, version: string, size: number): void {
  const free = freeBytes(dir);
  const need = size + DOWNLOAD_MARGIN_BYTES;
  if (free === undefined || free >= need) return;
  throw new Error(
    `磁盘空间不足：需要 ${shownBytes(need)}，可用 ${shownBytes(free)} (${dir})：规则库 ${version} ${shownBytes(size)}，另留 ${shownBytes(DOWNLOAD_MARGIN_BYTES)} 给记录；未下载，当前规则库继续使用`,
  );
}

/** A local disk's refusal during a download, in the same words: not the platform's fault, though it came mid-GET. */
export function localDiskFailure(error: unknown, dir: string): Error | undefined {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (!isDiskFullCode(code)) return undefined;
  const free = freeBytes(dir);
  return new Error(
    `磁盘空间不足：下载中磁盘已满 (${code})，可用 ${free === undefined ? '?' : shownBytes(free)} (${dir})；未完成的下载已删除，当前规则库继续使用`,
  );
}
