// A HIS on Linux that loads libprealert.so through a symbolic link (a library folder pointing at the vendor's install
// folder), with prealert.ini installed beside the file itself: the ini must be read, as beside a library loaded by its
// own path. Real sidecar, the real .so loaded by test/c/shim_call in a process of its own, a real national code.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildShim } from './support/build-once';
import { maleOnlyDrugs, request3101 } from './support/national-requests';
import { LINUX_DIR, LINUX_LIBRARY } from './support/paths';
import { type RunningSidecar, startSidecar } from './support/sidecar-process';

const SHIM_CALL = path.join(LINUX_DIR, 'shim_call');
const SEX_RULE = 'GZ10000301004000'; // 药品区分性别使用
const run = promisify(execFile);

let sidecar: RunningSidecar;
let root: string;
let install: string;
let libraryFolder: string;
let link: string;

beforeAll(async () => {
  buildShim();
  sidecar = await startSidecar();
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-ini-link-'));
  install = path.join(root, 'opt', 'his', 'lib');
  libraryFolder = path.join(root, 'usr', 'lib');
  fs.mkdirSync(install, { recursive: true });
  fs.mkdirSync(libraryFolder, { recursive: true });
  fs.copyFileSync(LINUX_LIBRARY, path.join(install, 'libprealert.so'));
  fs.writeFileSync(path.join(install, 'prealert.ini'), `[prealert]\ndata_dir = ${sidecar.dataDir}\n`);
  link = path.join(libraryFolder, 'libprealert.so');
  fs.symlinkSync(path.join(install, 'libprealert.so'), link);
});

afterAll(async () => {
  await sidecar?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

/** One 3101 through `library`, with no data dir in the environment and a home that holds no sidecar's folder. */
async function call3101(library: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<string> {
  const apalutamide = maleOnlyDrugs().find((d) => d.code === 'XL02BBA326A001010102180');
  expect(apalutamide?.name).toBe('阿帕他胺片');
  const home = path.join(root, 'home');
  fs.mkdirSync(home, { recursive: true });
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, ...extraEnv };
  const { stdout } = await run(SHIM_CALL, [library, '3101', JSON.stringify(request3101([apalutamide!]))], {
    encoding: 'utf8',
    env,
  });
  return stdout;
}

describe('prealert.ini of a library loaded through a symbolic link', () => {
  it('is read beside the file the link points to when none is beside the link', async () => {
    fs.rmSync(path.join(libraryFolder, 'prealert.ini'), { recursive: true, force: true });
    const log = path.join(root, 'target.log');
    const stdout = await call3101(link, { PREALERT_SHIM_LOG: log });
    expect(stdout).toContain('CALL rc=0 ');
    expect(stdout).toContain(SEX_RULE);
    // IT reading the log can tell which ini is in force.
    expect(fs.readFileSync(log, 'utf8')).toMatch(
      /config build=\S+ platform=\S+ ini=read ini_from=link_target problems=/,
    );
  }, 60_000);

  it('one beside the link still comes first', async () => {
    // A port nothing listens on: if this ini is read, the call is refused and fails open with ECONNREFUSED.
    fs.writeFileSync(path.join(libraryFolder, 'prealert.ini'), 'port = 1\n');
    try {
      const stdout = await call3101(link);
      expect(stdout).toContain('CALL rc=1 reason=sidecar_unreachable code=111');
    } finally {
      fs.rmSync(path.join(libraryFolder, 'prealert.ini'));
    }
  }, 60_000);

  it('one beside the link that cannot be read is reported, not passed over for the one beside the target', async () => {
    // A folder where the file should be: it exists, and reading it fails (EISDIR), as a file IT cannot read would.
    fs.mkdirSync(path.join(libraryFolder, 'prealert.ini'));
    const log = path.join(root, 'unreadable.log');
    try {
      await call3101(link, { PREALERT_SHIM_LOG: log });
      const config = fs
        .readFileSync(log, 'utf8')
        .split('\n')
        .find((line) => line.includes(' config build='));
      expect(config).toContain(' ini=unreadable ');
      expect(config).not.toContain('ini_from=link_target');
    } finally {
      fs.rmSync(path.join(libraryFolder, 'prealert.ini'), { recursive: true });
    }
  }, 60_000);
});
