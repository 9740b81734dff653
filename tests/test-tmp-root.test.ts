/**
 * The suite's temporary files live in one root per run (vitest.tmp-root.ts) and go with it. If the global setup
 * stopped being wired in, or a worker stopped inheriting TMPDIR, every run would again leave hundreds of data dirs
 * in /tmp: these tests fail first.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { tempDataDir } from '../sidecar/test/helpers/test-server';
import setupRunRoot, { KEEP_ENV, TMP_VARS } from '../vitest.tmp-root';

const inside = (dir: string, parent: string) => dir.startsWith(parent + path.sep);

describe('the run root for temporary files', () => {
  it('holds os.tmpdir() of this file, its data dirs, and what a spawned process sees', () => {
    const root = inject('prealertRunRoot');
    expect(root, 'vitest.tmp-root.ts is not a globalSetup of this run').toEqual(expect.any(String));
    expect(path.basename(root)).toMatch(/^prealert-run-\d+-/);
    expect(fs.statSync(root).isDirectory()).toBe(true);
    expect(inside(os.tmpdir(), root), `${os.tmpdir()} is not inside ${root}`).toBe(true);
    expect(inside(tempDataDir(), root)).toBe(true);
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(require("node:os").tmpdir())'], {
      encoding: 'utf8',
    });
    expect(inside(child.stdout, root), `a spawned process's tmpdir ${child.stdout}`).toBe(true);
  });
});

describe('vitest.tmp-root.ts run on its own', () => {
  const saved = [...TMP_VARS, KEEP_ENV].map((name) => [name, process.env[name]] as const);
  afterEach(() => {
    // process.env turns undefined into the string 'undefined': unset instead.
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  function start(): { root: string; teardown: () => void } {
    let root = '';
    const teardown = setupRunRoot({
      provide: (_key, value) => {
        root = String(value);
      },
    });
    return { root, teardown };
  }

  it('points TMPDIR/TMP/TEMP at a new root and removes it with everything in it at the end', () => {
    const outer = os.tmpdir();
    const { root, teardown } = start();
    expect(path.dirname(root)).toBe(outer);
    for (const name of TMP_VARS) expect(process.env[name]).toBe(root);
    const data = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-test-'));
    fs.writeFileSync(path.join(data, 'prealert.db'), 'x');
    teardown();
    expect(fs.existsSync(root)).toBe(false);
    expect(os.tmpdir()).toBe(outer);
  });

  it('gives a second project the same root, and removes it at the last teardown only', () => {
    // vitest runs the global setup once per project (the Shanghai lane is one): a root per project nested the
    // second inside the first, and the first teardown took the second's files while its tests could still run.
    const outer = os.tmpdir();
    const first = start();
    const second = start();
    expect(second.root).toBe(first.root);
    first.teardown();
    expect(fs.existsSync(first.root), 'removed while the second project still ran').toBe(true);
    for (const name of TMP_VARS) expect(process.env[name]).toBe(first.root);
    second.teardown();
    expect(fs.existsSync(first.root)).toBe(false);
    expect(os.tmpdir()).toBe(outer);
  });

  it(`keeps the root when ${KEEP_ENV}=1`, () => {
    process.env[KEEP_ENV] = '1';
    const { root, teardown } = start();
    teardown();
    expect(fs.existsSync(root)).toBe(true);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('sweeps the roots of runs whose process is gone for an hour, not a live run, a recent one or a kept one', async () => {
    const outer = os.tmpdir();
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => gone.once('exit', resolve));
    const abandoned = path.join(outer, `prealert-run-${gone.pid}-abc123`);
    const kept = path.join(outer, `prealert-run-${gone.pid}-kep123`);
    const recent = path.join(outer, `prealert-run-${gone.pid}-rec123`);
    const live = path.join(outer, `prealert-run-${process.pid}-liv123`);
    const all = [abandoned, kept, recent, live];
    for (const dir of all) fs.mkdirSync(path.join(dir, 'prealert-test-x'), { recursive: true });
    fs.writeFileSync(path.join(kept, 'KEPT'), '');
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    for (const dir of [abandoned, kept, live]) fs.utimesSync(dir, twoHoursAgo, twoHoursAgo);
    try {
      const { teardown } = start();
      teardown();
      expect(fs.existsSync(abandoned)).toBe(false);
      expect(fs.existsSync(kept)).toBe(true);
      expect(fs.existsSync(recent)).toBe(true);
      expect(fs.existsSync(live)).toBe(true);
    } finally {
      for (const dir of all) fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
