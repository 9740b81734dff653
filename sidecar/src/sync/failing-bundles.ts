import type { BundleError, BundleManifest } from '@prealert/rules-cache';
import type { Logger } from '../logging';
import { damage } from './damage';
import { message } from './error-message';
import type { FailedBundle } from './last-good-store';
import type { PollMemoryFile } from './poll-memory';

/**
 * Verification failures of the same platform bundle, the same way each time, after which it is not downloaded again
 * until the manifest changes or IT asks: such a failure repeats (a proxy that mangles or cuts the file, a
 * publisher's hash mismatch), and hundreds of workstations downloading it whole every retry fill the WAN link the
 * 3101 gateway shares. Damage codes only: a network failure or a timeout keeps the normal backoff.
 */
const SKIP_AFTER_FAILURES = 3;

function skippedNote(failed: FailedBundle): string {
  return `${failed.version} (library sha256 ${failed.sha256.slice(0, 12)}…) failed verification ${failed.count} times in a row (${failed.code}), so it is not downloaded again until the platform publishes another bundle or IT asks for a sync (POST /v1/admin/sync)`;
}

/**
 * Refuses, before any byte of it is fetched, the bundle that failed verification the same way at the latest
 * SKIP_AFTER_FAILURES tries, while the manifest still offers it (same library, same ETag); IT asking for a sync
 * tries it once more. Another manifest forgets the failures.
 */
export function checkNotSkipped(
  file: PollMemoryFile,
  m: BundleManifest,
  etag: string | undefined,
  retrySkipped: boolean,
): void {
  const failed = file.memory.failed_bundle;
  if (!failed) return;
  if (failed.sha256 !== m.library.sha256 || failed.etag !== etag) {
    delete file.memory.failed_bundle;
    file.save();
    return;
  }
  if (retrySkipped || !(typeof failed.count === 'number' && failed.count >= SKIP_AFTER_FAILURES)) return;
  throw new Error(`skipped: ${skippedNote(failed)}; last failure: ${failed.error}`);
}

/**
 * Counts a failed download of the platform's bundle when the bundle itself failed verification (a network
 * failure, a timeout or this workstation's disk says nothing about the bundle); returns the error to report,
 * which says from the SKIP_AFTER_FAILURES-th identical failure on that the bundle is skipped.
 */
export function noteBundleFailure(
  file: PollMemoryFile,
  logger: Logger,
  m: BundleManifest,
  etag: string | undefined,
  error: unknown,
): unknown {
  if (!damage(error)) return error;
  const code = (error as BundleError).code;
  const prior = file.memory.failed_bundle;
  const same = prior?.sha256 === m.library.sha256 && prior.etag === etag && prior.code === code;
  const failed: FailedBundle = {
    version: m.version,
    sha256: m.library.sha256,
    ...(etag !== undefined ? { etag } : {}),
    code,
    error: message(error),
    count: same && typeof prior.count === 'number' ? prior.count + 1 : 1,
  };
  file.memory.failed_bundle = failed;
  file.save();
  if (failed.count < SKIP_AFTER_FAILURES) return error;
  logger.warn({ version: m.version, sha256: m.library.sha256, code, failures: failed.count }, 'bundle skipped');
  return new Error(`${message(error)}; ${skippedNote(failed)}`);
}
