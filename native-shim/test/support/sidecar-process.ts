import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SIDECAR_CLI } from './paths';

export interface RunningSidecar {
  port: number;
  /** The sidecar's process, e.g. to freeze it with SIGSTOP (a hung sidecar) and thaw it with SIGCONT. */
  child: ChildProcess;
  dataDir: string;
  /** Everything the sidecar printed, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts the real sidecar (`node sidecar/dist/cli.js serve`) on a free loopback port with its own data
 * directory, and waits until it has written its port file and accepts connections: the same port file
 * the shim reads to find it.
 */
export async function startSidecar(
  env: Record<string, string> = {},
  options: { /** An existing data dir, kept on stop (default: a fresh one, removed on stop). */ dataDir?: string } = {},
): Promise<RunningSidecar> {
  if (!fs.existsSync(SIDECAR_CLI)) {
    throw new Error(`${SIDECAR_CLI} is missing: run \`pnpm build\` at the repository root first`);
  }
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-shim-sidecar-'));
  const child: ChildProcess = spawn(process.execPath, [SIDECAR_CLI, 'serve'], {
    env: { ...process.env, PREALERT_PORT: '0', PREALERT_DATA_DIR: dataDir, PREALERT_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const watched = await watchSidecar(child, path.join(dataDir, 'port'), {
    stopTimeoutMs: 5000,
    afterStop: () => {
      if (!options.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
    failure: 'sidecar did not start',
  });
  return { port: watched.port, child, dataDir, log: watched.output, stop: watched.stop };
}

export interface WatchedSidecar {
  port: number;
  /** Everything the sidecar printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * A sidecar process already spawned (here, under nsenter, as another account): its output gathered, a stop that
 * thaws it first (a frozen sidecar would never act on the SIGTERM) and kills it after `stopTimeoutMs`, and the wait
 * until `portFile` names a port that accepts connections — the port file the shim reads. A sidecar that exits or
 * writes none within a minute is stopped and reported with `failure` and its output.
 */
export async function watchSidecar(
  child: ChildProcess,
  portFile: string,
  options: { stopTimeoutMs: number; afterStop?: () => void; failure: string },
): Promise<WatchedSidecar> {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), options.stopTimeoutMs);
      await exited;
      clearTimeout(timer);
    }
    options.afterStop?.();
  };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && child.exitCode === null) {
    const port = Number(fs.existsSync(portFile) ? fs.readFileSync(portFile, 'utf8').split('\n')[0] : Number.NaN);
    if (Number.isInteger(port) && port > 0 && (await accepts(port))) return { port, output: () => output, stop };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`${options.failure} (exit code ${child.exitCode}):\n${output}`);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A loopback port nothing listens on: bound, noted, and closed again. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
