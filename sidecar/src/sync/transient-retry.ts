// Windows holds files for a moment (antivirus, indexer, backup): every store write and read waits that out the same
// way, so the retry lives once here rather than in each file helper.

/**
 * Errors Windows reports while another process (an antivirus scan, the indexer, a backup agent) holds a file or
 * directory for a moment: worth another try shortly after.
 */
const TRANSIENT_CODES = new Set(['EPERM', 'EBUSY', 'EACCES']);
const RETRY_DELAYS_MS = [50, 100, 200, 400, 800];

function isTransient(error: unknown): boolean {
  return TRANSIENT_CODES.has((error as NodeJS.ErrnoException).code ?? '');
}

export async function retryingTransient<T>(operation: () => Promise<T>): Promise<T> {
  for (const delay of RETRY_DELAYS_MS) {
    try {
      return await operation();
    } catch (error) {
      if (!isTransient(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
  return operation();
}

/** retryingTransient for the synchronous writes (start, rollback): the waits block, but only after a failure. */
export function retryingTransientSync<T>(operation: () => T): T {
  for (const delay of RETRY_DELAYS_MS) {
    try {
      return operation();
    } catch (error) {
      if (!isTransient(error)) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, delay);
    }
  }
  return operation();
}

/** rm's own retries cover what Windows reports for a directory still held open (EBUSY, EPERM, ENOTEMPTY). */
export const RM_OPTIONS = {
  recursive: true,
  force: true,
  maxRetries: RETRY_DELAYS_MS.length,
  retryDelay: 100,
} as const;
