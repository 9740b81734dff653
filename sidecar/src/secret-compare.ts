import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * A constant-time check of a presented token: both sides are hashed to fixed-length digests first, so neither
 * the token's length nor a matching prefix shows in the timing.
 */
export function secretMatcher(secret: string): (candidate: unknown) => boolean {
  const expected = sha256(secret);
  return (candidate) => typeof candidate === 'string' && timingSafeEqual(sha256(candidate), expected);
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
