/**
 * Library images at the sidecar's start (sidecar/src/sync/library-image-file.ts): the built sidecar
 * (node sidecar/dist/cli.js serve) on real data dirs, with bundles of the real NHSA files pulled from the provincial
 * platform simulator. A start reads the last-good library from its image; an image that is damaged, cut off, written
 * by another installation, of another format or of another library is refused, and the start reads the library
 * file, answers 3101 exactly as before and writes the image anew. Rollback reads images too, and a disk without
 * room for an image leaves the activation as it would be without one.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { KnowledgePoint, LibraryData } from '@prealert/core';
import {
  LIBRARY_IMAGE_FORMAT,
  LibraryImageReader,
  LibraryReader,
  libraryImage,
  type PackedReadResult,
  readPrivateKey,
  type WrittenBundle,
  writeBundle,
} from '@prealert/rules-cache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProvincialPlatform, startPlatform } from '../examples/provincial-platform/src/platform-server';
import { libraryImageKey } from '../sidecar/src/sync/library-image-key';
import {
  ADDED_BY_REVISION,
  BundleFactory,
  DROPPED_BY_REVISION,
  fillDisk,
  smallDisk,
  tempDir,
  V1,
  V2,
} from '../sidecar/test/sync-support';
import { envelope3101, type LogEntry, type NationalAnswer, type SidecarProcess, startSidecar } from './sync-process';

const TOKEN = 'image-admin-token-0123456789abcdef';
const work = tempDir('library-image');
let platform: ProvincialPlatform;
let factory: BundleFactory;
let a: WrittenBundle;
let b: WrittenBundle;
/** A data dir that pulled A (V1), then B (V2, current), with the image of each written by the sidecar. */
let template: string;
/** The 3101 results of the template's sidecar on B, for the two prescriptions the versions answer differently. */
let onB: Answers;
const running: SidecarProcess[] = [];

type Results = NonNullable<NationalAnswer['output']['result']>;

interface Answers {
  added: Results;
  dropped: Results;
}

async function answers(sidecar: SidecarProcess): Promise<Answers> {
  const ask = async (line: { code: string; gend: '1' | '2' }, encounter: string) => {
    const answer = await sidecar.post<NationalAnswer>(
      '/fsi/api/rsfComIfsService/callService',
      envelope3101(line.code, line.gend, encounter),
    );
    expect(answer.body.infcode, answer.body.err_msg).toBe(0);
    return answer.body.output.result ?? [];
  };
  return { added: await ask(ADDED_BY_REVISION, 'MDTRT-IMG-1'), dropped: await ask(DROPPED_BY_REVISION, 'MDTRT-IMG-2') };
}

function syncEnv(): Record<string, string> {
  return {
    PREALERT_SYNC_URL: platform.bundleUrl,
    PREALERT_SYNC_PUBKEY: factory.keys.publicKeyFile,
    PREALERT_SYNC_INTERVAL_S: '3600',
    PREALERT_ADMIN_TOKEN: TOKEN,
  };
}

/** Started without a platform to poll (as a workstation offline at start), the admin token set for rollbacks. */
function offlineEnv(): Record<string, string> {
  return { PREALERT_SYNC_PUBKEY: factory.keys.publicKeyFile, PREALERT_ADMIN_TOKEN: TOKEN };
}

async function start(dataDir: string, env: Record<string, string>): Promise<SidecarProcess> {
  const sidecar = await startSidecar({ dataDir, env, startTimeoutMs: 120_000 });
  running.push(sidecar);
  return sidecar;
}

/** Publishes a bundle and has the sidecar pull it now; resolves once its image is written. */
async function pull(sidecar: SidecarProcess, bundle: WrittenBundle): Promise<void> {
  platform.publish(bundle.dir);
  const answer = await sidecar.post<{ outcome: string }>('/v1/admin/sync', undefined, TOKEN);
  // The whole answer, so a refusal shows its reason (one CI run saw 'failed' here once, not reproduced).
  expect(answer.body).toMatchObject({ outcome: 'activated' });
  await sidecar.waitForLog('library image written', 60_000, (e) => e.version === bundle.manifest.signed.version);
}

const versionDir = (dataDir: string, bundle: WrittenBundle) =>
  path.join(dataDir, 'library', 'versions', bundle.manifest.signed.library.sha256);
const imageOf = (dataDir: string, bundle: WrittenBundle) => path.join(versionDir(dataDir, bundle), 'library.image');

function copyOfTemplate(name: string): string {
  const dataDir = path.join(work, name);
  fs.cpSync(template, dataDir, { recursive: true });
  return dataDir;
}

/** The key the sidecar of this data dir writes images with (from its install.secret). */
function keyOf(dataDir: string): Buffer {
  return libraryImageKey(Buffer.from(fs.readFileSync(path.join(dataDir, 'install.secret'), 'utf8').trim(), 'hex'));
}

/** Reads an image as a start does (throws when it would be refused). */
function readImage(file: string, key: Uint8Array, sha256: string): PackedReadResult {
  const bytes = fs.readFileSync(file);
  const reader = new LibraryImageReader(file, bytes.length, key, sha256);
  reader.write(bytes);
  return reader.end();
}

/** A bundle's library read and packed, as the sidecar reads one it received. */
function packedOf(bundle: WrittenBundle): PackedReadResult {
  const bytes = fs.readFileSync(path.join(bundle.dir, bundle.libraryFile));
  const reader = new LibraryReader(bundle.libraryFile, bytes.length, { packed: true });
  reader.write(bytes);
  return reader.endPacked();
}

const started = (sidecar: SidecarProcess) => sidecar.waitForLog('started with the last-good library', 60_000);

beforeAll(async () => {
  factory = new BundleFactory(path.join(work, 'bundles'));
  a = factory.write('a', factory.library(V1));
  b = factory.write('b', factory.library(V2, { revision: true }));
  platform = await startPlatform();
  template = path.join(work, 'template');
  const first = await start(template, syncEnv());
  await pull(first, a);
  await pull(first, b);
  onB = await answers(first);
  await first.stop();
}, 300_000);

afterAll(async () => {
  for (const s of running) await s.kill9();
  await platform?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('a start with library images', () => {
  it('reads the last-good library from its image, answers as before, and removes an image left half written', async () => {
    // Both revision prescriptions answer as the revision says: the woman's 恩扎卢胺 fires, the man's 妇科十味片 not.
    expect(onB.added.map((r) => r.rule_id)).toEqual(['GZ10000301004000']);
    expect(onB.dropped).toEqual([]);
    const dataDir = copyOfTemplate('from-image');
    const halfWritten = `${imageOf(dataDir, b)}.4242.0badcafe.tmp`;
    fs.writeFileSync(halfWritten, 'a crash while the image was written');
    const sidecar = await start(dataDir, offlineEnv());
    expect(await started(sidecar)).toMatchObject({ version: V2, read_from: 'image' });
    expect(await answers(sidecar)).toEqual(onB);
    expect(
      (await sidecar.get<{ library: { version: string; source: string } }>('/v1/status')).body.library,
    ).toMatchObject({ version: V2, source: 'last-good' });
    expect(fs.existsSync(halfWritten)).toBe(false);
    expect(sidecar.logs.find((e) => e.msg === 'cleaned up after an interrupted activation')?.removed).toContain(
      `versions/${b.manifest.signed.library.sha256}/${path.basename(halfWritten)}`,
    );
    await sidecar.stop();
    expect(sidecar.logs.filter((e) => /library image/.test(e.msg))).toEqual([]);
  }, 120_000);

  const refusals: { name: string; problem: string; spoil: (dataDir: string) => void }[] = [
    {
      name: 'a byte of a point changed',
      problem: 'integrity',
      spoil: (dataDir) => {
        const bytes = fs.readFileSync(imageOf(dataDir, b));
        bytes[bytes.length - 5000] = bytes[bytes.length - 5000]! ^ 0x20;
        fs.writeFileSync(imageOf(dataDir, b), bytes);
      },
    },
    {
      name: 'cut off',
      problem: 'truncated',
      spoil: (dataDir) => {
        const file = imageOf(dataDir, b);
        fs.truncateSync(file, fs.statSync(file).size - 100_000);
      },
    },
    {
      // What a file put in the data dir is: B's image in every figure the signed manifest gives and every array but
      // one code (the woman's 恩扎卢胺, renamed so that its reminder is silenced), written with a key that is not
      // this installation's (another workstation's install.secret, or one made up). Only the HMAC tells it from B's.
      name: "another installation's, silencing a reminder of B",
      problem: 'integrity',
      spoil: (dataDir) => {
        const forged = packedOf(b);
        const { codeChars, codeStart } = forged.packed.table;
        const n = Array.from({ length: codeStart.length - 1 }, (_, i) => i).find(
          (i) =>
            String.fromCharCode(...codeChars.subarray(codeStart[i]!, codeStart[i + 1]!)) === ADDED_BY_REVISION.code,
        );
        codeChars[codeStart[n!]!] = 'Y'.charCodeAt(0);
        const image = libraryImage(forged, libraryImageKey(randomBytes(32)));
        fs.writeFileSync(imageOf(dataDir, b), Buffer.concat([...image.pieces()]));
      },
    },
    {
      name: 'of another image format version',
      problem: 'other_format',
      spoil: (dataDir) => {
        const bytes = fs.readFileSync(imageOf(dataDir, b));
        bytes.writeUInt32LE(LIBRARY_IMAGE_FORMAT + 1, 8);
        fs.writeFileSync(imageOf(dataDir, b), bytes);
      },
    },
    {
      // Written by this installation, whole, but of the other stored version.
      name: "this installation's image of the other stored library",
      problem: 'other_library',
      spoil: (dataDir) => fs.copyFileSync(imageOf(dataDir, a), imageOf(dataDir, b)),
    },
  ];

  for (const { name, problem, spoil } of refusals) {
    it(`refuses an image ${name}: reads the library file, answers as before and writes the image anew`, async () => {
      const dataDir = copyOfTemplate(`refused-${problem}-${refusals.findIndex((r) => r.name === name)}`);
      spoil(dataDir);
      const spoilt = fs.readFileSync(imageOf(dataDir, b));
      const sidecar = await start(dataDir, offlineEnv());
      const refused = await sidecar.waitForLog('library image refused; reading the library file', 60_000);
      expect(refused).toMatchObject({ version: V2, problem });
      expect(await started(sidecar)).toMatchObject({ version: V2, read_from: 'library' });
      expect(await answers(sidecar)).toEqual(onB);
      // Logged once, and the stored version is not taken for damaged: it runs, and keeps its files.
      expect(sidecar.logs.filter((e) => e.msg === 'library image refused; reading the library file')).toHaveLength(1);
      expect(sidecar.logs.some((e) => e.msg === 'stored library is unusable')).toBe(false);
      await sidecar.waitForLog('library image written', 60_000, (e) => e.version === V2);
      const rewritten = fs.readFileSync(imageOf(dataDir, b));
      expect(rewritten.equals(spoilt)).toBe(false);
      expect(readImage(imageOf(dataDir, b), keyOf(dataDir), b.manifest.signed.library.sha256).packed.meta.version).toBe(
        V2,
      );
      await sidecar.stop();
    }, 120_000);
  }

  it('reads the library file when there is no image, says so once, and writes one', async () => {
    const dataDir = copyOfTemplate('no-image');
    fs.rmSync(imageOf(dataDir, b));
    const sidecar = await start(dataDir, offlineEnv());
    expect(await sidecar.waitForLog('no library image; reading the library file', 60_000)).toMatchObject({
      version: V2,
    });
    expect(await started(sidecar)).toMatchObject({ version: V2, read_from: 'library' });
    expect(await answers(sidecar)).toEqual(onB);
    await sidecar.waitForLog('library image written', 60_000, (e) => e.version === V2);
    await sidecar.stop();
    const again = await start(dataDir, offlineEnv());
    expect(await started(again)).toMatchObject({ version: V2, read_from: 'image' });
    expect(await answers(again)).toEqual(onB);
    await again.stop();
  }, 180_000);
});

describe('a slow read of the library file at start', () => {
  // fastify stops a start whose plugin takes over 10 s, and the sync plugin reads the last-good library. Without its
  // image, on a slow workstation (the rest between slices stands for one: Windows rests half the time), that read took
  // longer, and the sidecar exited at start ("Plugin did not start in time: 'syncPlugin'").
  it('still starts, and answers from the stored library', async () => {
    const dataDir = copyOfTemplate('slow-read');
    fs.rmSync(imageOf(dataDir, b));
    const began = Date.now();
    const sidecar = await start(dataDir, { ...offlineEnv(), PREALERT_SYNC_ACTIVATION_REST_MS: '400' });
    expect(await started(sidecar)).toMatchObject({ version: V2, read_from: 'library' });
    // Only a read longer than fastify's 10 s shows the fix; a faster machine could not fail this test.
    expect(Date.now() - began).toBeGreaterThan(10_000);
    expect(await answers(sidecar)).toEqual(onB);
    await sidecar.stop();
  }, 240_000);
});

describe('rollback with library images', () => {
  interface RollbackAnswer {
    outcome: string;
    report: { version: string; path: string; read_from?: string };
  }

  it('rolls back from the image of the version before, and the next start runs it from its image', async () => {
    const dataDir = copyOfTemplate('rollback');
    const sidecar = await start(dataDir, offlineEnv());
    expect(await started(sidecar)).toMatchObject({ version: V2, read_from: 'image' });
    const rolled = await sidecar.post<RollbackAnswer>('/v1/admin/rollback', undefined, TOKEN);
    expect(rolled.body).toMatchObject({
      outcome: 'rolled_back',
      report: { version: V1, path: 'stored', read_from: 'image' },
    });
    // The published batches again: the man's 妇科十味片 fires, the woman's 恩扎卢胺 does not.
    const onA = await answers(sidecar);
    expect(onA.added).toEqual([]);
    expect(onA.dropped.map((r) => r.rule_id)).toEqual(['GZ10000301004000']);
    await sidecar.stop();

    const again = await start(dataDir, offlineEnv());
    expect(await started(again)).toMatchObject({ version: V1, read_from: 'image' });
    expect(await answers(again)).toEqual(onA);
    await again.stop();
  }, 180_000);

  it('rolls back to a version without an image from its library file, then writes its image', async () => {
    const dataDir = copyOfTemplate('rollback-no-image');
    fs.rmSync(imageOf(dataDir, a));
    const sidecar = await start(dataDir, offlineEnv());
    await started(sidecar);
    const rolled = await sidecar.post<RollbackAnswer>('/v1/admin/rollback', undefined, TOKEN);
    expect(rolled.body.report).toMatchObject({ version: V1, path: 'stored', read_from: 'library' });
    await sidecar.waitForLog('library image written', 60_000, (e) => e.version === V1);
    expect(readImage(imageOf(dataDir, a), keyOf(dataDir), a.manifest.signed.library.sha256).packed.meta.version).toBe(
      V1,
    );
    await sidecar.stop();
  }, 120_000);
});

describe('a disk without room for the image', () => {
  /** A library of real national codes bigger than the 16 MiB kept for the records: its image cannot fit beside them. */
  function biggerThanMargin(national: LibraryData): LibraryData {
    const templates = national.knowledgePoints.filter((kp) => kp.limit.kind !== 'time_window');
    const codes = [...new Set(national.knowledgePoints.flatMap((kp) => kp.codes))].sort();
    const points: KnowledgePoint[] = [];
    for (let i = 0; i < 40_000; i++) {
      const t = templates[i % templates.length]!;
      const own = Array.from({ length: Math.min(8, t.codes.length) }, (_, j) => codes[(i * 7 + j) % codes.length]!);
      points.push({ ...t, id: `big-${String(i).padStart(6, '0')}`, codes: own });
    }
    return { ...national, meta: { ...national.meta, version: 'big-40k' }, knowledgePoints: points };
  }

  it('activates the library without its image, keeps the records their room, and the next start writes it', async (ctx) => {
    const disk = smallDisk(96 * 1024 * 1024);
    if (!disk) return ctx.skip();
    try {
      const national = factory.library(`${V2}.2`, { revision: true });
      const big = writeBundle({
        library: biggerThanMargin(national),
        privateKey: readPrivateKey(factory.keys.privateKeyFile),
        outDir: path.join(work, 'bundles', 'big'),
      });
      const size = big.manifest.signed.library.size;
      expect(size).toBeGreaterThan(17 * 1024 * 1024);
      const dataDir = path.join(disk.dir, 'data');
      const sidecar = await start(dataDir, syncEnv());
      await pull(sidecar, a);
      // Room for the download and the 16 MiB the sync keeps for the records, not for an image beside them.
      const filler = fillDisk(disk.dir, size + 16 * 1024 * 1024 + 256 * 1024);
      platform.publish(big.dir);
      const answer = await sidecar.post<{ outcome: string }>('/v1/admin/sync', undefined, TOKEN);
      expect(answer.body.outcome).toBe('activated');
      const skipped = await sidecar.waitForLog(/^library image not written/, 60_000);
      expect(skipped).toMatchObject({ version: 'big-40k' });
      expect(skipped.msg).toMatch(/16\.0 MB are kept for the records/);
      const status = await sidecar.get<{ sync: { library: { version: string }; last_error: string | null } }>(
        '/v1/status',
      );
      expect(status.body.sync).toMatchObject({ library: { version: 'big-40k' }, last_error: null });
      await answers(sidecar);
      expect(fs.readdirSync(versionDir(dataDir, big)).sort()).toEqual(['library.ndjson', 'manifest.json']);
      const free = fs.statfsSync(disk.dir);
      expect(free.bavail * free.bsize).toBeGreaterThan(15 * 1024 * 1024);
      await sidecar.stop();

      fs.rmSync(filler);
      const again = await start(dataDir, offlineEnv());
      expect(await started(again)).toMatchObject({ version: 'big-40k', read_from: 'library' });
      await again.waitForLog('library image written', 60_000, (e: LogEntry) => e.version === 'big-40k');
      expect(fs.existsSync(path.join(versionDir(dataDir, big), 'library.image'))).toBe(true);
      await again.stop();
    } finally {
      for (const s of running.splice(0)) await s.kill9();
      disk.release();
    }
  }, 300_000);
});
