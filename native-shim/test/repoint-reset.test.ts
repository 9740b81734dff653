// A HIS on Linux keeps libprealert.so loaded through a symbolic link (/usr/lib/libprealert.so -> the vendor's version
// folder, prealert.ini only beside the file) while an upgrade re-points the link at a new version's folder and removes
// the old one; IT then has the running HIS call prealert_set_option("reset", "all") (README "reset"), which must read
// the ini in the new folder, not look in the removed one (ini=absent until the HIS restarts). A host program compiled
// here with the system C compiler, the real .so, the real sidecar and a real national code.
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

beforeAll(async () => {
  buildShim();
  sidecar = await startSidecar();
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-repoint-reset-'));
  host = path.join(root, 'repoint_then_reset');
  await compileHost('repoint_then_reset', host);
  // A home that holds no sidecar's folder: only the ini's data_dir leads the shim to the sidecar.
  fs.mkdirSync(path.join(root, 'home'));
});

afterAll(async () => {
  await sidecar?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

/** A version folder `<root>/opt/prealert-<version>/` with the library and an ini naming the sidecar and `log`. */
function installVersion(version: string, log: string): string {
  const folder = path.join(root, 'opt', `prealert-${version}`);
  fs.mkdirSync(folder, { recursive: true });
  fs.copyFileSync(LINUX_LIBRARY, path.join(folder, 'libprealert.so'));
  fs.writeFileSync(path.join(folder, 'prealert.ini'), `[prealert]\ndata_dir = ${sidecar.dataDir}\nlog = ${log}\n`);
  return folder;
}

describe('prealert.ini beside the target of a link re-pointed while the HIS runs', () => {
  it('is read from the new target after reset, the old folder removed', async () => {
    const apalutamide = maleOnlyDrugs().find((d) => d.code === 'XL02BBA326A001010102180');
    expect(apalutamide?.name).toBe('阿帕他胺片');
    const oldLog = path.join(root, 'old.log');
    const newLog = path.join(root, 'new.log');
    const oldFolder = installVersion('1.0', oldLog);
    const newFolder = installVersion('1.1', newLog);
    const links = path.join(root, 'usr', 'lib');
    fs.mkdirSync(links, { recursive: true });
    const link = path.join(links, 'libprealert.so');
    fs.symlinkSync(path.join(oldFolder, 'libprealert.so'), link);

    const { stdout } = await run(
      host,
      [link, path.join(newFolder, 'libprealert.so'), oldFolder, '3101', JSON.stringify(request3101([apalutamide!]))],
      { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: path.join(root, 'home') } },
    );
    const [before, after] = stdout.split(/^RESET rc=0$/m);
    expect(after, stdout).toBeDefined();
    // The first call read the old version's ini, so the sidecar answered.
    expect(before).toContain('CALL rc=0 ');
    expect(before).toContain(SEX_RULE);
    expect(fs.existsSync(oldFolder)).toBe(false);
    // After reset: the new version's ini, beside where the link points now, names the sidecar and the log.
    expect(after).toContain('CALL rc=0 ');
    expect(after).toContain(SEX_RULE);
    expect(fs.existsSync(newLog), 'the new ini names this log').toBe(true);
    const config = fs
      .readFileSync(newLog, 'utf8')
      .split('\n')
      .find((line) => line.includes(' config build='));
    expect(config).toMatch(/ ini=read ini_from=link_target problems=/);
  }, 60_000);
});
