import { isDiskFullCode } from '../disk-space';
import { message } from './error-message';

/**
 * An error the admin endpoints answer with its status code and message, as opposed to a failure of the bundle itself:
 * 4xx for what the caller asked, 5xx for what this workstation could not do (IT needs to read which).
 */
export class SyncRequestError extends Error {
  override name = 'SyncRequestError';
  constructor(
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
  }
}

/**
 * A failure of this workstation, worded for IT: a full disk is 507, anything else 500 with its reason. `storeDir`:
 * the last-good store's directory, named when its disk is full.
 */
export function workstationError(what: string, error: unknown, storeDir: string): SyncRequestError {
  if (isDiskFullCode((error as NodeJS.ErrnoException | null | undefined)?.code)) {
    return new SyncRequestError(`${what}: the disk holding ${storeDir} is full (${message(error)})`, 507);
  }
  return new SyncRequestError(`${what}: ${message(error)}`, 500);
}
