import fs from 'node:fs';
import path from 'node:path';
import { afterAll, inject } from 'vitest';
import { killStartedSidecars } from './sidecar/test/helpers/spawn-sidecar';
import { KEEP_ENV, TMP_VARS, TRAVERSE_ONLY } from './vitest.tmp-root';

// Each test file gets its own temporary folder inside the run's root (vitest.tmp-root.ts), removed with the file:
// a file that starts dozens of servers in fresh data dirs does not pile them up until the run ends. Files run in
// forks of their own, so the environment set here reaches only this file and what it spawns.
const runRoot = inject('prealertRunRoot');
// Made again if gone: a watch session idle for over an hour in another pid namespace may have had it swept.
if (runRoot) fs.mkdirSync(runRoot, { recursive: true, mode: TRAVERSE_ONLY });
const fileTmp = runRoot ? fs.mkdtempSync(path.join(runRoot, 'f-')) : undefined;
if (fileTmp) {
  fs.chmodSync(fileTmp, TRAVERSE_ONLY);
  for (const name of TMP_VARS) process.env[name] = fileTmp;
}

// A sidecar a timed-out test started is killed with its file's end, not left running through the rest of the run;
// then the file's temporary folder goes (after the sidecars, which may still be writing into it).
afterAll(() => {
  killStartedSidecars();
  if (fileTmp && process.env[KEEP_ENV] !== '1') {
    try {
      fs.rmSync(fileTmp, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    } catch (error) {
      // The run root's removal takes what is left.
      console.warn(`could not remove ${fileTmp}: ${String(error)}`);
    }
  }
});
