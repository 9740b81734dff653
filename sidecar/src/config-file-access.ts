import fs from 'node:fs';

const SECRET_KEYS = ['adminToken', 'shimToken'] as const;

/**
 * The secrets a config file holds while others may read it (POSIX only: on Windows the folder's ACL decides, not a
 * mode). The sidecar makes its database, logs and spool owner-only but never changes a file IT wrote, so it says so.
 */
export function exposedConfigSecrets(file: string, platform: NodeJS.Platform = process.platform): string[] {
  if (platform === 'win32') return [];
  let mode: number;
  let parsed: unknown;
  try {
    mode = fs.statSync(file).mode;
    parsed = JSON.parse(fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
  } catch {
    // Read once already by loadConfig; a file gone since is no one's secret.
    return [];
  }
  if ((mode & 0o077) === 0 || typeof parsed !== 'object' || parsed === null) return [];
  return SECRET_KEYS.filter((key) => (parsed as Record<string, unknown>)[key] !== undefined);
}
