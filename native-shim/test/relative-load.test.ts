// A HIS on Linux that loads libprealert.so by a relative path (`dlopen("./libprealert.so")`, `lib/libprealert.so`) and
// then changes directory before its first call: glibc's dladdr gives back the name as it was passed to dlopen, so the
// shim used to look for prealert.ini against the new working directory, silently. A host program compiled here with
// the system C compiler, the real .so, the real sidecar and a real national code.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildShim } from './support/build-once';
import { compileHost } from './support/c-host';
import { maleOnlyDrugs, request3101 } from './support/national-requests';
import { LINUX_LIBRARY } from './support/paths';
import { type RunningSidecar, startSidecar } from './support/sidecar-process';

const SEX_RULE = 'GZ10000301004000'; // 药品区分性别使用
const run = promisify(execFile);

let sidecar: RunningSidecar;
let root: string;
let host: string;
let home: string;
/** Where the HIS moves to after loading the shim. */
let elsewhere: string;

beforeAll(async () => {
  buildShim();
  sidecar = await startSidecar();
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-relative-load-'));
  host = path.join(root, 'chdir_after_load');
  await compileHost('chdir_after_load', host);
  // A home that holds no sidecar's folder: only the ini's data_dir leads the shim to the sidecar.
  home = path.join(root, 'home');
  elsewhere = path.join(root, 'reports');
  fs.mkdirSync(home);
  fs.mkdirSync(elsewhere);
});

afterAll(async () => {
  await sidecar?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

/** A fresh install folder `<root>/<name>/` with the library in `lib/` (and an ini beside it when `ini`). */
function install(name: string, ini: boolean): string {
  const dir = path.join(root, name);
  fs.mkdirSync(path.join(dir, 'lib'), { recursive: true });
  fs.copyFileSync(LINUX_LIBRARY, path.join(dir, 'lib', 'libprealert.so'));
  if (ini) fs.writeFileSync(path.join(dir, 'lib', 'prealert.ini'), `[prealert]\ndata_dir = ${sidecar.dataDir}\n`);
  return dir;
}

/** One 3101 from a HIS started in `cwd` that loads `library` as given, then moves to `moveTo` (`elsewhere`). */
async function call3101(
  cwd: string,
  library: string,
  log: string,
  moveTo: string = elsewhere,
): Promise<{ stdout: string; config: string }> {
  const apalutamide = maleOnlyDrugs().find((d) => d.code === 'XL02BBA326A001010102180');
  expect(apalutamide?.name).toBe('阿帕他胺片');
  const { stdout } = await run(host, [library, moveTo, '3101', JSON.stringify(request3101([apalutamide!]))], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: home, PREALERT_SHIM_LOG: log },
  });
  const config =
    fs
      .readFileSync(log, 'utf8')
      .split('\n')
      .find((line) => line.includes(' config build=')) ?? '';
  return { stdout, config };
}

describe('prealert.ini of a library loaded by a relative path, the HIS having changed directory since', () => {
  it('is read beside the library loaded as ./libprealert.so', async () => {
    const dir = install('dot', true);
    const { stdout, config } = await call3101(path.join(dir, 'lib'), './libprealert.so', path.join(root, 'dot.log'));
    expect(stdout).toContain('CALL rc=0 ');
    expect(stdout).toContain(SEX_RULE);
    expect(config).toMatch(/ ini=read problems=/);
  }, 60_000);

  it('is read beside the library loaded as lib/libprealert.so, not from the folder the HIS moved to', async () => {
    const dir = install('subfolder', true);
    // An ini where the relative name now leads: a port nothing listens on, so reading it fails the call open.
    fs.mkdirSync(path.join(elsewhere, 'lib'), { recursive: true });
    fs.writeFileSync(path.join(elsewhere, 'lib', 'prealert.ini'), 'port = 1\n');
    try {
      const { stdout, config } = await call3101(dir, 'lib/libprealert.so', path.join(root, 'subfolder.log'));
      expect(stdout).toContain('CALL rc=0 ');
      expect(stdout).toContain(SEX_RULE);
      expect(config).toMatch(/ ini=read problems=/);
    } finally {
      fs.rmSync(path.join(elsewhere, 'lib'), { recursive: true });
    }
  }, 60_000);

  it('is read beside the file a relative link points to, loaded through that link by a relative path', async () => {
    const dir = install('target', true);
    // usr/lib/libprealert.so -> ../../target/lib/libprealert.so, with no ini beside the link.
    const links = path.join(root, 'usr', 'lib');
    fs.mkdirSync(links, { recursive: true });
    fs.symlinkSync(path.relative(links, path.join(dir, 'lib', 'libprealert.so')), path.join(links, 'libprealert.so'));
    const { stdout, config } = await call3101(root, 'usr/lib/libprealert.so', path.join(root, 'target.log'));
    expect(stdout).toContain('CALL rc=0 ');
    expect(stdout).toContain(SEX_RULE);
    expect(config).toMatch(/ ini=read ini_from=link_target problems=/);
  }, 60_000);

  it('a working directory too long to join to the name: the name as given still leads to the ini beside the target', async () => {
    const dir = install('short-target', true);
    // A working directory of 1000 bytes (getcwd fits it in the shim's 1024) and a relative link whose name does not
    // fit after it: the shim keeps the name as given, which is right while the HIS stays in this directory.
    let deep = path.join(root, 'deep');
    while (1000 - deep.length > 202) deep = path.join(deep, 'd'.repeat(200));
    deep = path.join(deep, 'e'.repeat(1000 - deep.length - 1));
    expect(deep.length).toBe(1000);
    const links = path.join(deep, 'a-library-folder-named-at-some-length');
    fs.mkdirSync(links, { recursive: true });
    fs.symlinkSync(path.join(dir, 'lib', 'libprealert.so'), path.join(links, 'libprealert.so'));
    const name = `${path.basename(links)}/libprealert.so`;
    expect(deep.length + 1 + name.length).toBeGreaterThan(1023);
    const { stdout, config } = await call3101(deep, name, path.join(root, 'long.log'), deep);
    expect(stdout).toContain('CALL rc=0 ');
    expect(stdout).toContain(SEX_RULE);
    expect(config).toMatch(/ ini=read ini_from=link_target problems=/);
  }, 60_000);

  it('an ini beside the link still comes first', async () => {
    const dir = install('both', true);
    const links = path.join(root, 'both-links');
    fs.mkdirSync(links);
    fs.symlinkSync(path.join(dir, 'lib', 'libprealert.so'), path.join(links, 'libprealert.so'));
    fs.writeFileSync(path.join(links, 'prealert.ini'), 'port = 1\n');
    const { stdout, config } = await call3101(links, './libprealert.so', path.join(root, 'both.log'));
    expect(stdout).toContain('CALL rc=1 reason=sidecar_unreachable code=111');
    expect(config).toMatch(/ ini=read problems=/);
  }, 60_000);
});
