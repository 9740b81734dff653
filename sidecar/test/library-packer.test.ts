import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
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
    } finally {
      hung.closeAllConnections();
      await new Promise((resolve) => hung.close(resolve));
    }
  });
});
