import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config';
import { DATABASE_FILE_NAME } from '../src/store/database';
import { tempDataDir, testServer } from './helpers/test-server';

describe('a sidecar that cannot be put together', () => {
  const saved = process.env.PREALERT_SYNC_URL;
  afterEach(() => {
    if (saved === undefined) delete process.env.PREALERT_SYNC_URL;
    else process.env.PREALERT_SYNC_URL = saved;
  });

  it('stops the threads it started and closes the database before the error reaches the caller', async () => {
    const dataDir = tempDataDir();
    // Read by library sync, after the database, the record writer, the checkpointer and the analysis thread started.
    process.env.PREALERT_SYNC_URL = 'not a url';
    await expect(testServer({ dataDir })).rejects.toBeInstanceOf(ConfigError);
    const file = path.join(dataDir, DATABASE_FILE_NAME);
    expect(fs.existsSync(file)).toBe(true);
    // SQLite removes the WAL when the last connection closes: none of the three (this thread, record writer, checkpointer) was left open.
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    expect(fs.existsSync(`${file}-shm`)).toBe(false);

    // And the same data dir starts cleanly afterwards.
    delete process.env.PREALERT_SYNC_URL;
    const server = await testServer({ dataDir });
    expect(server.holder.get()?.info.source).toBe('bundled');
    await server.close();
  });
});
