import path from 'node:path';
import { userHome } from './home-dir';

/**
 * Where a workstation keeps its data, by the conventions of each OS: per user, so that several doctors sharing
 * one Windows terminal server (RDS/Citrix) each get their own records, port file and secret. A sidecar installed
 * as a machine-wide service (PREALERT_DATA_SCOPE=machine) keeps one store for the machine instead: under
 * %ProgramData% on Windows (a service running as LocalSystem has no useful per-user folder), /var/lib elsewhere.
 * Always absolute: the home is looked up only when the folder is under it (userHome, which throws NoHomeError
 * rather than give a relative one).
 */
export function defaultDataDir(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  home?: string,
): string {
  const homeDir = () => home ?? userHome(platform, env);
  const machine = env.PREALERT_DATA_SCOPE === 'machine';
  if (platform === 'win32') {
    if (machine) return path.win32.join(env.ProgramData || env.PROGRAMDATA || 'C:\\ProgramData', 'prealert');
    const localAppData = env.LOCALAPPDATA || path.win32.join(homeDir(), 'AppData', 'Local');
    return path.win32.join(localAppData, 'prealert');
  }
  if (machine) return platform === 'darwin' ? '/Library/Application Support/prealert' : '/var/lib/prealert';
  if (platform === 'darwin') return path.posix.join(homeDir(), 'Library', 'Application Support', 'prealert');
  const xdg = env.XDG_DATA_HOME;
  // XDG says a relative XDG_DATA_HOME is invalid and must be ignored.
  if (xdg && path.posix.isAbsolute(xdg)) return path.posix.join(xdg, 'prealert');
  return path.posix.join(homeDir(), '.local', 'share', 'prealert');
}

/**
 * Whether a data dir setting is absolute as the native shim reads one (native-shim/src/native_path.c): POSIX `/…`;
 * Windows `C:\…`, `C:/…` or `\\server\share\…`. Node calls `\foo` absolute on Windows, but it hangs on the current
 * drive, which the HIS and the sidecar need not share; `C:foo` hangs on that drive's current folder.
 */
export function isAbsoluteAsTheShimReadsIt(value: string, platform: NodeJS.Platform = process.platform): boolean {
  if (platform === 'win32') return /^[A-Za-z]:[\\/]/.test(value) || /^[\\/]{2}/.test(value);
  return value.startsWith('/');
}
