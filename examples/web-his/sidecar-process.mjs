/**
 * Runs the built sidecar (sidecar/dist/cli.js serve) as a child process and reports its address once it
 * logs that it listens. Its own log lines stay quiet unless they are warnings or errors.
 */
import { spawn } from 'node:child_process';
import readline from 'node:readline';

const LISTENING = 'prealert sidecar listening';

/**
 * @param {{ cli: string, port: string, dataDir: string, corsOrigins: string[], env?: NodeJS.ProcessEnv, onLog?: (line: string) => void, startTimeoutMs?: number }} options
 * @returns {Promise<{ url: string, child: import('node:child_process').ChildProcess, stop(): Promise<void> }>}
 */
export function startSidecar(options) {
  const child = spawn(process.execPath, [options.cli, 'serve', '--port', options.port, '--data-dir', options.dataDir], {
    env: { ...process.env, ...options.env, PREALERT_CORS_ORIGINS: options.corsOrigins.join(',') },
    stdio: ['ignore', 'pipe', 'pipe'],
    windowsHide: true,
  });
  const stderr = [];
  const log = options.onLog ?? (() => {});

  // If this process ends without stop() (an uncaught error, a closed stdout), take the sidecar with it.
  const killOnExit = () => child.kill();
  process.once('exit', killOnExit);
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      process.off('exit', killOnExit);
      resolve({ code, signal });
    }),
  );
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`sidecar did not start within ${options.startTimeoutMs ?? 30000} ms`));
    }, options.startTimeoutMs ?? 30000);
    readline.createInterface({ input: child.stderr }).on('line', (line) => {
      stderr.push(line);
      if (stderr.length > 20) stderr.shift();
      log(line);
    });
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      let entry;
      try {
        entry = JSON.parse(line);
      } catch {
        log(line);
        return;
      }
      if (entry.msg === LISTENING && typeof entry.url === 'string') {
        clearTimeout(timer);
        resolve({ url: entry.url, child, stop });
      } else if (typeof entry.level === 'number' && entry.level >= 40) {
        log(`[sidecar] ${entry.msg ?? line}`);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      const error = new Error(
        `sidecar exited (${signal ?? `code ${code}`})${stderr.length ? `: ${stderr.join(' | ')}` : ''}`,
      );
      // What the sidecar printed on the way out is its own account of why (a data dir it cannot write, a port in
      // use, a bad setting), already given to onLog line by line: a caller that shows onLog need not repeat it.
      error.sidecarStderr = [...stderr];
      reject(error);
    });
  });
}
