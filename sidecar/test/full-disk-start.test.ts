/**
 * `prealert serve` on a data dir whose disk is full (a real tmpfs, the built CLI): the one-line start error names
 * the file and says the disk is full (it said "disk I/O error", or "ENOSPC … write" naming nothing), and no temp
 * file is left behind.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, spawnSidecar } from './helpers/spawn-sidecar';
import { fillDisk, smallDisk } from './sync-support';

function serve(dataDir: string): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, [CLI, 'serve', '--port', '0', '--data-dir', dataDir], {
    encoding: 'utf8',
    env: { ...process.env, PREALERT_LOG_LEVEL: 'warn' },
    timeout: 60_000,
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('starting on a full disk', () => {
  it('names the file and the full disk, and leaves no temp file', async (ctx) => {
    const disk = smallDisk(16 * 1024 * 1024);
    if (!disk) return ctx.skip();
    try {
      const dataDir = path.join(disk.dir, 'data');
      const first = await spawnSidecar(dataDir);
      expect(await first.stop()).toBe(0);

      const filler = fillDisk(disk.dir, 0);
      const none = serve(dataDir);
      expect(none.status).toBe(1);
      expect(none.output.trim()).toBe(
        `prealert: data directory ${dataDir}: cannot write ${path.join(dataDir, 'sidecar.holder.json')}: ENOSPC (the disk is full)`,
      );
      expect(fs.readdirSync(dataDir).filter((name) => name.endsWith('.tmp'))).toEqual([]);

      // Room for the holder file, none for the database's shared memory: SQLite says only "disk I/O error".
      fs.rmSync(filler);
      fillDisk(disk.dir, 4096);
      const little = serve(dataDir);
      expect(little.status).toBe(1);
      expect(little.output.trim()).toMatch(
        new RegExp(
          `^prealert: records database ${path.join(dataDir, 'prealert.sqlite')} cannot be written: the disk holding ${dataDir} is full \\(\\d+ kB free, SQLITE_(FULL|IOERR\\w*): [^)]*\\); free space on it and start again$`,
        ),
      );
      expect(fs.readdirSync(dataDir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    } finally {
      disk.release();
    }
  }, 120_000);
});
