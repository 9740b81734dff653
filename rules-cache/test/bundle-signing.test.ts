import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BUNDLE_FORMAT,
  BUNDLE_TYPE,
  BundleError,
  type BundleManifest,
  checkRegion,
  generateSigningKeys,
  manifestText,
  readPrivateKey,
  readPublicKeys,
  signManifest,
  verifyManifest,
} from '@prealert/rules-cache';
import { afterAll, describe, expect, it } from 'vitest';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-keys-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const HASH = 'a'.repeat(64);
const manifest: BundleManifest = {
  type: BUNDLE_TYPE,
  format: BUNDLE_FORMAT,
  version: 'nhsa-b1-17',
  region: 'national',
  created_at: '2026-06-29T00:00:00+08:00',
  parent_version: null,
  library: {
    file: `library-${HASH.slice(0, 16)}.ndjson`,
    sha256: HASH,
    size: 1234,
    rules: 24,
    knowledge_points: 3491,
    rules_sha256: HASH,
    knowledge_points_sha256: HASH,
  },
  delta: null,
};

function rejection(fn: () => unknown): BundleError {
  try {
    fn();
  } catch (error) {
    if (error instanceof BundleError) return error;
    throw error;
  }
  throw new Error('expected a BundleError');
}

describe('keys and signed manifests', () => {
  const keys = generateSigningKeys(path.join(dir, 'a'));
  const other = generateSigningKeys(path.join(dir, 'b'));
  const privateKey = readPrivateKey(keys.privateKeyFile);
  const trusted = readPublicKeys(keys.publicKeyFile);

  it('keygen writes a PEM pair, the private one readable by the owner only, and never overwrites', () => {
    expect(fs.readFileSync(keys.privateKeyFile, 'utf8')).toContain('BEGIN PRIVATE KEY');
    expect(trusted).toHaveLength(1);
    expect(trusted[0]!.id).toBe(keys.keyId);
    if (process.platform !== 'win32') expect(fs.statSync(keys.privateKeyFile).mode & 0o077).toBe(0);
    expect(() => generateSigningKeys(path.join(dir, 'a'))).toThrow(/refusing to overwrite/);
  });

  it('verifies what it signed, whatever the formatting of the file', () => {
    const signed = signManifest(manifest, privateKey);
    expect(verifyManifest(manifestText(signed), trusted)).toEqual({ manifest, keyId: keys.keyId });
    const reordered = JSON.stringify({
      signatures: signed.signatures,
      signed: { ...manifest, version: manifest.version },
    });
    expect(verifyManifest(reordered, trusted).manifest.version).toBe('nhsa-b1-17');
  });

  it('refuses a manifest changed after signing', () => {
    const signed = signManifest(manifest, privateKey);
    const altered = { ...signed, signed: { ...signed.signed, library: { ...signed.signed.library, size: 1235 } } };
    const error = rejection(() => verifyManifest(JSON.stringify(altered), trusted));
    expect(error.code).toBe('untrusted');
    expect(error.message).toMatch(/does not verify/);
  });

  it('refuses a manifest signed by a key it does not trust, naming both keys', () => {
    const signed = signManifest(manifest, readPrivateKey(other.privateKeyFile));
    const error = rejection(() => verifyManifest(manifestText(signed), trusted));
    expect(error.code).toBe('untrusted');
    expect(error.message).toContain(other.keyId);
    expect(error.message).toContain(keys.keyId);
  });

  it('refuses an unsigned manifest and trusts nothing without keys', () => {
    expect(rejection(() => verifyManifest(JSON.stringify({ signed: manifest, signatures: [] }), trusted)).code).toBe(
      'untrusted',
    );
    const signed = manifestText(signManifest(manifest, privateKey));
    expect(rejection(() => verifyManifest(signed, [])).message).toMatch(/no trusted public key/);
  });

  it('checks the fields only after the signature, and names the bad one', () => {
    const bad = { ...manifest, library: { ...manifest.library, file: '../../etc/passwd' } };
    const error = rejection(() => verifyManifest(manifestText(signManifest(bad, privateKey)), trusted));
    expect(error.code).toBe('bad_manifest');
    expect(error.message).toContain('signed.library.file');
  });

  it('accepts only Ed25519 keys', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const file = path.join(dir, 'rsa.pub');
    fs.writeFileSync(file, rsa.publicKey.export({ type: 'spki', format: 'pem' }));
    expect(() => readPublicKeys(file)).toThrow(/rsa key; bundles are signed with Ed25519/);
    fs.writeFileSync(path.join(dir, 'junk.pub'), 'hello');
    expect(() => readPublicKeys(path.join(dir, 'junk.pub'))).toThrow(/no PEM public key/);
  });

  it('reads every key of a file listing several (key rotation)', () => {
    const both = path.join(dir, 'both.pub');
    fs.writeFileSync(both, fs.readFileSync(keys.publicKeyFile, 'utf8') + fs.readFileSync(other.publicKeyFile, 'utf8'));
    const ids = readPublicKeys(both).map((k) => k.id);
    expect(ids).toEqual([keys.keyId, other.keyId]);
    const signed = manifestText(signManifest(manifest, readPrivateKey(other.privateKeyFile)));
    expect(verifyManifest(signed, readPublicKeys(both)).keyId).toBe(other.keyId);
  });

  it('accepts a manifest when any trusted signature verifies, even if another trusted one does not (rotation)', () => {
    const both = [...trusted, ...readPublicKeys(other.publicKeyFile)];
    const byOld = signManifest(manifest, privateKey).signatures[0]!;
    // The new key's signature is corrupt (say, made over an earlier draft); the old key's still vouches for it.
    const broken = { ...signManifest(manifest, readPrivateKey(other.privateKeyFile)).signatures[0]!, sig: byOld.sig };
    const text = JSON.stringify({ signed: manifest, signatures: [broken, byOld] });
    expect(verifyManifest(text, both).keyId).toBe(keys.keyId);
    // With only the corrupt one, it is refused as altered.
    const alone = JSON.stringify({ signed: manifest, signatures: [broken] });
    expect(rejection(() => verifyManifest(alone, both)).message).toMatch(/does not verify/);
  });

  it('refuses a bundle for another region when a region is expected', () => {
    expect(() => checkRegion(manifest, undefined)).not.toThrow();
    expect(() => checkRegion(manifest, 'national')).not.toThrow();
    const error = rejection(() => checkRegion(manifest, '440000'));
    expect(error.code).toBe('wrong_region');
    expect(error.message).toMatch(/"national".*"440000".*PREALERT_SYNC_REGION/);
  });
});
