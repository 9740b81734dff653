/**
 * `pnpm demo` (examples/web-his/start.mjs) as a new user meets it after the README's first command: it prints what
 * examples/web-his/README.md shows, and Ctrl-C in its terminal (SIGINT to the whole foreground process group, the
 * sidecar included) stops both quietly, frees both ports, leaves no process and no port file, and a second
 * `pnpm demo` starts again on the same ports and data dir.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '..');
const startScript = path.join(repoRoot, 'examples', 'web-his', 'start.mjs');
const demoReadme = fs.readFileSync(path.join(repoRoot, 'examples', 'web-his', 'README.md'), 'utf8');
const README_DEMO_PORT = '17380';
const README_SIDECAR_PORT = '17311';

let scratch = '';
const running: ChildProcess[] = [];

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-demo-readme-'));
});

afterEach(() => {
  for (const child of running.splice(0)) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
});

afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

interface RunningDemo {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

/** The README's fenced blocks without a language, found by walking the fences (a closing fence is no opening). */
function plainBlocks(markdown: string): string[] {
  const blocks: string[] = [];
  let open: { lang: string; lines: string[] } | undefined;
  for (const line of markdown.split('\n')) {
    if (open === undefined) {
      if (line.startsWith('```')) open = { lang: line.slice(3).trim(), lines: [] };
    } else if (line.trim() === '```') {
      if (open.lang === '') blocks.push(open.lines.join('\n'));
      open = undefined;
    } else {
      open.lines.push(line);
    }
  }
  return blocks;
}

/** Starts start.mjs in a process group of its own, as a terminal runs a command, and waits for its addresses. */
async function startDemo(env: NodeJS.ProcessEnv): Promise<RunningDemo> {
  const child = spawn(process.execPath, [startScript], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  running.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  await expect.poll(() => stdout, { timeout: 60_000 }).toContain('按 Ctrl-C 停止。');
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

function address(output: string, label: string): URL {
  const match = new RegExp(`${label}：\\s+(http://\\S+)`).exec(output);
  expect(match, label).not.toBeNull();
  return new URL(match![1]!);
}

function portAnswers(port: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Ctrl-C in the terminal: SIGINT to every process of the group, start.mjs and the sidecar alike. */
async function pressCtrlC(demo: RunningDemo): Promise<number | null> {
  process.kill(-demo.child.pid!, 'SIGINT');
  return demo.exited;
}

// A process group and SIGINT to it are how a POSIX terminal's Ctrl-C reaches the demo.
describe.skipIf(process.platform === 'win32')('pnpm demo as the README shows it', () => {
  it('prints what examples/web-his/README.md shows, stops on Ctrl-C and starts again', async () => {
    const dataDir = path.join(scratch, 'demo');
    const env = { PREALERT_DEMO_PORT: '0', PREALERT_PORT: '0', PREALERT_DATA_DIR: dataDir };
    const first = await startDemo(env);
    const demoPort = address(first.stdout(), '医生站演示').port;
    const sidecarPort = address(first.stdout(), '本机 sidecar').port;

    const shown = plainBlocks(demoReadme).find((block) => block.includes('医生站演示'));
    expect(shown, 'the README block with the addresses').toBeDefined();
    const readmeDataDir = /数据目录：\s+(\S+)/.exec(shown!)?.[1] ?? '(no 数据目录 line in the README)';
    const printed = first
      .stdout()
      .split(`http://127.0.0.1:${demoPort}`)
      .join(`http://127.0.0.1:${README_DEMO_PORT}`)
      .split(`http://127.0.0.1:${sidecarPort}`)
      .join(`http://127.0.0.1:${README_SIDECAR_PORT}`)
      .replace(dataDir, readmeDataDir);
    expect(printed.trim()).toBe(shown!.trim());

    expect(await pressCtrlC(first)).toBe(0);
    expect(first.stdout().trimEnd().endsWith('正在停止…')).toBe(true);
    expect(first.stderr()).toBe('');
    expect(await portAnswers(demoPort)).toBe(false);
    expect(await portAnswers(sidecarPort)).toBe(false);
    expect(groupAlive(first.child.pid!)).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'port'))).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'sidecar.holder.json'))).toBe(false);

    const second = await startDemo({
      PREALERT_DEMO_PORT: demoPort,
      PREALERT_PORT: sidecarPort,
      PREALERT_DATA_DIR: dataDir,
    });
    expect(address(second.stdout(), '本机 sidecar').port).toBe(sidecarPort);
    expect(second.stderr()).toBe('');
    expect(await pressCtrlC(second)).toBe(0);
    expect(groupAlive(second.child.pid!)).toBe(false);
  }, 120_000);
});
