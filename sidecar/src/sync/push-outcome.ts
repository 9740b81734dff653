import { BundleError } from '@prealert/rules-cache';
import { message } from './error-message';
import { SyncRequestError } from './sync-request-error';
import type { PollOutcome } from './sync-types';

/**
 * The latest push's outcome as status keeps it: the next successful poll clears `last_error`, and IT, having closed
 * the `push` terminal, still needs to read why a workstation did not take the push.
 */
export interface PushOutcome {
  at: string;
  /** The version the pushed manifest names (not verified when refused); null when it could not be read. */
  version: string | null;
  outcome: 'accepted' | 'refused';
  /** Why it was refused, as the push was answered; for an accepted push, that nothing changed when it runs already. */
  reason: string | null;
}

/** The version a pushed manifest line names, read without verifying it, only to name a refused push. */
export function claimedVersion(manifestBytes: Buffer | undefined): string | null {
  if (!manifestBytes) return null;
  try {
    const version = (JSON.parse(manifestBytes.toString('utf8')) as { signed?: { version?: unknown } }).signed?.version;
    return typeof version === 'string' ? version : null;
  } catch {
    return null;
  }
}

/** The HTTP status a refused push is answered with (see the sync plugin's refuse). */
export function refusalStatus(error: unknown): number {
  if (error instanceof SyncRequestError) return error.statusCode;
  if (error instanceof BundleError) return 422;
  if (error instanceof RangeError) return 400;
  return 500;
}

/** A push taken: activated, or answered as current (it runs already). */
export function acceptedPush(outcome: PollOutcome, at: number): PushOutcome {
  const version =
    outcome.outcome === 'activated' ? outcome.report.version : 'version' in outcome ? outcome.version : null;
  return {
    at: new Date(at).toISOString(),
    version,
    outcome: 'accepted',
    reason: outcome.outcome === 'current' ? `${version} runs already; nothing was activated` : null,
  };
}

/** A push refused, with the reason it was answered with. */
export function refusedPush(error: unknown, manifestBytes: Buffer | undefined, at: number): PushOutcome {
  return {
    at: new Date(at).toISOString(),
    version: claimedVersion(manifestBytes),
    outcome: 'refused',
    reason: message(error),
  };
}
