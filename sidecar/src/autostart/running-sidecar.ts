import path from 'node:path';
import { readPortFile } from '../port-file';
import { serveConfig } from '../serve-config';
import { readServeArgs } from './serve-options';

/**
 * Whether the sidecar a logon entry starts is up: a file that is present says nothing about a sidecar that crashed,
 * was stopped, has not started since install (no logon yet), or is an older build still running after an upgrade.
 * Asked over plain HTTP on loopback (`GET /v1/status`), the same on Windows and Linux, with no shell-out.
 */

/**
 * Long enough for what is not a stuck sidecar: Windows retries a connect to a closed local port for about 2 s before
 * it reports the refusal (a sidecar that never started would read as a stuck one within 1 s), and /v1/status first
 * waits for pending record writes on a loaded workstation. Short enough that a script's `status` does not hang.
 */
export const PROBE_TIMEOUT_MS = 5000;

/** Where the entry's sidecar listens and keeps its data, as `serve` resolves its options (config file, environment). */
export interface ProbeTarget {
  host: string;
  /** undefined: `--port 0` (any free port) and no port file in the data dir. */
  port: number | undefined;
  dataDir: string;
}

export type SidecarProbe =
  | { state: 'running'; address: string; build: string; dataDir: string; library: string | null }
  | { state: 'no-port-file'; portFile: string }
  | { state: 'nothing'; address: string }
  | { state: 'silent'; address: string }
  | { state: 'foreign'; address: string; what: string }
  | { state: 'other-build'; address: string; build: string; dataDir: string }
  | { state: 'other-data-dir'; address: string; build: string; dataDir: string; expected: string }
  | { state: 'unresolved'; reason: string };

/** The fields of /v1/status the probe reads; anything without them is not a prealert sidecar. */
interface StatusAnswer {
  software: { build: string };
  where: { data_dir: string };
  library: { version?: unknown } | null;
}

function isStatusAnswer(body: unknown): body is StatusAnswer {
  const b = body as Partial<Record<'software' | 'where' | 'library', unknown>> | null;
  if (typeof b !== 'object' || b === null) return false;
  const software = b.software as { build?: unknown } | undefined;
  const where = b.where as { data_dir?: unknown } | undefined;
  return typeof software?.build === 'string' && typeof where?.data_dir === 'string';
}

/** The host and port the entry's `serve` arguments would take, or why they cannot be told (one line, no stack). */
export function probeTarget(serveArgs: readonly string[], env: NodeJS.ProcessEnv): ProbeTarget | string {
  let config: ReturnType<typeof serveConfig>;
  try {
    config = serveConfig(readServeArgs(serveArgs).options, env);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  // A sidecar bound to every address answers on loopback too; the probe never leaves this machine.
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host === '::' ? '::1' : config.host;
  const port = config.port !== 0 ? config.port : readPortFile(config.dataDir)?.port;
  return { host, port, dataDir: config.dataDir };
}

function sameFolder(a: string, b: string, platform: NodeJS.Platform): boolean {
  const p = platform === 'win32' ? path.win32 : path.posix;
  const [x, y] = [p.resolve(a), p.resolve(b)];
  return platform === 'win32' ? x.toLowerCase() === y.toLowerCase() : x === y;
}

/** `GET /v1/status` of whatever listens where the entry's sidecar would, within PROBE_TIMEOUT_MS. */
export async function probeSidecar(
  serveArgs: readonly string[],
  build: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): Promise<SidecarProbe> {
  const target = probeTarget(serveArgs, env);
  if (typeof target === 'string') return { state: 'unresolved', reason: target };
  if (target.port === undefined) return { state: 'no-port-file', portFile: path.join(target.dataDir, 'port') };
  const address = `${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
  let response: Response;
  try {
    response = await fetch(`http://${address}/v1/status`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  } catch (error) {
    const name = (error as Error | null)?.name;
    return name === 'TimeoutError' || name === 'AbortError'
      ? { state: 'silent', address }
      : { state: 'nothing', address };
  }
  let body: unknown;
  try {
    body = response.ok ? await response.json() : undefined;
  } catch {
    body = undefined;
  }
  if (!isStatusAnswer(body)) {
    const what = response.ok ? 'its /v1/status names no prealert build' : `HTTP ${response.status} to /v1/status`;
    return { state: 'foreign', address, what };
  }
  const running = { address, build: body.software.build, dataDir: body.where.data_dir };
  if (running.build !== build) return { state: 'other-build', ...running };
  if (!sameFolder(running.dataDir, target.dataDir, platform))
    return { state: 'other-data-dir', ...running, expected: target.dataDir };
  const version = body.library?.version;
  return { state: 'running', ...running, library: typeof version === 'string' ? version : null };
}

/** The line `autostart status` prints for the probe. */
export function probeLine(probe: SidecarProbe, build: string): string {
  const restart = 'restart it: log off and on, or stop it and run the entry';
  switch (probe.state) {
    case 'running':
      return `running: prealert ${probe.build} answers on ${probe.address}, data dir ${probe.dataDir}, library ${probe.library ?? 'none loaded'}`;
    case 'no-port-file':
      return `not running: ${probe.portFile} does not exist (the entry listens on any free port and writes it there when it runs): it crashed, was stopped or has not started since install (no logon yet); log off and on, or run the entry`;
    case 'nothing':
      return `not running: nothing answers on ${probe.address}: it crashed, was stopped or has not started since install (no logon yet); log off and on, or run the entry`;
    case 'silent':
      return `not answering: something on ${probe.address} took longer than ${PROBE_TIMEOUT_MS / 1000} s to answer /v1/status: a stuck sidecar or another program; ${restart}`;
    case 'foreign':
      return `not prealert: something answers on ${probe.address} that is not prealert (${probe.what}): the entry's sidecar cannot listen there; stop that program or install with another --port`;
    case 'other-build':
      return `other build running: prealert ${probe.build} answers on ${probe.address}, not this build (${build}): ${restart}`;
    case 'other-data-dir':
      return `other data dir: prealert on ${probe.address} uses ${probe.dataDir}, not ${probe.expected} as the entry would: stop it and run the entry, or install with the --data-dir it should use`;
    case 'unresolved':
      return `not checked: cannot tell where the entry's sidecar listens: ${probe.reason}`;
  }
}
