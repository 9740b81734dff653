import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from './logging';

const START_TIMEOUT_MS = 10_000;

/**
 * A worker script built next to this bundle (`dist/<name>.js`); from source (tests under tsx/vitest) the built one
 * in `sidecar/dist`. Undefined when it is missing, e.g. from a repackaged install: callers then do the work on
 * their own thread.
 */
export function workerScript(name: string): URL | undefined {
  const url = new URL(import.meta.url.endsWith('.ts') ? `../dist/${name}.js` : `./${name}.js`, import.meta.url);
  return existsSync(fileURLToPath(url)) ? url : undefined;
}

/**
 * The script of a worker that is wanted, or undefined when the work is done on the caller's own thread: `useWorker`
 * false (tests of the fallback, a setting) says nothing, a script missing from the install is a warning (`missing`,
 * naming what then happens), as it makes the sidecar slower without stopping anything.
 */
export function wantedWorkerScript(
  name: string,
  options: { useWorker?: boolean; logger: Pick<Logger, 'warn'>; missing: string },
): URL | undefined {
  if (options.useWorker === false) return undefined;
  const script = workerScript(name);
  if (!script) options.logger.warn(options.missing);
  return script;
}

/** What a worker says first: ready, speaking a protocol, or why it could not start. */
export type StartMessage = { type: 'ready'; protocol: number } | { type: 'failed'; message: string };

/**
 * Starts a worker and waits for its first message: `ready` with the expected protocol number (a worker file from
 * another build is refused), within 10 s. Rejects naming what went wrong, after terminating the worker.
 */
export async function startWorker(script: URL, workerData: unknown, protocol: number): Promise<Worker> {
  const worker = new Worker(script, { workerData });
  try {
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number) => reject(new Error(`exited with code ${code}`));
      const timer = setTimeout(() => reject(new Error(`not ready within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
      worker
        .once('message', (message: StartMessage | { type: string }) => {
          clearTimeout(timer);
          worker.off('error', reject).off('exit', onExit);
          if (message.type === 'failed') reject(new Error((message as { message: string }).message));
          else if (message.type !== 'ready') reject(new Error(`said ${message.type} before ready`));
          else if ((message as { protocol: number }).protocol !== protocol)
            reject(new Error(`speaks protocol ${(message as { protocol: number }).protocol}, not ${protocol}`));
          else resolve();
        })
        .once('error', reject)
        .once('exit', onExit);
    });
    return worker;
  } catch (error) {
    void worker.terminate();
    throw error;
  }
}

/**
 * Asks a worker to close (`{ type: 'close' }`), waits for its `closed` and ends the thread; one that has not answered
 * within `waitMs` is terminated, and one whose thread exits meanwhile is not waited for (it can no longer answer).
 * Never rejects. Messages are handled in order: whatever was posted to the worker before is answered before it
 * closes.
 */
export function closeWorker(worker: Worker, waitMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => void worker.terminate().then(done, done), waitMs);
    worker.on('message', (message: { type: string }) => {
      if (message.type === 'closed') void worker.terminate().then(done, done);
    });
    worker.once('exit', done);
    worker.postMessage({ type: 'close' });
  });
}
