/**
 * `pnpm demo` (examples/web-his/start.mjs, spawned as the README runs it) when the sidecar cannot start: IT sees
 * one line that names the folder or the port and what to set, not a Node stack trace, not the sidecar's message
 * twice, and no port hint when the port is not the problem.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '..');
const startScript = path.join(repoRoot, 'examples', 'web-his', 'start.mjs');
const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

/** Root writes anywhere, so as root the "another account" cases run as nobody, when nobody can read the checkout. */
const asOtherAccount = isRoot ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'] : [];
const otherAccountCanRun =
  !isRoot ||
  spawnSync(
    asOtherAccount[0]!,
    [...asOtherAccount.slice(1), process.execPath, '-e', `require('fs').readFileSync(${JSON.stringify(startScript)})`],
    {
      stdio: 'ignore',
    },
  ).status === 0;

let scratch = '';
const running: ChildProcess[] = [];

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert demo 启动 '));
  fs.chmodSync(scratch, 0o755); // nobody must reach the folders made inside it
});

afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGTERM');
});

afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

interface Outcome {
  status: number | null;
  stdout: string;
  stderrLines: string[];
}

/** Runs start.mjs until it exits (or, started, until `until` matches stdout, when it is stopped). */
function runDemo(env: NodeJS.ProcessEnv, options: { prefix?: string[]; until?: RegExp } = {}): Promise<Outcome> {
  const prefix = options.prefix ?? [];
  const command = prefix.length > 0 ? prefix[0]! : process.execPath;
  const args = prefix.length > 0 ? [...prefix.slice(1), process.execPath, startScript] : [startScript];
  const child = spawn(command, args, {
    env: { ...process.env, PREALERT_DEMO_PORT: '0', PREALERT_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (options.until?.test(stdout)) child.kill('SIGTERM');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) =>
      resolve({ status, stdout, stderrLines: stderr.split('\n').filter((line) => line.trim() !== '') }),
    );
  });
}

function expectNoStackTrace(lines: string[]): void {
  for (const line of lines) expect(line).not.toMatch(/^\s+at |node:internal|errno:/);
}

describe('pnpm demo when the sidecar cannot start', () => {
  it('a data dir that cannot be created: one line naming it and PREALERT_DATA_DIR, no port hint', async () => {
    const file = path.join(scratch, '一个文件');
    fs.writeFileSync(file, '');
    const dataDir = path.join(file, 'demo');
    const { status, stdout, stderrLines } = await runDemo({ PREALERT_DATA_DIR: dataDir });
    expect(status).toBe(1);
    expect(stderrLines).toHaveLength(1);
    expect(stderrLines[0]).toContain(dataDir);
    expect(stderrLines[0]).toContain('cannot create it: ENOTDIR');
    expect(stderrLines[0]).toContain('PREALERT_DATA_DIR');
    expect(stderrLines[0]).not.toContain('PREALERT_PORT');
    expectNoStackTrace(stderrLines);
    expect(stdout).not.toContain('医生站演示');
  });

  it.skipIf(!otherAccountCanRun)(
    'a data dir in a folder another account may not write to: one line naming it and PREALERT_DATA_DIR',
    async () => {
      const readOnly = path.join(scratch, '只读 目录');
      fs.mkdirSync(readOnly, { mode: 0o555 });
      fs.chmodSync(readOnly, 0o555);
      const dataDir = path.join(readOnly, 'demo');
      const { status, stderrLines } = await runDemo(
        { HOME: '/nonexistent', PREALERT_DATA_DIR: dataDir },
        { prefix: asOtherAccount },
      );
      expect(status).toBe(1);
      expect(stderrLines).toEqual([expect.stringContaining(`${dataDir}: cannot create it: EACCES`)]);
      expect(stderrLines[0]).toContain('PREALERT_DATA_DIR');
    },
    60_000,
  );

  it.skipIf(!otherAccountCanRun)(
    'an existing data dir that account may not write in (a root-owned install folder): said once, no port hint',
    async () => {
      const dataDir = path.join(scratch, '安装 目录', '.prealert-data', 'demo');
      fs.mkdirSync(dataDir, { recursive: true });
      fs.chmodSync(dataDir, 0o555);
      const { status, stderrLines } = await runDemo(
        { HOME: '/nonexistent', PREALERT_DATA_DIR: dataDir },
        { prefix: asOtherAccount },
      );
      expect(status).toBe(1);
      expect(stderrLines).toEqual([expect.stringContaining(`${dataDir}: cannot write in it: EACCES`)]);
      expect(stderrLines[0]).toContain('PREALERT_DATA_DIR');
      expect(stderrLines[0]).not.toContain('PREALERT_PORT');
    },
    60_000,
  );

  it('the sidecar port is taken: one line naming the port, with the PREALERT_PORT=0 way out', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const { status, stderrLines } = await runDemo({
        PREALERT_PORT: String(port),
        PREALERT_DATA_DIR: path.join(scratch, 'port-taken'),
      });
      expect(status).toBe(1);
      expect(stderrLines).toHaveLength(1);
      expect(stderrLines[0]).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(stderrLines[0]).toContain('PREALERT_PORT');
      expect(stderrLines[0]).toContain('0 for any free port');
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  }, 60_000);

  it('a data dir that does not exist yet is made, and the demo starts', async () => {
    const dataDir = path.join(scratch, '新 数据', 'demo');
    const { stdout, stderrLines } = await runDemo({ PREALERT_DATA_DIR: dataDir }, { until: /按 Ctrl-C 停止/ });
    expect(stdout).toContain('医生站演示');
    expect(stdout).toContain(`数据目录：       ${dataDir}`);
    expect(stderrLines).toEqual([]);
    expect(fs.existsSync(path.join(dataDir, 'prealert.sqlite'))).toBe(true);
  }, 60_000);
});
