import fs from 'node:fs';
import path from 'node:path';
import { replaceFile } from '../durable-files';
import { userHome } from '../home-dir';
import { desktopEntry, desktopEntryCommand } from './desktop-entry';
import { launcherBytes, launcherCommand, launcherScript } from './windows-launcher';

/** The per-user logon start of the sidecar: where its file goes, what it holds, and what an existing one starts. */

/** What a logon start runs: this node, this build's cli.js, `serve` and its options. */
export interface StartCommand {
  node: string;
  cli: string;
  serveArgs: readonly string[];
}

export function startArgv(command: StartCommand): string[] {
  return [command.node, command.cli, 'serve', ...command.serveArgs];
}

/**
 * The autostart file of the account: the Startup folder's `prealert.vbs` on Windows, the XDG autostart folder's
 * `prealert.desktop` elsewhere (UOS, Kylin and every XDG desktop read it). Throws one line naming the variable when
 * the folder cannot be found. `startupDir` (Windows only) is a Startup folder Group Policy redirected elsewhere, which
 * APPDATA does not lead to; found without a registry read, so it is given.
 */
export function autostartFile(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  startupDir?: string,
): string {
  if (startupDir !== undefined) {
    if (platform !== 'win32')
      throw new Error(
        '--startup-dir is for a Windows Startup folder redirected by Group Policy; on Linux the entry goes to $XDG_CONFIG_HOME/autostart (or ~/.config/autostart)',
      );
    if (!path.win32.isAbsolute(startupDir) || /^[\\/](?![\\/])/.test(startupDir))
      throw new Error(
        `--startup-dir must be an absolute folder such as \\\\server\\profiles\\<account>\\Startup or D:\\Startup, not ${JSON.stringify(startupDir)}`,
      );
    return path.win32.join(startupDir, 'prealert.vbs');
  }
  if (platform === 'win32') {
    const appData = env.APPDATA;
    if (!appData || !path.win32.isAbsolute(appData))
      throw new Error(
        `cannot find the Startup folder: APPDATA ${appData === undefined ? 'is not set' : appData === '' ? 'is empty' : `is not absolute (${appData})`}; run this as the doctor's own account, in its logon session`,
      );
    return path.win32.join(appData, 'Microsoft', 'Windows', 'Start Menu', 'Programs', 'Startup', 'prealert.vbs');
  }
  if (platform === 'darwin')
    throw new Error(
      'autostart is for Linux desktops (XDG) and Windows; on macOS add a LaunchAgent running prealert serve',
    );
  const configHome = env.XDG_CONFIG_HOME;
  // XDG says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  if (configHome && path.posix.isAbsolute(configHome))
    return path.posix.join(configHome, 'autostart', 'prealert.desktop');
  let home: string;
  try {
    home = userHome(platform, env);
  } catch (error) {
    throw new Error(`cannot find the autostart folder: XDG_CONFIG_HOME is not set and ${(error as Error).message}`);
  }
  return path.posix.join(home, '.config', 'autostart', 'prealert.desktop');
}

/** The file's bytes for a platform: a .desktop file (UTF-8) or a Windows launcher (UTF-16LE). */
export function autostartBytes(platform: NodeJS.Platform, command: StartCommand): Buffer {
  const argv = startArgv(command);
  return platform === 'win32' ? launcherBytes(launcherScript(argv)) : Buffer.from(desktopEntry(argv), 'utf8');
}

/** The command line an autostart file starts, or undefined when it holds none prealert can read. */
export function autostartCommand(platform: NodeJS.Platform, bytes: Buffer): string[] | undefined {
  try {
    return platform === 'win32' ? launcherCommand(bytes) : desktopEntryCommand(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Writes the file whole (temp file + rename): a logon during the write finds the old file or the new, never half. */
export function writeAutostartFile(file: string, bytes: Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Readable by the account's session only: it names the data dir and config file.
  replaceFile(file, bytes, 0o600);
}

export type AutostartState =
  | { state: 'absent'; file: string }
  | { state: 'unreadable'; file: string; reason: string }
  | { state: 'current'; file: string; argv: string[] }
  | { state: 'stale'; file: string; argv: string[]; missing: string[] };

/** Whether the file exists and starts this build's node and cli.js. */
export function autostartState(platform: NodeJS.Platform, file: string, expected: StartCommand): AutostartState {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { state: 'absent', file };
    return { state: 'unreadable', file, reason: `cannot read it: ${code ?? (error as Error).message}` };
  }
  const argv = autostartCommand(platform, bytes);
  if (!argv || argv.length < 3 || argv[2] !== 'serve')
    return { state: 'unreadable', file, reason: 'it holds no prealert serve command' };
  // Windows paths name the same file in any case.
  const same = (a: string | undefined, b: string) =>
    platform === 'win32' ? a?.toLowerCase() === b.toLowerCase() : a === b;
  if (same(argv[0], expected.node) && same(argv[1], expected.cli)) return { state: 'current', file, argv };
  const missing = argv.slice(0, 2).filter((p) => !fs.existsSync(p));
  return { state: 'stale', file, argv, missing };
}

/** Removes the file; false when there was none. */
export function removeAutostartFile(file: string): boolean {
  try {
    fs.unlinkSync(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new Error(`cannot remove ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
