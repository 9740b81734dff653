import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const WINE64 = '/usr/lib/wine/wine64';
const WINESERVER = '/usr/lib/wine/wineserver';

export interface WineRun {
  stdout: Buffer;
  stderr: string;
  status: number | null;
}

/**
 * Programs whose first output comes before any analysis call into the shim, unbuffered: his_desktop.exe prints the
 * shim's version (a constant string) right after loading the DLL. (wine_smoke.exe and load_per_call.exe buffer theirs
 * and call the shim first: a run of theirs that printed nothing is judged as it is.)
 */
const PRINTS_BEFORE_THE_SHIM = new Set(['his_desktop.exe']);

/** A throw-away wine prefix (about 700 MB, created by the first program run in it). */
export class WinePrefix {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-wine-'));

  /**
   * Runs a Windows program. Wine can exit 0 when the program never ran (wine64 given a 32-bit exe),
   * so callers judge by what the program printed, never by the status alone.
   */
  async run(loader: string, args: string[], timeoutMs = 120_000, env: Record<string, string> = {}): Promise<WineRun> {
    const command = () =>
      runCommand(loader, args, { WINEPREFIX: this.dir, WINEDEBUG: '-all', DISPLAY: '', ...env }, timeoutMs);
    const run = await command();
    const program = path.basename((args[0] ?? loader).replaceAll('\\', '/')).toLowerCase();
    if (run.stdout.length > 0 || !PRINTS_BEFORE_THE_SHIM.has(program)) return run;
    // Such a program that printed nothing at all never got that far: wine did not start
    // it. That happened once in the official CI (980965e), never here; it is said in the log and the program is run
    // once more. A program that dies inside the shim has printed its first lines and is judged by them.
    console.log(
      `wine printed nothing for ${program} (status ${run.status}, stderr ${JSON.stringify(run.stderr.slice(-400))}): running it once more`,
    );
    return command();
  }

  /** Stops this prefix's wineserver and deletes the prefix. */
  dispose(): void {
    if (fs.existsSync(WINESERVER)) {
      spawnSync(WINESERVER, ['-k'], {
        env: { ...process.env, WINEPREFIX: this.dir },
        stdio: 'ignore',
        timeout: 10_000,
      });
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A Linux path as wine's Z: drive sees it. */
export function winePath(linuxPath: string): string {
  return `Z:${path.resolve(linuxPath).replaceAll('/', '\\')}`;
}

/** Runs a command without blocking the event loop (the sidecar's output pipes keep draining). */
export function runCommand(
  command: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<WineRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ stdout: Buffer.concat(out), stderr: err, status });
    });
  });
}
