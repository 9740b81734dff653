import os from 'node:os';
import path from 'node:path';

/**
 * Where a workstation keeps its data, by the conventions of each OS: per user, so that several doctors sharing
 * one Windows terminal server (RDS/Citrix) each get their own records, port file and secret.
 */
export function defaultDataDir(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  home: string = os.homedir(),
): string {
  if (platform === 'win32') {
    const localAppData = env.LOCALAPPDATA || path.win32.join(home, 'AppData', 'Local');
    return path.win32.join(localAppData, 'prealert');
  }
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Application Support', 'prealert');
  const xdg = env.XDG_DATA_HOME;
  // XDG says a relative XDG_DATA_HOME is invalid and must be ignored.
  if (xdg && path.posix.isAbsolute(xdg)) return path.posix.join(xdg, 'prealert');
  return path.posix.join(home, '.local', 'share', 'prealert');
}
