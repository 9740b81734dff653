/**
 * One temporary root per `vitest run`, removed when the run ends: the tests make hundreds of folders with
 * fs.mkdtempSync(os.tmpdir()) (data dirs with a SQLite file and a library image, wine prefixes, Chromium
 * profiles) and most never remove theirs, which filled the disk of anyone running the suite a few times a day.
 *
 * TMPDIR/TMP/TEMP are set here, in vitest's main process, before any worker starts: the forks take their
 * environment from process.env when the files are sent to them, and every sidecar, shim program, wine and
 * Chromium they spawn inherits it. os.tmpdir() reads TMPDIR on every call, so nothing else has to change.
 * vitest.setup.ts gives each test file its own folder inside the root and removes it with the file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

export const KEEP_ENV = 'PREALERT_KEEP_TEST_TMP';
const PREFIX = 'prealert-run-';
// A run root kept on purpose (PREALERT_KEEP_TEST_TMP=1) carries this file, so a later run does not sweep it.
const KEPT_MARK = 'KEPT';

declare module 'vitest' {
  export interface ProvidedContext {
    prealertRunRoot: string;
  }
}

export const TMP_VARS = ['TMPDIR', 'TMP', 'TEMP'] as const;

/** rwx--x--x: the run's folders as other accounts need them (setup below). */
export const TRAVERSE_ONLY = 0o711;

/** The run's root while a run holds it: every vitest project runs this setup, and they share one root. */
interface HeldRoot {
  root: string;
  holders: number;
  before: ReadonlyArray<readonly [string, string | undefined]>;
}

// On globalThis, not in a module variable: vitest may load this file once per project.
const HELD = Symbol.for('prealert.testRunRoot');
type WithHeld = typeof globalThis & { [HELD]?: HeldRoot };

export default function setup(project: Pick<TestProject, 'provide'>): () => void {
  const scope = globalThis as WithHeld;
  const held = scope[HELD];
  if (held) {
    // A second project (the Shanghai lane): a root made now would be inside the first one, and removed with it.
    held.holders++;
    project.provide('prealertRunRoot', held.root);
    return release;
  }
  const realTmp = os.tmpdir();
  sweepAbandonedRoots(realTmp);
  // Short (/tmp/prealert-run-<pid>-XXXXXX): unix socket paths (Chromium's singleton socket) stop at 107 bytes.
  const root = fs.mkdtempSync(path.join(realTmp, `${PREFIX}${process.pid}-`));
  // mkdtemp makes it 0700; tests that run a program as another account (machine-scope: the service account and
  // nobody) give it a folder of its own inside, which it must be able to reach as under /tmp. Others may pass
  // through, not list.
  fs.chmodSync(root, TRAVERSE_ONLY);
  // Marked at once: a kept run killed before its teardown is not swept by the next run either.
  if (process.env[KEEP_ENV] === '1') fs.writeFileSync(path.join(root, KEPT_MARK), '');
  const before = TMP_VARS.map((name) => [name, process.env[name]] as const);
  for (const name of TMP_VARS) process.env[name] = root;
  scope[HELD] = { root, holders: 1, before };
  project.provide('prealertRunRoot', root);
  return release;
}

/** The last project's teardown puts the environment back and removes the root. */
function release(): void {
  const scope = globalThis as WithHeld;
  const held = scope[HELD];
  if (!held || --held.holders > 0) return;
  scope[HELD] = undefined;
  for (const [name, value] of held.before) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  if (process.env[KEEP_ENV] === '1') {
    console.log(`${KEEP_ENV}=1: this run's temporary files are kept in ${held.root}`);
    return;
  }
  removeRoot(held.root);
}

function removeRoot(root: string): void {
  try {
    // Retries: a sidecar or wineserver a test left behind may still be writing while it is killed.
    fs.rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  } catch (error) {
    console.warn(`could not remove the test run's temporary folder ${root}: ${String(error)}`);
  }
}

// A live run creates a folder in its root for every test file, so an hour without one means it is over even where
// its pid cannot be seen (another pid namespace sharing /tmp).
const ABANDONED_AFTER_MS = 60 * 60 * 1000;

/** Roots of runs that were killed before their teardown (Ctrl-C, a CI time-out): their process is gone. */
function sweepAbandonedRoots(realTmp: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(realTmp);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(/^prealert-run-(\d+)-/.exec(name)?.[1]);
    if (!Number.isInteger(pid) || pid <= 0 || isAlive(pid)) continue;
    const dir = path.join(realTmp, name);
    if (fs.existsSync(path.join(dir, KEPT_MARK)) || !untouchedFor(dir, ABANDONED_AFTER_MS)) continue;
    removeRoot(dir);
  }
}

function untouchedFor(dir: string, ms: number): boolean {
  try {
    return Date.now() - fs.statSync(dir).mtimeMs > ms;
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, another user's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
