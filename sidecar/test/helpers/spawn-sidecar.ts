import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI, as `pnpm start` runs it. Integration tests need `pnpm build` first (`pnpm test` does it). */
export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface RunningSidecar {
  child: ChildProcess;
  port: number;
  url: string;
  dataDir: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Sidecars this test file started and that still run. A test that times out while spawnSidecar waits for the port
 * file never gets the sidecar to stop, and the process outlived its test file (one ran 25 minutes). vitest.setup.ts
 * kills what is left after each file.
 */
const started = new Set<ChildProcess>();

export function killStartedSidecars(): void {
  for (const child of started) child.kill('SIGKILL');
  started.clear();
}

export function assertBuilt(): void {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`pnpm build\` first`);
}

/**
 * Starts `node sidecar/dist/cli.js serve` on an ephemeral loopback port and waits for its port file. `cli`: another
 * build's cli.js (an install put together differently) instead.
 */
export async function spawnSidecar(
  dataDir: string,
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
  cli: string = CLI,
): Promise<RunningSidecar> {
  assertBuilt();
  const portFile = path.join(dataDir, 'port');
  fs.rmSync(portFile, { force: true });
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--data-dir', dataDir, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PREALERT_LOG_LEVEL: 'info', ...env },
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  started.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      started.delete(child);
      resolve(code);
    }),
  );
  const deadline = Date.now() + 30_000;
  let port = 0;
  while (port === 0) {
    if (child.exitCode !== null) throw new Error(`sidecar exited with ${child.exitCode}: ${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`sidecar wrote no port file within 30 s: ${output}`);
    }
    try {
      port = Number(fs.readFileSync(portFile, 'utf8').split('\n')[0]) || 0;
    } catch {
      // not yet
    }
    if (port === 0) await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    dataDir,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

export interface NationalAnswer {
  infcode: number;
  err_msg: string;
  output: { result?: { jr_id: string; rule_id: string; sev_deg: string; vola_amt: number; [key: string]: unknown }[] };
}

/** A national call's answer body, with the response headers (where the sidecar says what it recorded). */
export interface PostedAnswer<T> {
  body: T;
  headers: Headers;
}

/** POSTs a national envelope (a string as is, anything else as JSON); anything but HTTP 200 throws. */
export async function postWithHeaders<T = NationalAnswer>(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<PostedAnswer<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
  return { body: (await response.json()) as T, headers: response.headers };
}

export async function post<T = NationalAnswer>(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  return (await postWithHeaders<T>(url, body, headers)).body;
}

/** Re-exported for tests outside this package, which do not depend on iconv-lite themselves. */
export { default as iconv } from 'iconv-lite';
