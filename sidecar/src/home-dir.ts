import os from 'node:os';
import path from 'node:path';

/** No absolute home directory could be found for the account: the default data dir and `~` have nothing to stand on. */
export class NoHomeError extends Error {
  override name = 'NoHomeError';
}

/**
 * The home directory of the account prealert runs as, always absolute. HOME when it is an absolute path; otherwise
 * (unset, empty, relative: `env HOME=` in a wrapper script, a service manager or su without a login) the password
 * database's, as the native shim does (getpwuid_r), so both look in the same folder. os.homedir() alone took an
 * empty HOME as the home: the data dir became `.local/share/prealert` under whatever folder the sidecar was started
 * from, a new store (and a new install.secret) at every other start. Throws NoHomeError when neither is absolute.
 */
export function userHome(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  const paths = platform === 'win32' ? path.win32 : path.posix;
  // Windows keeps the profile in USERPROFILE, which os.homedir() reads first; HOME there is a Unix tool's habit.
  const fromEnv = platform === 'win32' ? env.USERPROFILE : env.HOME;
  if (fromEnv && paths.isAbsolute(fromEnv)) return fromEnv;
  let fromAccount: string | undefined;
  try {
    fromAccount = platform === 'win32' ? os.homedir() : os.userInfo().homedir;
  } catch {
    // No entry in the password database (a uid a container or a service manager made up).
    fromAccount = undefined;
  }
  if (fromAccount && paths.isAbsolute(fromAccount)) return fromAccount;
  const variable = platform === 'win32' ? 'USERPROFILE' : 'HOME';
  const said = fromEnv === undefined ? 'is not set' : fromEnv === '' ? 'is empty' : `is not absolute (${fromEnv})`;
  const account =
    platform === 'win32'
      ? 'the account has no profile folder'
      : `the account (uid ${process.getuid?.() ?? '?'}) has ${fromAccount ? `a relative home (${fromAccount})` : 'no home'} in the password database`;
  throw new NoHomeError(`no home directory: ${variable} ${said} and ${account}`);
}
