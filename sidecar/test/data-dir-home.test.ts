// The default data dir is under the home of the account prealert runs as. os.homedir() took an empty HOME (`env
// HOME=` in a wrapper script, some su/sudo setups and service managers) as the home, and the data dir became
// `.local/share/prealert` under whatever folder the sidecar was started from: a new store with a new install.secret
// at every start from another folder. An empty or relative HOME now counts as unset (the passwd home, as the native
// shim takes it), and with no absolute home at all the start is refused in one line. Run as real accounts (setpriv):
// nobody, whose passwd home is /nonexistent, and a uid with no passwd entry.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { defaultDataDir } from '../src/data-dir';
import { userHome } from '../src/home-dir';
import { whyNotAsAccount } from './helpers/other-account';
import { assertBuilt, CLI } from './helpers/spawn-sidecar';

const NOBODY = 65534;
/** A uid no passwd entry names. */
const UNNAMED = 64012;
const cannotSwitch = whyNotAsAccount(NOBODY, [CLI]) ?? whyNotAsAccount(UNNAMED, [CLI]);

/** `prealert <args>` as the account `uid`, started in `cwd`, with exactly `env`; stopped after 20 s. */
function cliAs(uid: number, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  assertBuilt();
  return spawnSync('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', process.execPath, CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
}

/** A folder every account may write in, as a shared start folder would be. */
function startFolder(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-home-'));
  fs.chmodSync(dir, 0o777);
  return dir;
}

describe('the home the default data dir is under', () => {
  const passwdHome = os.userInfo().homedir;

  it('is HOME when HOME is absolute, else the passwd home: never empty or relative', () => {
    expect(userHome('linux', { HOME: '/home/doc' })).toBe('/home/doc');
    for (const home of [undefined, '', 'relative/home', '.']) {
      expect(userHome('linux', home === undefined ? {} : { HOME: home }), JSON.stringify(home)).toBe(passwdHome);
    }
    expect(defaultDataDir('linux', { HOME: '' })).toBe(path.posix.join(passwdHome, '.local', 'share', 'prealert'));
    expect(path.isAbsolute(defaultDataDir('linux', { HOME: '' }))).toBe(true);
    // Not needed, not looked up: an absolute XDG_DATA_HOME or machine scope stands without a home.
    expect(defaultDataDir('linux', { HOME: '', XDG_DATA_HOME: '/data/xdg' })).toBe('/data/xdg/prealert');
    expect(defaultDataDir('linux', { HOME: '', PREALERT_DATA_SCOPE: 'machine' })).toBe('/var/lib/prealert');
  });

  it('PREALERT_DATA_DIR set but empty is the default data dir, not the current folder', () => {
    const xdg = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-xdg-'));
    const config = loadConfig({ env: { PREALERT_DATA_DIR: '', XDG_DATA_HOME: xdg } });
    expect(config.dataDir).toBe(path.join(xdg, 'prealert'));
    fs.rmSync(xdg, { recursive: true, force: true });
  });

  it('HOME empty: serve takes the passwd home, never the folder it was started from', (ctx) => {
    if (cannotSwitch) return ctx.skip(cannotSwitch);
    const cwd = startFolder();
    try {
      const result = cliAs(NOBODY, ['serve'], cwd, { HOME: '', PREALERT_PORT: '0' });
      // nobody's passwd home does not exist and cannot be made: the one-line data dir error names it.
      expect(result.status, `${result.stdout}${result.stderr}`).toBe(1);
      expect(result.stderr).toMatch(
        /^prealert: data directory \/nonexistent\/\.local\/share\/prealert: cannot create it: EACCES/,
      );
      expect(fs.readdirSync(cwd)).toEqual([]);
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  }, 30_000);

  it('no absolute home at all: serve and stats refuse in one line saying what to set', (ctx) => {
    if (cannotSwitch) return ctx.skip(cannotSwitch);
    const cwd = startFolder();
    try {
      for (const [label, env] of [
        ['unset', {}],
        ['empty', { HOME: '' }],
        ['relative', { HOME: 'relative/home' }],
      ] as const) {
        for (const command of [['serve'], ['stats']]) {
          const result = cliAs(UNNAMED, command, cwd, { ...env, PREALERT_PORT: '0' });
          expect(result.status, `${label} ${command}: ${result.stdout}${result.stderr}`).toBe(1);
          expect(result.stderr.trim().split('\n')).toHaveLength(1);
          expect(result.stderr).toMatch(
            new RegExp(
              `^prealert: no home directory: HOME (is not set|is empty|is not absolute \\(relative/home\\)) and the account \\(uid ${UNNAMED}\\) has no home in the password database, so the default data dir cannot be placed .*: give one with --data-dir or PREALERT_DATA_DIR, or set HOME\\n$`,
            ),
          );
        }
      }
      expect(fs.readdirSync(cwd)).toEqual([]);
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  }, 60_000);
});
