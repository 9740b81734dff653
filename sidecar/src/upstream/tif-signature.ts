import { createHash, randomUUID } from 'node:crypto';

export interface TifCredentials {
  paasId: string;
  token: string;
}

/**
 * The national TIF gateway's per-request headers (3101-3103.md §1.1): x-tif-signature is the hex SHA-256 of
 * timestamp + token + nonce + timestamp, with the timestamp in seconds. A fresh nonce each time, so a captured
 * request cannot be replayed.
 */
export function tifHeaders(
  credentials: TifCredentials,
  nowMs: number = Date.now(),
  nonce: string = randomUUID().replaceAll('-', ''),
): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  const signature = createHash('sha256')
    .update(timestamp + credentials.token + nonce + timestamp)
    .digest('hex');
  return {
    'x-tif-paasid': credentials.paasId,
    'x-tif-timestamp': timestamp,
    'x-tif-nonce': nonce,
    'x-tif-signature': signature,
  };
}
