/**
 * A library download on a nearly full disk (real tmpfs disks, the real platform simulator on loopback): refused
 * before a byte is fetched when the manifest's size does not fit with room left for the records, named as this
 * disk's problem when the disk fills during it (not "GET <url>: ENOSPC"), its partial file removed; and a network
 * error that names its code once.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { WrittenBundle } from '@prealert/rules-cache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProvincialPlatform, startPlatform } from '../../examples/provincial-platform/src/platform-server';
import { BundleFactory, requestsAfter, smallDisk, V1, Workstations } from './sync-support';

let platform: ProvincialPlatform;
let bundles: BundleFactory;
let v1: WrittenBundle;
/** Kept free beyond the library for the records (sidecar/README.md: 16 MiB). */
const DOWNLOAD_MARGIN_BYTES = 16 * 1024 * 1024;
const workstations = new Workstations();

beforeAll(async () => {
  bundles = new BundleFactory();
  v1 = bundles.write('v1', bundles.library(V1));
  platform = await startPlatform();
  platform.publish(v1.dir);
}, 120_000);

afterAll(async () => {
  await workstations.cleanup();
  await platform?.close();
  fs.rmSync(bundles.dir, { recursive: true, force: true });
});

describe('library download and free space', () => {
  it('is not started when the disk cannot hold the library and a margin for the records', async (ctx) => {
    const size = v1.manifest.signed.library.size;
    // Room for the library, not for the library and the margin.
    const disk = smallDisk(size + DOWNLOAD_MARGIN_BYTES / 2);
    if (!disk) return ctx.skip();
    try {
      const dataDir = path.join(disk.dir, 'data');
      const { sync } = workstations.follow(platform, bundles.keys, dataDir, { timeoutS: 2 });
      const before = platform.requests.length;
      const polled = await sync.pollNow();
      expect(polled.outcome).toBe('failed');
      const error = sync.status().last_error ?? '';
      expect(error).toMatch(/^磁盘空间不足：需要 \d+\.\d MB，可用 \d+\.\d MB \(/);
      expect(error).toContain(path.join(dataDir, 'library'));
      expect(error).toContain(`规则库 ${V1}`);
      // Only the manifest was asked for: the disk was not filled to 0 bytes by a download bound to fail.
      expect(requestsAfter(platform, before)).toEqual(['manifest 200']);
      expect(fs.statfsSync(disk.dir).bavail * fs.statfsSync(disk.dir).bsize).toBeGreaterThan(size);
    } finally {
      await workstations.cleanup();
      disk.release();
    }
  }, 60_000);

  it('names a disk that fills during the download as this disk, and removes the partial file', async (ctx) => {
    const disk = smallDisk(512 * 1024);
    if (!disk) return ctx.skip();
    try {
      const dataDir = workstations.freshDataDir('download-space');
      // The library is staged on a disk with room for a quarter of it; the data dir's own disk has plenty.
      fs.mkdirSync(path.join(dataDir, 'library'), { recursive: true });
      fs.symlinkSync(disk.dir, path.join(dataDir, 'library', 'staging'));
      const { sync } = workstations.follow(platform, bundles.keys, dataDir, { timeoutS: 2 });
      expect((await sync.pollNow()).outcome).toBe('failed');
      const error = sync.status().last_error ?? '';
      expect(error).toMatch(/^磁盘空间不足：下载中磁盘已满 \(ENOSPC\)/);
      expect(error).not.toContain('GET ');
      expect(fs.readdirSync(disk.dir)).toEqual([]);
    } finally {
      await workstations.cleanup();
      disk.release();
    }
  }, 60_000);

  it('says a refused connection once, in words', async () => {
    const gone = await startPlatform();
    const url = gone.bundleUrl;
    await gone.close();
    const { sync } = workstations.follow(gone, bundles.keys, workstations.freshDataDir('refused'), { timeoutS: 2 });
    expect((await sync.pollNow()).outcome).toBe('failed');
    const { port } = new URL(url);
    expect(sync.status().last_error).toBe(
      `GET ${url}manifest.json: ECONNREFUSED (connection refused, nothing listens there): connect 127.0.0.1:${port}`,
    );
  }, 60_000);
});
