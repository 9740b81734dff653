import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BundleError } from './bundle-error';
import { sha256 } from './sha256';

/** File names `keygen` writes: the private key stays with whoever builds bundles, the public one goes to sidecars. */
export const PRIVATE_KEY_FILE = 'prealert-bundle.key';
export const PUBLIC_KEY_FILE = 'prealert-bundle.pub';

export interface TrustedKey {
  /** First 16 hex digits of the sha256 of the public key (SPKI DER): names the key in manifests and logs. */
  id: string;
  key: KeyObject;
  /** Where it was read from. */
  file?: string;
}

export function keyId(publicKey: KeyObject): string {
  return sha256(publicKey.export({ type: 'spki', format: 'der' })).slice(0, 16);
}

export interface GeneratedKeys {
  privateKeyFile: string;
  publicKeyFile: string;
  keyId: string;
}

/**
 * Writes a new Ed25519 key pair into `dir`. An existing key is never overwritten: losing the private key that
 * every workstation trusts would mean re-configuring the fleet.
 */
export function generateSigningKeys(dir: string): GeneratedKeys {
  const privateKeyFile = path.join(dir, PRIVATE_KEY_FILE);
  const publicKeyFile = path.join(dir, PUBLIC_KEY_FILE);
  for (const file of [privateKeyFile, publicKeyFile]) {
    if (fs.existsSync(file)) throw new BundleError('exists already; refusing to overwrite a key', 'io', file);
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(privateKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  try {
    fs.writeFileSync(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644, flag: 'wx' });
  } catch (error) {
    // A private key without its public half (a dangling .pub link, a full disk) is a key no workstation can be
    // given, left where the next keygen refuses to write: take back the one this call wrote ('wx': it is ours).
    fs.rmSync(privateKeyFile, { force: true });
    throw error;
  }
  return { privateKeyFile, publicKeyFile, keyId: keyId(publicKey) };
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new BundleError(`cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, 'io', file);
  }
}

export function readPrivateKey(file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(readText(file));
  } catch (error) {
    if (error instanceof BundleError) throw error;
    throw new BundleError('is not a PEM private key', 'io', file);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new BundleError(`is a ${key.asymmetricKeyType} key; bundles are signed with Ed25519`, 'io', file);
  }
  return key;
}

const PEM_PUBLIC = /-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g;

/** Every Ed25519 public key in a PEM file (a file may list several, e.g. during a key rotation). */
export function readPublicKeys(file: string): TrustedKey[] {
  const blocks = readText(file).match(PEM_PUBLIC) ?? [];
  if (blocks.length === 0) throw new BundleError('holds no PEM public key', 'io', file);
  return blocks.map((pem, i) => {
    let key: KeyObject;
    try {
      key = createPublicKey(pem);
    } catch {
      throw new BundleError(`key ${i + 1} is not a valid public key`, 'io', file);
    }
    if (key.asymmetricKeyType !== 'ed25519') {
      throw new BundleError(
        `key ${i + 1} is a ${key.asymmetricKeyType} key; bundles are signed with Ed25519`,
        'io',
        file,
      );
    }
    return { id: keyId(key), key, file };
  });
}

export function signBytes(privateKey: KeyObject, bytes: Uint8Array): string {
  return sign(null, bytes, privateKey).toString('base64');
}

export function verifyBytes(publicKey: KeyObject, bytes: Uint8Array, signature: string): boolean {
  const sig = Buffer.from(signature, 'base64');
  // Ed25519 signatures are 64 bytes; anything else is not worth handing to OpenSSL.
  if (sig.length !== 64) return false;
  try {
    return verify(null, bytes, publicKey, sig);
  } catch {
    return false;
  }
}

export function publicKeyOf(privateKey: KeyObject): KeyObject {
  return createPublicKey(privateKey);
}
