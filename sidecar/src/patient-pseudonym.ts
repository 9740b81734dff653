import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const SECRET_FILE_NAME = 'install.secret';

/**
 * Reads the per-install secret, creating it on first start. Records key patients by HMAC(secret, patn_id) so
 * a copied database cannot be joined back to people without this file, which never leaves the workstation.
 */
export function loadInstallSecret(dataDir: string): Buffer {
  const file = path.join(dataDir, SECRET_FILE_NAME);
  try {
    return decodeSecret(fs.readFileSync(file, 'utf8'), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const fresh = randomBytes(32).toString('hex');
  try {
    // 'wx' fails if another process created it in the meantime; then theirs wins and is read back.
    fs.writeFileSync(file, `${fresh}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return decodeSecret(fs.readFileSync(file, 'utf8'), file);
}

function decodeSecret(text: string, file: string): Buffer {
  const hex = text.trim();
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new Error(`${file} is not a 64-hex-digit secret`);
  return Buffer.from(hex, 'hex');
}

export class PatientPseudonymizer {
  /** Identifies this install to the 数据归集 platform without revealing the secret. */
  readonly installId: string;

  constructor(private readonly secret: Buffer) {
    this.installId = createHmac('sha256', secret).update('prealert install id').digest('hex').slice(0, 16);
  }

  /** Stable, keyed pseudonym of a patn_id. */
  key(patientId: string): string {
    return createHmac('sha256', this.secret).update(patientId).digest('base64url').slice(0, 22);
  }
}
