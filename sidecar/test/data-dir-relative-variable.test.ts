/**
 * PREALERT_DATA_DIR is set machine-wide, for the sidecar and the HIS's native shim alike. The shim refuses a relative
 * one (its default data dir stays in force, a config_problem line says so); the sidecar read it against its own
 * working folder. The two then used different data dirs: the shim found no port file or token where the sidecar wrote
 * them, and spooled 3103 decisions where the sidecar never replays them. The sidecar now refuses it too, in one line,
 * as it refuses other bad settings. A relative --data-dir (typed on a command line) still means the folder prealert
 * is started from, and `~/…` is still the home. The built CLI, started from a scratch folder.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { isAbsoluteAsTheShimReadsIt } from '../src/data-dir';
import { assertBuilt, CLI } from './helpers/spawn-sidecar';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-relative-dir-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
});

/** The environment without this machine's PREALERT_* settings; HOME a scratch folder. */
function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!key.startsWith('PREALERT_') && key !== 'XDG_DATA_HOME') env[key] = value;
  return { ...env, HOME: path.join(work, 'home'), PREALERT_PORT: '0', PREALERT_LOG_LEVEL: 'warn', ...extra };
}

function scratch(name: string): string {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** `prealert serve` from `cwd` until its port file appears in `dataDir` (then it is stopped after the test). */
async function serveUntilPortFile(cwd: string, args: string[], env: NodeJS.ProcessEnv, dataDir: string) {
  assertBuilt();
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { cwd, env, stdio: 'pipe' });
  children.push(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const portFile = path.join(dataDir, 'port');
  const deadline = Date.now() + 30_000;
  for (;;) {
    const port = fs.existsSync(portFile) ? Number(fs.readFileSync(portFile, 'utf8').split('\n')[0]) : 0;
    if (port > 0) return port;
    if (child.exitCode !== null) throw new Error(`sidecar exited with ${child.exitCode}: ${output}`);
    if (Date.now() > deadline) throw new Error(`no port file in ${dataDir} within 30 s: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function statusDataDir(port: number): Promise<string> {
  const status = (await (await fetch(`http://127.0.0.1:${port}/v1/status`)).json()) as { where: { data_dir: string } };
  return status.where.data_dir;
}

describe('a relative PREALERT_DATA_DIR', () => {
  it.each(['prealert-data', './prealert-data', '../prealert-data'])(
    '%j stops the start in one line naming the variable, its value and the absolute path to set',
    (value) => {
      assertBuilt();
      const cwd = scratch(`relative-${value.replace(/[./]/g, '_')}`);
      const result = spawnSync(process.execPath, [CLI, 'serve'], {
        cwd,
        env: cleanEnv({ PREALERT_DATA_DIR: value }),
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(result.status, `${result.stdout}${result.stderr}`).toBe(1);
      expect(result.stderr).toBe(
        `prealert: PREALERT_DATA_DIR must be an absolute path, not ${JSON.stringify(value)}: the native shim does not read a relative one and would look for the port file and spool 3103 decisions elsewhere; set it to ${path.resolve(cwd, value)} (that folder, from where prealert was started) or another absolute path\n`,
      );
      // Nothing made: no data dir beside or under the folder it was started from.
      expect(fs.readdirSync(cwd)).toEqual([]);
      expect(fs.existsSync(path.resolve(cwd, value))).toBe(false);
    },
    30_000,
  );

  it('stops `prealert stats` the same way', () => {
    assertBuilt();
    const cwd = scratch('relative-stats');
    const result = spawnSync(process.execPath, [CLI, 'stats'], {
      cwd,
      env: cleanEnv({ PREALERT_DATA_DIR: 'prealert-data' }),
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^prealert: PREALERT_DATA_DIR must be an absolute path, not "prealert-data": [^\n]*\n$/,
    );
  }, 30_000);
});

describe('data dir settings that still start the sidecar', () => {
  it('an absolute PREALERT_DATA_DIR is used as it is', async () => {
    const cwd = scratch('absolute-cwd');
    const dataDir = path.join(work, 'absolute-data');
    const port = await serveUntilPortFile(cwd, [], cleanEnv({ PREALERT_DATA_DIR: dataDir }), dataDir);
    expect(await statusDataDir(port)).toBe(dataDir);
    expect(fs.readdirSync(cwd)).toEqual([]);
  }, 40_000);

  it('PREALERT_DATA_DIR=~/… is under the home', async () => {
    const home = scratch('tilde-home');
    const dataDir = path.join(home, 'prealert-data');
    const port = await serveUntilPortFile(
      scratch('tilde-cwd'),
      [],
      cleanEnv({ HOME: home, PREALERT_DATA_DIR: '~/prealert-data' }),
      dataDir,
    );
    expect(await statusDataDir(port)).toBe(dataDir);
  }, 40_000);

  it('a relative --data-dir is the folder prealert is started from, even with a relative PREALERT_DATA_DIR set', async () => {
    const cwd = scratch('flag-cwd');
    const dataDir = path.join(cwd, 'flag-data');
    // The command line wins over the environment, so the variable's value is not read.
    const env = cleanEnv({ PREALERT_DATA_DIR: 'ignored-relative' });
    const port = await serveUntilPortFile(cwd, ['--data-dir', 'flag-data'], env, dataDir);
    expect(await statusDataDir(port)).toBe(dataDir);
    expect(fs.existsSync(path.join(cwd, 'ignored-relative'))).toBe(false);
  }, 40_000);
});

describe('absolute as the native shim reads it', () => {
  it('POSIX: a leading /', () => {
    expect(isAbsoluteAsTheShimReadsIt('/var/lib/prealert', 'linux')).toBe(true);
    for (const value of ['prealert', './prealert', '../prealert', '~/prealert'])
      expect(isAbsoluteAsTheShimReadsIt(value, 'linux'), value).toBe(false);
  });

  it('Windows: a drive and a separator, or \\\\server\\share; not \\foo or C:foo, which hang on the current drive', () => {
    for (const value of ['C:\\ProgramData\\prealert', 'd:/prealert', '\\\\server\\share\\prealert', '//server/share'])
      expect(isAbsoluteAsTheShimReadsIt(value, 'win32'), value).toBe(true);
    for (const value of ['prealert', '.\\prealert', '\\prealert', '/prealert', 'C:prealert'])
      expect(isAbsoluteAsTheShimReadsIt(value, 'win32'), value).toBe(false);
  });
});

describe('a value that looks relative only because of how it was set', () => {
  // Not sent to <cwd>/"/var/lib/prealert" and the like: the line says what is wrong with the value.
  const refusal = (value: string) => {
    try {
      loadConfig({ env: { HOME: path.join(work, 'home'), PREALERT_DATA_DIR: value } });
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error(`${value} was taken`);
  };

  it('names quotes, an unexpanded %VARIABLE% and spaces instead of suggesting a folder under the current one', () => {
    expect(refusal('"/var/lib/prealert"')).toMatch(/; it is in quotes \(a Windows `set NAME="…"` keeps them\)/);
    expect(refusal('%ProgramData%/prealert')).toMatch(/; it holds a %VARIABLE% that was not expanded/);
    expect(refusal(' /var/lib/prealert')).toMatch(/; it has spaces around it/);
    expect(refusal('prealert-data')).toContain(`; set it to ${path.resolve('prealert-data')} (that folder`);
  });
});
