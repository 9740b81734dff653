/**
 * `prealert autostart` on a Linux desktop: the built CLI as a child process with a home of its own writes the XDG
 * autostart file, whose Exec line, read back by the Desktop Entry rules, starts a real sidecar that answers
 * /healthz; status tells current from stale, and running from stopped, and exits 0 / 1 / 3 (autostart-running.test.ts
 * covers what answers in its place); remove takes only its own file.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { desktopEntryCommand, execValue, parseExecValue } from '../src/autostart/desktop-entry';
import { assertBuilt, CLI } from './helpers/spawn-sidecar';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-autostart-'));
const started: ChildProcess[] = [];
afterAll(() => {
  for (const child of started) child.kill('SIGKILL');
  fs.rmSync(work, { recursive: true, force: true });
});

/**
 * The built CLI in `cwd`, with only these home variables (XDG_CONFIG_HOME unset unless given) and no PREALERT_*
 * variable but those given: install writes them into the entry or warns about them.
 */
function prealert(
  args: string[],
  env: { HOME: string; XDG_CONFIG_HOME?: string } & Record<string, string>,
  cwd: string = work,
) {
  assertBuilt();
  const base: NodeJS.ProcessEnv = { ...process.env };
  delete base.XDG_CONFIG_HOME;
  for (const name of Object.keys(base)) if (name.startsWith('PREALERT_')) delete base[name];
  const result = spawnSync(process.execPath, [CLI, 'autostart', ...args], {
    env: { ...base, ...env },
    cwd,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function portFileOf(dataDir: string, child: ChildProcess, output: () => string): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`sidecar exited with ${child.exitCode}: ${output()}`);
    if (Date.now() > deadline) throw new Error(`no port file within 30 s: ${output()}`);
    try {
      const port = Number(fs.readFileSync(path.join(dataDir, 'port'), 'utf8').split('\n')[0]);
      if (port > 0) return port;
    } catch {
      // not yet
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe.skipIf(process.platform === 'win32')('prealert autostart on an XDG desktop', () => {
  it('installs an entry whose Exec line starts this build serving the data dir given, then status, stale, remove', async () => {
    const home = path.join(work, 'home 张医生');
    fs.mkdirSync(home);
    const file = path.join(home, '.config', 'autostart', 'prealert.desktop');
    const env = { HOME: home };

    const before = prealert(['status'], env);
    expect(before.code).toBe(1);
    expect(before.stdout).toBe(`not installed: ${file} does not exist; run prealert autostart install\n`);

    // Relative, as IT types it from the unpacked folder: made absolute against it.
    const installed = prealert(['install', '--data-dir', '数据 目录 100%', '--port', '0'], env);
    expect(installed.stderr).toBe('');
    expect(installed.code).toBe(0);
    expect(installed.stdout).toBe(`installed: ${file} starts prealert serve at the next logon\n`);
    const dataDir = path.join(work, '数据 目录 100%');
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain(`\nExec=${process.execPath} ${CLI} serve --data-dir "${dataDir}%" --port 0\n`);
    const argv = desktopEntryCommand(text);
    expect(argv).toEqual([process.execPath, CLI, 'serve', '--data-dir', dataDir, '--port', '0']);

    // As the desktop starts it: from another folder, with the file's command line alone.
    const [program, ...args] = argv as [string, ...string[]];
    const child = spawn(program, args, {
      cwd: os.tmpdir(),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, HOME: home },
    });
    started.push(child);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    try {
      const port = await portFileOf(dataDir, child, () => output);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      // Synchronous: the sidecar is another process and answers meanwhile.
      const running = prealert(['status'], env);
      expect(running.stdout).toMatch(/^installed and current: .*prealert\.desktop starts serve --data-dir /);
      expect(running.stdout.split('\n')[1]).toMatch(
        new RegExp(`^running: prealert \\S+ answers on 127\\.0\\.0\\.1:${port}, `),
      );
      expect(running.code).toBe(0);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }

    // The entry is still right, but nothing runs it: not 0.
    const current = prealert(['status'], env);
    expect(current.code).toBe(3);
    expect(current.stdout).toMatch(/^installed and current: .*prealert\.desktop starts serve --data-dir /);
    expect(current.stdout.split('\n')[1]).toMatch(/^not running: /);

    // A tree moved or upgraded in another folder leaves an entry naming the old cli.js.
    const moved = '/opt/prealert-old/sidecar/dist/cli.js';
    fs.writeFileSync(file, text.replace(`${CLI} serve`, `${moved} serve`));
    const stale = prealert(['status'], env);
    expect(stale.code).toBe(1);
    // The second line: what answers where the entry's sidecar would listen (nothing: its port file is gone).
    expect(stale.stdout.split('\n').slice(0, 1)).toEqual([
      `stale: ${file} starts ${process.execPath} ${moved}, which no longer exists (${moved}), not this build (${process.execPath} ${CLI}): run prealert autostart install again (it keeps --data-dir ${dataDir} --port 0)`,
    ]);
    expect(stale.stdout.split('\n')[1]).toMatch(/^not running: /);
    expect(prealert(['install', '--data-dir', dataDir], env).code).toBe(0);
    // Current again (3: installed for this build, its sidecar not running).
    expect(prealert(['status'], env).code).toBe(3);

    // Another program's entry beside ours stays.
    const other = path.join(home, '.config', 'autostart', 'other.desktop');
    fs.writeFileSync(other, '[Desktop Entry]\nType=Application\nExec=true\n');
    const removed = prealert(['remove'], env);
    expect(removed).toMatchObject({ code: 0, stdout: `removed: ${file}\n` });
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.existsSync(other)).toBe(true);
    expect(prealert(['remove'], env)).toMatchObject({ code: 0, stdout: `not installed: ${file} does not exist\n` });
    expect(prealert(['status'], env).code).toBe(1);
    // Eleven CLI starts and a sidecar's: the default 30 s is close on a busy machine.
  }, 120_000);

  it('writes into an absolute XDG_CONFIG_HOME, ignores a relative one, and prints instead of writing with --print', () => {
    const home = path.join(work, 'home-xdg');
    const config = path.join(work, 'xdg config');
    fs.mkdirSync(home);
    const printed = prealert(['install', '--print', '--port', '17400', '--host', '127.0.0.1'], {
      HOME: home,
      XDG_CONFIG_HOME: config,
    });
    const file = path.join(config, 'autostart', 'prealert.desktop');
    expect(printed.code).toBe(0);
    expect(printed.stdout.split('\n')[0]).toBe(`# ${file}`);
    expect(printed.stdout).toContain(`\nExec=${process.execPath} ${CLI} serve --port 17400 --host 127.0.0.1\n`);
    expect(fs.existsSync(file)).toBe(false);

    expect(prealert(['install'], { HOME: home, XDG_CONFIG_HOME: 'relative' }).code).toBe(0);
    expect(fs.existsSync(path.join(home, '.config', 'autostart', 'prealert.desktop'))).toBe(true);
    expect(fs.existsSync(path.join(work, 'relative'))).toBe(false);
  });

  it('refuses a bad --port in one line naming the option, writing nothing', () => {
    const home = path.join(work, 'home-bad');
    fs.mkdirSync(home);
    const result = prealert(['install', '--port', '99999'], { HOME: home });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('prealert: --port must be an integer from 0 to 65535 (got "99999")\n');
    expect(fs.existsSync(path.join(home, '.config'))).toBe(false);
  });
});

describe.skipIf(process.platform === 'win32')('prealert autostart install for real roll-outs', () => {
  const entryOf = (home: string) => path.join(home, '.config', 'autostart', 'prealert.desktop');
  const execOf = (home: string) => desktopEntryCommand(fs.readFileSync(entryOf(home), 'utf8'))?.slice(2);
  const newHome = (name: string) => {
    const home = path.join(work, name);
    fs.mkdirSync(home);
    return home;
  };

  it("a bare install over an upgraded tree keeps the entry's serve options, given ones replace them, --no-<option> drops one", () => {
    const home = newHome('home-upgrade');
    const dataDir = path.join(work, '李医生 数据');
    expect(prealert(['install', '--data-dir', dataDir, '--port', '0'], { HOME: home }).code).toBe(0);
    const file = entryOf(home);
    const moved = '/opt/prealert-0.0.9/sidecar/dist/cli.js';
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(`${CLI} serve`, `${moved} serve`));
    expect(prealert(['status'], { HOME: home }).stdout).toContain(
      `run prealert autostart install again (it keeps --data-dir ${dataDir} --port 0)\n`,
    );

    // Exactly what status said to do.
    const again = prealert(['install'], { HOME: home });
    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(again.stdout).toBe(
      `installed: ${file} starts prealert serve at the next logon\nkept from the installed entry: --data-dir ${dataDir} --port 0 (drop one with --no-<option>, e.g. --no-port)\n`,
    );
    expect(desktopEntryCommand(fs.readFileSync(file, 'utf8'))).toEqual([
      process.execPath,
      CLI,
      'serve',
      '--data-dir',
      dataDir,
      '--port',
      '0',
    ]);
    // Current again (3: installed for this build, its sidecar not running).
    expect(prealert(['status'], { HOME: home }).code).toBe(3);

    expect(prealert(['install', '--port', '17420'], { HOME: home }).code).toBe(0);
    expect(execOf(home)).toEqual(['serve', '--data-dir', dataDir, '--port', '17420']);
    expect(prealert(['install', '--no-port'], { HOME: home }).code).toBe(0);
    expect(execOf(home)).toEqual(['serve', '--data-dir', dataDir]);
  });

  it('warns about a fixed port in the install output, not about --port 0', () => {
    const home = newHome('home-port');
    const bare = prealert(['install'], { HOME: home });
    expect(bare.code).toBe(0);
    expect(bare.stderr).toBe(
      'warning: the logon start listens on port 17311 (unless the config file sets "port"); on a terminal server (several doctors on one machine) every doctor\'s sidecar would try it and all but the first would exit unseen: install with --port 0 and give each account its own shimToken (sidecar/README.md, Starting at logon)\n',
    );
    expect(prealert(['install', '--port', '17400'], { HOME: home }).stderr).toMatch(
      /^warning: the logon start listens on the fixed port 17400; on a terminal server /,
    );
    expect(prealert(['install', '--port', '0'], { HOME: home }).stderr).toBe('');
  });

  it('refuses PREALERT_DATA_SCOPE=machine in one line, writing nothing', () => {
    const home = newHome('home-machine');
    const result = prealert(['install', '--port', '0'], { HOME: home, PREALERT_DATA_SCOPE: 'machine' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "prealert: PREALERT_DATA_SCOPE=machine is a sidecar for every account, run as a service, not at one account's logon: install it as a service (a systemd unit, a Windows service), or unset PREALERT_DATA_SCOPE for a per-user start\n",
    );
    expect(fs.existsSync(path.join(home, '.config'))).toBe(false);
  });

  it("checks the installing terminal's PREALERT_DATA_DIR, _CONFIG, _PORT, _HOST and names them, but does not freeze them into serve options", () => {
    const home = newHome('home-env');
    const dataDir = path.join(work, 'env data');
    const env = {
      HOME: home,
      PREALERT_DATA_DIR: dataDir,
      PREALERT_CONFIG: 'site.json',
      PREALERT_PORT: '0',
      PREALERT_HOST: '127.0.0.1',
      PREALERT_SHIM_TOKEN: 'a-token-of-twenty-chars',
    };
    const result = prealert(['install', '--host', '::1'], env);
    expect(result.code).toBe(0);
    // Set for the account or the machine, the logon start and the HIS's shim read them; written as --data-dir, the
    // sidecar would stay put when IT changed the variable and the shim followed it.
    const unwritten = (variable: string, flag: string) =>
      `${variable} is set here and not written into the entry: a logon start reads it where it is set for the account or the machine, as the HIS's native shim does; if it is set only in this terminal, give ${flag} instead`;
    expect(result.stdout.split('\n').slice(1, 4)).toEqual([
      unwritten('PREALERT_DATA_DIR', '--data-dir'),
      unwritten('PREALERT_CONFIG', '--config'),
      unwritten('PREALERT_PORT', '--port'),
    ]);
    expect(result.stdout).not.toContain('PREALERT_HOST');
    expect(result.stderr).toContain(
      'warning: PREALERT_SHIM_TOKEN is set here, a logon start has it only where it is set for the account or the machine, and serve has no option for it: put it in the config file as shimToken (sidecar/README.md, Configuration)\n',
    );
    expect(execOf(home)).toEqual(['serve', '--host', '::1']);
    // Refused as serve would refuse it, naming the variable, and nothing written.
    const other = newHome('home-env-bad');
    const bad = prealert(['install'], { HOME: other, PREALERT_DATA_DIR: 'relative/dir' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^prealert: PREALERT_DATA_DIR must be an absolute path, not "relative\/dir"/);
    expect(fs.existsSync(path.join(other, '.config'))).toBe(false);
  });

  it("warns when the installing terminal's PREALERT_DATA_DIR differs from the --data-dir an installed entry keeps", () => {
    const home = newHome('home-env-kept');
    const old = path.join(work, 'old data');
    const moved = path.join(work, 'new data');
    expect(prealert(['install', '--data-dir', old, '--port', '0'], { HOME: home }).code).toBe(0);
    const result = prealert(['install'], { HOME: home, PREALERT_DATA_DIR: moved });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `warning: PREALERT_DATA_DIR here is ${moved}, but the entry keeps --data-dir ${old}, which wins over it: install again with --no-data-dir to follow the variable, or with --data-dir to choose`,
    );
    expect(execOf(home)).toEqual(['serve', '--data-dir', old, '--port', '0']);
    // The same value: nothing to warn about.
    expect(prealert(['install'], { HOME: home, PREALERT_DATA_DIR: old }).stdout).not.toContain('warning:');
  });

  it('names, one line each, the config key for every PREALERT_* variable the logon start does not carry; writes no secret', () => {
    const home = newHome('home-sync');
    const keyFile = path.join(work, 'bundle.pub');
    const env = {
      HOME: home,
      PREALERT_SYNC_URL: 'https://cdn.example/bundles/?key=bundle-access-0123',
      PREALERT_SYNC_PUBKEY: keyFile,
      PREALERT_SYNC_REGION: '440000',
      PREALERT_ADMIN_TOKEN: 'admin-token-of-twenty-chars',
      PREALERT_WIDGET_DIST: path.join(work, 'widget'),
      PREALERT_SYNC_PUBKEYS: keyFile,
    };
    const result = prealert(['install'], env);
    expect(result.code).toBe(0);
    const start =
      'is set here, a logon start has it only where it is set for the account or the machine, and serve has no option for it';
    const see = '(sidecar/README.md, Configuration)';
    expect(result.stderr.split('\n').filter((line) => line.includes(start))).toEqual([
      `warning: PREALERT_ADMIN_TOKEN ${start}: put it in the config file as adminToken ${see}`,
      `warning: PREALERT_SYNC_PUBKEY ${start}: put it in the config file as sync.pubkey ${see}`,
      `warning: PREALERT_SYNC_PUBKEYS ${start}: prealert reads no variable of that name (misspelt?)`,
      `warning: PREALERT_SYNC_REGION ${start}: put it in the config file as sync.region ${see}`,
      `warning: PREALERT_SYNC_URL ${start}: put it in the config file as sync.url ${see}`,
      `warning: PREALERT_WIDGET_DIST ${start} and the config file no key: the logon start runs without it`,
    ]);
    const entry = fs.readFileSync(path.join(home, '.config', 'autostart', 'prealert.desktop'), 'utf8');
    for (const secret of ['admin-token-of-twenty-chars', 'bundle-access-0123']) {
      expect(entry).not.toContain(secret);
      expect(result.stdout + result.stderr).not.toContain(secret);
    }
  });

  it('refuses --startup-dir on Linux for install, status and remove, naming the option', () => {
    const home = newHome('home-startup');
    for (const command of ['install', 'status', 'remove']) {
      const result = prealert([command, '--startup-dir', '/srv/startup'], { HOME: home });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        'prealert: --startup-dir is for a Windows Startup folder redirected by Group Policy; on Linux the entry goes to $XDG_CONFIG_HOME/autostart (or ~/.config/autostart)\n',
      );
    }
    expect(fs.existsSync(path.join(home, '.config'))).toBe(false);
  });
});

describe('the Exec key, written and read by the Desktop Entry rules', () => {
  it('quotes reserved characters, escapes " ` $ \\ in quotes, doubles % and then every backslash', () => {
    expect(execValue(['/opt/a b/node', '/x/cli.js', 'serve'])).toBe('"/opt/a b/node" /x/cli.js serve');
    // The spec's own example: a literal backslash in a quoted argument is four in the file, a $ is \\$.
    expect(execValue(['/d/a "b" $HOME `x` \\y 100%'])).toBe('"/d/a \\\\"b\\\\" \\\\$HOME \\\\`x\\\\` \\\\\\\\y 100%%"');
    expect(execValue(['/数据/目录'])).toBe('/数据/目录');
    expect(execValue([''])).toBe('""');
  });

  it('reads back what it writes', () => {
    const argv = ['/opt/a b/node', '/d/a "b" $HOME `x` \\y 100% ~ #;&|<>*?()\'', '', '中文 路径', '%'];
    expect(parseExecValue(execValue(argv))).toEqual(argv);
  });

  it('refuses a control character in an argument, naming it', () => {
    expect(() => execValue(['/a\nb'])).toThrow(
      'cannot write "/a\\nb" into a .desktop Exec line: it holds a control character',
    );
  });
});
