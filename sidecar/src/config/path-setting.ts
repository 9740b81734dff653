import path from 'node:path';
import { readByHomeNow } from '../earlier-data-dir';
import { userHome } from '../home-dir';
import { ConfigError } from './config-error';

/**
 * A path setting as an absolute path: relative ones against `base` (the config file's folder, or the current one
 * for the environment and the command line). A leading `~/` (or `~` alone) is the home of the account prealert runs
 * as, as a shell would have made it: IT writes it by habit in the config file, a unit file or a .desktop Exec= line
 * where no shell expands it, and it was taken as a folder named `~` beside the config file, where nobody looks for
 * the records and the shim finds no port file. `~name` (another account's home) is refused in one line naming the
 * setting: which account prealert runs as is not what the writer had in mind.
 */
export function pathSetting(value: string, base: string, name: string, env: NodeJS.ProcessEnv): string {
  if (readByHomeNow(value)) {
    let home: string;
    try {
      home = userHome(process.platform, env);
    } catch (error) {
      throw new ConfigError(
        `${name}: ${JSON.stringify(value)} starts with ~, but ${(error as Error).message}: give an absolute path`,
      );
    }
    return path.resolve(home, value.slice(2));
  }
  if (value.startsWith('~'))
    throw new ConfigError(
      `${name}: ${JSON.stringify(value)} starts with ~ and a name: another account's home is not looked up; give an absolute path (or ./${value} for a folder of that name)`,
    );
  return path.resolve(base, value);
}
