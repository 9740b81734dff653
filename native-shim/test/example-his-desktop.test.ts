// examples/his-desktop-c, built for Linux, run as a doctor would meet it: against the real sidecar,
// and with no sidecar at all (the prescription must still be saved).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildShim } from './support/build-once';
import { LINUX_DIR, REPO_DIR, SHIM_DIR } from './support/paths';
import { closedPort, type RunningSidecar, startSidecar } from './support/sidecar-process';

const EXAMPLE = path.join(LINUX_DIR, 'his_desktop');

function runExample(
  args: string[],
  program = EXAMPLE,
  cwd?: string,
): Promise<{ stdout: string; status: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', (status) => resolve({ stdout, status }));
  });
}

let sidecar: RunningSidecar;

beforeAll(async () => {
  buildShim();
  sidecar = await startSidecar();
});

afterAll(async () => {
  await sidecar?.stop();
});

describe('examples/his-desktop-c', () => {
  it('3101 shows the reminders, the doctor continues, 3103 is accepted', async () => {
    const { stdout, status } = await runExample(['--data-dir', sidecar.dataDir, '--decision', 'continue']);
    expect(status).toBe(0);
    expect(stdout).toMatch(/^shim: prealert-shim \S+ proto=1 linux-/m);
    expect(stdout).toContain('3101 rc=0 infcode=0');
    expect(stdout).toContain('GZ10000301004000 药品区分性别使用');
    expect(stdout).toContain('【阿帕他胺片】限男性使用，患者性别为女。');
    expect(stdout).toMatch(/3101 warnings=[1-9]/);
    expect(stdout).toContain('doctor decides: continue (dspo_way 1)');
    expect(stdout).toContain('3103 rc=0 infcode=0');
    expect(stdout).toContain('prescription saved');
  });

  it('the doctor goes back to revise: 3103 with dspo_way 2', async () => {
    const { stdout } = await runExample(['--data-dir', sidecar.dataDir, '--decision', 'revise']);
    expect(stdout).toContain('doctor decides: go back and revise (dspo_way 2)');
    expect(stdout).toContain('3103 rc=0 infcode=0');
    expect(stdout).toContain('back to the prescription');
  });

  it('no sidecar: the station proceeds at once, saying why', async () => {
    const started = performance.now();
    const { stdout, status } = await runExample(['--port', String(await closedPort())]);
    expect(status).toBe(0);
    expect(stdout).toContain('3101 rc=1 infcode=0');
    expect(stdout).toContain('prealert unavailable (sidecar_unreachable): proceeding without reminders');
    expect(stdout).toContain('prescription saved');
    expect(performance.now() - started).toBeLessThan(1000); // process start included
  });

  it('`make && ./his_desktop` in the example folder (its README and Makefile) finds the shim beside the program', async () => {
    // A copy of the folder at the same depth under a path with a space and Chinese, native-shim/ linked beside it,
    // so the Makefile's ../../native-shim is the real one and nothing is written into the repository.
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert 示例 '));
    try {
      const folder = path.join(root, 'examples', 'his-desktop-c');
      fs.mkdirSync(folder, { recursive: true });
      const source = path.join(REPO_DIR, 'examples', 'his-desktop-c');
      for (const file of fs.readdirSync(source).filter((f) => f === 'Makefile' || /\.[ch]$/.test(f)))
        fs.copyFileSync(path.join(source, file), path.join(folder, file));
      fs.symlinkSync(SHIM_DIR, path.join(root, 'native-shim'));

      const make = spawnSync('make', [], { cwd: folder, encoding: 'utf8' });
      expect(make.status, `${make.stdout}${make.stderr}`).toBe(0);
      const { stdout, status } = await runExample(
        ['--data-dir', sidecar.dataDir, '--decision', 'continue'],
        './his_desktop',
        folder,
      );
      expect(status).toBe(0);
      expect(stdout).toContain('3101 rc=0 infcode=0');
      expect(stdout).toContain('GZ10000301004000 药品区分性别使用');
      expect(stdout).toContain('3103 rc=0 infcode=0');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);
});
