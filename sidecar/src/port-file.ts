import fs from 'node:fs';
import path from 'node:path';
import { replaceFile } from './durable-files';

export const PORT_FILE_NAME = 'port';
/** A machine-wide sidecar's port file: every account may read it (writePortFile). */
export const SHARED_PORT_FILE = 0o644;

/**
 * `<data dir>/port`, read by the native shim to find this sidecar: the port on the first line and, when
 * configured, the shim token on the second. Written atomically (temp file + rename) so a reader never sees half.
 * Owner-only, but for a sidecar serving the whole machine (`shared`): the HIS runs as the doctors' accounts, and a
 * shim that cannot read the file tried 17311 without the token, so any other port or a token meant no reminders.
 * The token is then no secret from the machine's accounts, which are the ones it lets in.
 */
export function writePortFile(dataDir: string, port: number, shimToken?: string, shared = false): string {
  const file = path.join(dataDir, PORT_FILE_NAME);
  replaceFile(file, shimToken ? `${port}\n${shimToken}\n` : `${port}\n`, shared ? SHARED_PORT_FILE : 0o600);
  return file;
}

/** Removes the port file if it still names this sidecar's port (a newer instance may have replaced it). */
export function removePortFile(dataDir: string, port: number): void {
  const file = path.join(dataDir, PORT_FILE_NAME);
  try {
    if (fs.readFileSync(file, 'utf8').split('\n')[0]?.trim() === String(port)) fs.unlinkSync(file);
  } catch {
    // Already gone.
  }
}

export function readPortFile(dataDir: string): { port: number; token?: string } | undefined {
  try {
    const [port, token] = fs.readFileSync(path.join(dataDir, PORT_FILE_NAME), 'utf8').split('\n');
    const n = Number(port);
    if (!Number.isInteger(n) || n <= 0) return undefined;
    return token ? { port: n, token } : { port: n };
  } catch {
    return undefined;
  }
}
