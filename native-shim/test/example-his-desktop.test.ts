// examples/his-desktop-c, built for Linux, run as a doctor would meet it: against the real sidecar,
// and with no sidecar at all (the prescription must still be saved).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildShim } from './support/build-once';
import { LINUX_DIR } from './support/paths';
import { closedPort, type RunningSidecar, startSidecar } from './support/sidecar-process';

const EXAMPLE = path.join(LINUX_DIR, 'his_desktop');

function runExample(args: string[]): Promise<{ stdout: string; status: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(EXAMPLE, args, { stdio: ['ignore', 'pipe', 'inherit'] });
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
});
