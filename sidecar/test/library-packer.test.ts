import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { analyze } from '@prealert/core';
import {
  BundleError,
  libraryLines,
  libraryText,
  loadNationalLibrary,
  Slicer,
  unpackLibrary,
} from '@prealert/rules-cache';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { analysisInput } from '../../packages/core/test/support/requests';
import { type LibraryPacker, openLibraryPacker } from '../src/sync/library-packer';
import { watchingMainThreadLoad, watchServingThread } from '../src/sync/main-thread-load';
import { ADDED_BY_REVISION, tempDir } from './sync-support';

const logger = pino({ level: 'silent' });
const bytes = Buffer.from(libraryText(libraryLines(loadNationalLibrary())));
const dir = tempDir('packer');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A staging stand-in for the in-thread packer, which writes through Staging.write. */
function staging(name: string) {
  const libraryFile = path.join(dir, `${name}.ndjson`);
  const parts: Uint8Array[] = [];
  return {
    dir,
    libraryFile,
    write: async (chunk: Uint8Array) => void parts.push(Uint8Array.from(chunk)),
    // The worker writes libraryFile itself; only what came through write() is written here.
    finish: async () => {
      if (parts.length > 0) fs.writeFileSync(libraryFile, Buffer.concat(parts));
    },
    discard: async () => undefined,
  };
}

/** Keeps this thread busy for `ms`, without a turn of its event loop. */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

/**
 * Runs `work` while this thread is busy in bursts of a few ms, its event loop turning between them (timers fire,
 * messages arrive) as under a stream of requests. Busy from before the work starts, so the worker's first look
 * already finds a busy sample.
 */
async function whileBusy<T>(work: () => Promise<T>): Promise<T> {
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  for (const end = performance.now() + 20; performance.now() < end; await turn()) spin(4);
  let settled = false;
  const running = work().finally(() => (settled = true));
  while (!settled) {
    spin(4);
    await turn();
  }
  return running;
}

async function feed(packer: LibraryPacker, input: Buffer, chunk = 100_000): Promise<void> {
  for (let offset = 0; offset < input.length; offset += chunk)
    await packer.write(input.subarray(offset, offset + chunk));
}

describe('the library packer', () => {
  it('on the worker and on this thread: the same digest, the same library, the staging file byte for byte', async () => {
    const results = [];
    for (const useWorker of [true, false]) {
      const stage = staging(useWorker ? 'worker' : 'in-thread');
      const packer = await openLibraryPacker({
        file: 'library.ndjson',
        maxBytes: bytes.length,
        slicer: new Slicer(2),
        logger,
        staging: stage,
        useWorker,
      });
      expect(packer.where).toBe(useWorker ? 'worker' : 'in-thread');
      await feed(packer, bytes);
      const read = await packer.end();
      await stage.finish();
      await packer.close();
      expect(fs.readFileSync(stage.libraryFile).equals(bytes)).toBe(true);
      results.push(read);
    }
    const [viaWorker, inThread] = results;
    const { packed: a, ...digestA } = viaWorker!;
    const { packed: b, ...digestB } = inThread!;
    expect(digestA).toEqual(digestB);
    expect(Buffer.from(a.pointBytes).equals(Buffer.from(b.pointBytes))).toBe(true);
    expect(Buffer.from(a.table.slots.buffer).equals(Buffer.from(b.table.slots.buffer))).toBe(true);
    // From the worker the arrays are shared with it, not transferred (no external-memory collections here).
    for (const array of [a.pointBytes, a.pointStart, a.table.slots, a.table.codeChars, a.table.pointRefs]) {
      expect(array.buffer).toBeInstanceOf(SharedArrayBuffer);
    }
    expect(b.pointBytes.buffer).toBeInstanceOf(ArrayBuffer);
    // The library that arrived from the worker answers a prescription.
    const input = analysisInput({ gend: '2', lines: [{ code: ADDED_BY_REVISION.code }] });
    const out = analyze(unpackLibrary(a), input, { infno: '3101', now: new Date('2026-11-20T10:00:00+08:00') });
    expect(out.ok && out.output.result.map((r) => r.rule_name)).toEqual(['药品区分性别使用']);
  });

  it.runIf(process.platform === 'linux')('runs on a thread at the lowest priority (nice 19) on Linux', async () => {
    const packer = await openLibraryPacker({ file: 'library.ndjson', maxBytes: 10, slicer: new Slicer(2), logger });
    try {
      const tid = packer.lowPriorityThread;
      expect(tid).toBeGreaterThan(0);
      // /proc/<pid>/task/<tid>/stat: the 19th field is the nice value (after the command name in parentheses).
      const stat = fs.readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8');
      expect(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]).toBe('19');
    } finally {
      await packer.close();
    }
  });

  it('a bad line fails the worker with the file and line named, as a BundleError', async () => {
    const lines = bytes.toString('utf8').split('\n');
    lines[100] = '{"id":"broken"';
    const broken = Buffer.from(lines.join('\n'));
    const packer = await openLibraryPacker({
      file: 'library.ndjson',
      maxBytes: broken.length,
      slicer: new Slicer(2),
      logger,
      staging: staging('broken'),
    });
    expect(packer.where).toBe('worker');
    const failure = await feed(packer, broken)
      .then(() => packer.end())
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(failure).toBeInstanceOf(BundleError);
    expect((failure as BundleError).code).toBe('bad_content');
    expect((failure as Error).message).toMatch(/^library\.ndjson:101: not JSON/);
    await packer.close();
    // A failed worker no longer has this thread sample its load: no timer is left behind.
    expect(watchingMainThreadLoad()).toBe(false);
  });

  it('closing it mid-download answers the waiting download instead of leaving it pending', async () => {
    const hung = http.createServer(() => undefined);
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    try {
      const packer = await openLibraryPacker({
        file: 'library.ndjson',
        maxBytes: bytes.length,
        slicer: new Slicer(2),
        logger,
        staging: staging('hung'),
      });
      const url = `http://127.0.0.1:${(hung.address() as AddressInfo).port}/library.ndjson`;
      const download = packer.download(url, { maxBytes: bytes.length, timeoutMs: 60_000, deadlineMs: 60_000 });
      const answered = expect(download).rejects.toThrow(/library worker closed/);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await packer.close();
      await answered;
      expect(watchingMainThreadLoad()).toBe(false);
    } finally {
      hung.closeAllConnections();
      await new Promise((resolve) => hung.close(resolve));
    }
  });

  describe('rests while this thread is busy', () => {
    const libraryFile = path.join(dir, 'stored.ndjson');
    fs.writeFileSync(libraryFile, bytes);
    const open = (name: string) =>
      openLibraryPacker({
        file: 'library.ndjson',
        maxBytes: bytes.length,
        slicer: new Slicer(2),
        logger,
        staging: staging(name),
      });

    it('rests for requests only while this thread is busy: not at all while it is idle', async () => {
      const idlePacker = await open('idle');
      expect(idlePacker.where).toBe('worker');
      await idlePacker.readFile(libraryFile);
      const idle = idlePacker.rest!;
      expect(watchingMainThreadLoad()).toBe(false);

      const busyPacker = await open('busy');
      const read = await whileBusy(() => busyPacker.readFile(libraryFile));
      const busy = busyPacker.rest!;
      expect(read.size).toBe(bytes.length);
      expect(watchingMainThreadLoad()).toBe(false);

      // Counters, not wall times: the machine running the test may be busy with anything else.
      const rests = JSON.stringify({ idle, busy });
      expect(idle.slices, rests).toBeGreaterThan(0);
      expect(busy.slices, rests).toBeGreaterThan(0);
      // Up to 8 ms after every slice; less than half of that on average means it went back to work while busy.
      expect(busy.busyMs, rests).toBeGreaterThan(busy.slices * 3);
      // Idle: no rest, but for the odd sample delayed past its staleness by a scheduler busy with other processes.
      expect(idle.busyMs, rests).toBeLessThan(Math.max(busy.busyMs / 10, idle.slices));
      // Where its priority could not be lowered the worker also keeps a fixed duty cycle (not counted as busy).
      if (idlePacker.lowPriorityThread !== undefined) expect(idle.fixedMs + busy.fixedMs).toBe(0);
    });

    it('rests while another thread answering requests is busy (the analysis thread), though this one is idle', async () => {
      // Busy in 4 ms turns, as the analysis thread is under load.
      const busyThread = new Worker(
        `const end = () => performance.now();
         const turn = () => { const until = end() + 4; while (end() < until); setImmediate(turn); };
         turn();`,
        { eval: true },
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      const unwatch = watchServingThread(() => busyThread.performance.eventLoopUtilization());
      try {
        const packer = await open('serving');
        await packer.readFile(libraryFile);
        const rest = packer.rest!;
        expect(rest.slices, JSON.stringify(rest)).toBeGreaterThan(0);
        expect(rest.busyMs, JSON.stringify(rest)).toBeGreaterThan(rest.slices * 3);
      } finally {
        unwatch();
        await busyThread.terminate();
      }
    });

    it('still finishes while this thread never turns its event loop: a stale sample counts as busy, the rest is bounded', async () => {
      const packer = await open('blocked');
      const stagingFile = path.join(dir, 'blocked.ndjson');
      const size = () => (fs.existsSync(stagingFile) ? fs.statSync(stagingFile).size : 0);
      // From here until the worker has written the whole library, this thread's event loop never turns: its last
      // sample said idle, and only its age tells the worker otherwise. A worker resting for as long as this thread
      // is busy would never finish.
      spin(30);
      const packed = packer.readFile(libraryFile);
      const deadline = performance.now() + 25_000;
      while (size() < bytes.length) {
        if (performance.now() > deadline) throw new Error(`the worker wrote ${size()} of ${bytes.length} bytes`);
        spin(1);
      }
      const read = await packed;
      expect(read.size).toBe(bytes.length);
      const rest = packer.rest!;
      expect(rest.slices, JSON.stringify(rest)).toBeGreaterThan(0);
      expect(rest.busyMs, JSON.stringify(rest)).toBeGreaterThan(rest.slices * 3);
      expect(watchingMainThreadLoad()).toBe(false);
    });
  });
});
