import fs from 'node:fs';
import path from 'node:path';
import type { WrittenBundle } from '@prealert/rules-cache';

/**
 * A bundle as POST /v1/admin/bundle takes it: the manifest on one line, then the library's bytes; `cut` keeps only
 * that share of them (a push broken off mid-way).
 */
export function pushBody(bundle: WrittenBundle, cut = 1): Buffer {
  const manifest = JSON.stringify(JSON.parse(fs.readFileSync(path.join(bundle.dir, 'manifest.json'), 'utf8')));
  const payload = fs.readFileSync(path.join(bundle.dir, bundle.libraryFile));
  return Buffer.concat([Buffer.from(`${manifest}\n`), payload.subarray(0, Math.floor(payload.length * cut))]);
}

/** The library's sha256 as the sidecar's messages name it: its first 12 hex digits. */
export const sha256Prefix = (bundle: WrittenBundle) => bundle.manifest.signed.library.sha256.slice(0, 12);
