import fs from 'node:fs';
import { fileSettings, type SidecarConfig } from './config';
import { urlCredentialNames } from './url-credentials';

/**
 * The secrets a config file holds while others may read it, by their config path, never their value (POSIX only: on
 * Windows the folder's ACL decides, not a mode). The sidecar makes its database, logs and spool owner-only but never
 * changes a file IT wrote, so it says so.
 */
export function exposedConfigSecrets(file: string, platform: NodeJS.Platform = process.platform): string[] {
  if (platform === 'win32') return [];
  let mode: number;
  let settings: SidecarConfig;
  try {
    mode = fs.statSync(file).mode;
    settings = fileSettings(file);
  } catch {
    // Read once already by loadConfig; a file gone (or changed into nonsense) since is no one's secret.
    return [];
  }
  if ((mode & 0o077) === 0) return [];
  return configSecrets(settings);
}

/**
 * Every setting that is never shown: the tokens, the TIF token that signs each gateway call, every static header
 * (/v1/status and the logs show none) and what of a URL shownUrl masks (userinfo, query values).
 */
function configSecrets(settings: SidecarConfig): string[] {
  const urlSecrets = (name: string, url: string | undefined) =>
    url === undefined ? [] : urlCredentialNames(url).map((part) => `${name} ${part}`);
  const headerSecrets = (name: string, headers: Record<string, string>) =>
    Object.keys(headers).map((header) => `${name}.${header}`);
  return [
    ...(settings.adminToken === undefined ? [] : ['adminToken']),
    ...(settings.shimToken === undefined ? [] : ['shimToken']),
    ...(settings.upstream.tif === undefined ? [] : ['upstream.tif.token']),
    ...headerSecrets('upstream.headers', settings.upstream.headers),
    ...urlSecrets('upstream.url', settings.upstream.url),
    ...headerSecrets('platform.headers', settings.platform.headers),
    ...urlSecrets('platform.url', settings.platform.url),
    // A bundle server's access key in the query, as /v1/status masks it (sync-plugin.ts).
    ...urlSecrets('sync.url', settings.sync?.values.PREALERT_SYNC_URL?.value),
  ];
}

/** "a, b and c", for the warning's text. */
export function listed(names: string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
