import type { KeyObject } from 'node:crypto';
import { BundleError } from './bundle-error';
import { canonicalJson } from './canonical-json';
import type { DeltaChanges } from './delta';
import { keyId, publicKeyOf, signBytes, type TrustedKey, verifyBytes } from './keys';

/**
 * manifest.json: the one small file a sidecar polls. It names the version and the exact bytes (sha256, size) of
 * the full library file and of the delta from the parent, and it is signed, so everything it points at is signed
 * too. One file holds both the manifest and its signatures: a CDN can never serve a signature of another version.
 */
export const MANIFEST_FILE = 'manifest.json';
export const BUNDLE_TYPE = 'prealert-bundle';
export const BUNDLE_FORMAT = 1;
/** A manifest is a few hundred bytes; anything much bigger is not one. */
export const MAX_MANIFEST_BYTES = 64 * 1024;

export interface LibraryFileEntry {
  file: string;
  sha256: string;
  size: number;
  rules: number;
  knowledge_points: number;
  rules_sha256: string;
  knowledge_points_sha256: string;
}

export interface DeltaFileEntry {
  file: string;
  sha256: string;
  size: number;
  from_version: string;
  /** The parent library's sha256: a delta is applied only to exactly these bytes. */
  from_sha256: string;
  changes: DeltaChanges;
}

export interface BundleManifest {
  type: typeof BUNDLE_TYPE;
  format: typeof BUNDLE_FORMAT;
  version: string;
  region: string;
  created_at: string;
  parent_version: string | null;
  description?: string;
  library: LibraryFileEntry;
  delta: DeltaFileEntry | null;
}

export interface ManifestSignature {
  key_id: string;
  sig: string;
}

export interface SignedManifest {
  signed: BundleManifest;
  signatures: ManifestSignature[];
}

export interface VerifiedManifest {
  manifest: BundleManifest;
  keyId: string;
}

/** What is signed: the canonical bytes of `signed`, whatever whitespace or key order the file has. */
function signedBytes(manifest: BundleManifest): Buffer {
  return Buffer.from(canonicalJson(manifest), 'utf8');
}

export function signManifest(manifest: BundleManifest, privateKey: KeyObject): SignedManifest {
  return {
    signed: manifest,
    signatures: [{ key_id: keyId(publicKeyOf(privateKey)), sig: signBytes(privateKey, signedBytes(manifest)) }],
  };
}

export function manifestText(signed: SignedManifest): string {
  return `${JSON.stringify(signed, null, 2)}\n`;
}

/** Version names travel in file names, URLs and logs. */
export const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;
const HEX64 = /^[0-9a-f]{64}$/;
/** Files of a bundle live next to the manifest: a bare name, never a path. */
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses manifest.json and checks its signature against the trusted keys; only then its fields. Every error
 * names the field, so "untrusted" and "malformed" are told apart.
 */
export function verifyManifest(
  bytes: Uint8Array | string,
  trusted: readonly TrustedKey[],
  file = MANIFEST_FILE,
): VerifiedManifest {
  const size = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.byteLength;
  if (size > MAX_MANIFEST_BYTES)
    throw new BundleError(`is ${size} bytes; a manifest is at most ${MAX_MANIFEST_BYTES}`, 'bad_manifest', file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new BundleError(`is not JSON (${(error as Error).message})`, 'bad_manifest', file);
  }
  if (!isRecord(parsed) || !isRecord(parsed.signed))
    throw new BundleError('has no "signed" object', 'bad_manifest', file);
  const signatures = parsed.signatures;
  if (!Array.isArray(signatures) || signatures.length === 0) {
    throw new BundleError('is not signed (no "signatures")', 'untrusted', `${file} signatures`);
  }
  if (trusted.length === 0)
    throw new BundleError('cannot be checked: no trusted public key is configured', 'untrusted', file);
  let payload: Buffer;
  try {
    payload = Buffer.from(canonicalJson(parsed.signed), 'utf8');
  } catch (error) {
    throw new BundleError((error as Error).message, 'bad_manifest', `${file} signed`);
  }
  const byId = new Map(trusted.map((k) => [k.id, k]));
  const unknown: string[] = [];
  const failed: string[] = [];
  let verifiedBy: string | undefined;
  // Any one trusted signature that verifies is enough: during a key rotation a manifest carries the old key's
  // signature and the new one's, and a workstation may trust a key whose signature is not the one that checks out.
  for (const entry of signatures) {
    if (!isRecord(entry) || typeof entry.key_id !== 'string' || typeof entry.sig !== 'string') continue;
    const key = byId.get(entry.key_id);
    if (!key) {
      unknown.push(entry.key_id);
      continue;
    }
    if (verifyBytes(key.key, payload, entry.sig)) {
      verifiedBy = key.id;
      break;
    }
    failed.push(key.id);
  }
  if (!verifiedBy) {
    throw new BundleError(
      failed.length > 0
        ? `signature by key ${failed.join(', ')} does not verify (altered or corrupt)`
        : unknown.length > 0
          ? `signed only by untrusted key(s) ${unknown.join(', ')}; trusted: ${trusted.map((k) => k.id).join(', ')}`
          : 'has no usable signature',
      'untrusted',
      `${file} signatures`,
    );
  }
  return { manifest: checkManifest(parsed.signed, `${file} signed`), keyId: verifiedBy };
}

function need(ok: boolean, where: string, message: string): void {
  if (!ok) throw new BundleError(message, 'bad_manifest', where);
}

function checkManifest(value: Record<string, unknown>, where: string): BundleManifest {
  need(value.type === BUNDLE_TYPE, `${where}.type`, `must be "${BUNDLE_TYPE}"`);
  need(
    value.format === BUNDLE_FORMAT,
    `${where}.format`,
    `must be ${BUNDLE_FORMAT} (this sidecar reads format ${BUNDLE_FORMAT})`,
  );
  need(
    typeof value.version === 'string' && VERSION_PATTERN.test(value.version),
    `${where}.version`,
    'must be a version name',
  );
  need(typeof value.region === 'string', `${where}.region`, 'must be a string');
  need(
    typeof value.created_at === 'string' && !Number.isNaN(Date.parse(value.created_at)),
    `${where}.created_at`,
    'must be an ISO date-time',
  );
  need(
    value.parent_version === null || typeof value.parent_version === 'string',
    `${where}.parent_version`,
    'must be a string or null',
  );
  need(
    value.description === undefined || typeof value.description === 'string',
    `${where}.description`,
    'must be a string',
  );
  checkFile(value.library, `${where}.library`);
  const library = value.library as Record<string, unknown>;
  for (const field of ['rules', 'knowledge_points']) {
    need(
      Number.isInteger(library[field]) && (library[field] as number) >= 0,
      `${where}.library.${field}`,
      'must be a count',
    );
  }
  for (const field of ['rules_sha256', 'knowledge_points_sha256']) {
    need(
      typeof library[field] === 'string' && HEX64.test(library[field] as string),
      `${where}.library.${field}`,
      'must be a sha256',
    );
  }
  if (value.delta !== null) {
    checkFile(value.delta, `${where}.delta`);
    const delta = value.delta as Record<string, unknown>;
    need(typeof delta.from_version === 'string', `${where}.delta.from_version`, 'must be a string');
    need(
      typeof delta.from_sha256 === 'string' && HEX64.test(delta.from_sha256),
      `${where}.delta.from_sha256`,
      'must be a sha256',
    );
    need(isRecord(delta.changes), `${where}.delta.changes`, 'must be an object');
  }
  return value as unknown as BundleManifest;
}

function checkFile(value: unknown, where: string): void {
  need(isRecord(value), where, 'must be an object');
  const entry = value as Record<string, unknown>;
  need(typeof entry.file === 'string' && FILE_NAME.test(entry.file), `${where}.file`, 'must be a plain file name');
  need(
    typeof entry.sha256 === 'string' && HEX64.test(entry.sha256),
    `${where}.sha256`,
    'must be a sha256 (64 hex digits)',
  );
  need(Number.isInteger(entry.size) && (entry.size as number) > 0, `${where}.size`, 'must be a byte count');
}

/** Refuses a bundle made for another region than `expected` (when one is configured). */
export function checkRegion(manifest: BundleManifest, expected: string | undefined, file = MANIFEST_FILE): void {
  if (expected === undefined || manifest.region === expected) return;
  throw new BundleError(
    `is for region ${JSON.stringify(manifest.region)}, this workstation takes ${JSON.stringify(expected)} (PREALERT_SYNC_REGION)`,
    'wrong_region',
    `${file} signed.region`,
  );
}

/**
 * The manifest fields without checking the signature: only for a publisher reading its own earlier bundle (the
 * parent of a delta). Anything that activates a library goes through `verifyManifest`.
 */
export function readManifestUnverified(bytes: Uint8Array | string, file = MANIFEST_FILE): BundleManifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new BundleError(`is not JSON (${(error as Error).message})`, 'bad_manifest', file);
  }
  if (!isRecord(parsed) || !isRecord(parsed.signed))
    throw new BundleError('has no "signed" object', 'bad_manifest', file);
  return checkManifest(parsed.signed, `${file} signed`);
}
