/**
 * Each migration of the records database leaves a whole copy of it (prealert.sqlite.schema<N>.bak): a workstation
 * upgraded build after build gathered one per schema, never removed. After a migration only the copies of the
 * newest two schemas are kept, the one just made always among them, with an info line naming what was removed.
 * Real SQLite files of the older schemas, a real sidecar opening them.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE_NAME, SCHEMA_VERSION, schemaBackupFile } from '../src/store/database';
import { SCHEMA_BACKUPS_KEPT } from '../src/store/schema-backups';
import { capturingLogger } from './helpers/capturing-logger';
import { oldSchemaDatabase } from './helpers/old-schema-database';
import { tempDataDir, testServer } from './helpers/test-server';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A data dir whose records database is at `schema`, beside real copies of the database at each of `copies`. */
function dataDirAt(schema: number, copies: number[]): { dataDir: string; file: string } {
  const dataDir = tempDataDir();
  dirs.push(dataDir);
  const file = path.join(dataDir, DATABASE_FILE_NAME);
  for (const copy of copies) {
    const scratch = tempDataDir();
    dirs.push(scratch);
    oldSchemaDatabase(scratch, copy).close();
    fs.copyFileSync(path.join(scratch, DATABASE_FILE_NAME), schemaBackupFile(file, copy));
  }
  oldSchemaDatabase(dataDir, schema).close();
  return { dataDir, file };
}

const backups = (dataDir: string) =>
  fs
    .readdirSync(dataDir)
    .filter((name) => name.includes('.bak'))
    .sort();

const schemaOf = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma('user_version', { simple: true });
  } finally {
    db.close();
  }
};

async function start(dataDir: string) {
  const { logger, lines } = capturingLogger();
  const server = await testServer({ dataDir }, { logger });
  await server.close();
  return lines;
}

describe('records database copies after a migration', () => {
  it('keeps the newest two schemas, the one just made among them, and says what it removed', async () => {
    const older = [SCHEMA_VERSION - 4, SCHEMA_VERSION - 3, SCHEMA_VERSION - 2];
    const { dataDir, file } = dataDirAt(SCHEMA_VERSION - 1, older);
    const lines = await start(dataDir);

    const made = schemaBackupFile(file, SCHEMA_VERSION - 1);
    expect(SCHEMA_BACKUPS_KEPT).toBe(2);
    expect(backups(dataDir)).toEqual([path.basename(schemaBackupFile(file, SCHEMA_VERSION - 2)), path.basename(made)]);
    expect(schemaOf(made)).toBe(SCHEMA_VERSION - 1);
    expect(schemaOf(schemaBackupFile(file, SCHEMA_VERSION - 2))).toBe(SCHEMA_VERSION - 2);
    expect(schemaOf(file)).toBe(SCHEMA_VERSION);

    const removed = lines.filter((line) => String(line.msg).startsWith('removed 2 older records database copies'));
    expect(removed).toHaveLength(1);
    expect(removed[0]).toMatchObject({
      level: 30,
      removed: [schemaBackupFile(file, SCHEMA_VERSION - 4), schemaBackupFile(file, SCHEMA_VERSION - 3)],
      kept: [made, schemaBackupFile(file, SCHEMA_VERSION - 2)],
    });
    expect(String(removed[0]!.msg)).toContain(`prealert.sqlite.schema${SCHEMA_VERSION - 4}.bak`);
    // The migration's own line comes first: the copy is made before anything older goes.
    const migratedAt = lines.findIndex((line) => String(line.msg).startsWith('records database migrated'));
    expect(migratedAt).toBeGreaterThanOrEqual(0);
    expect(migratedAt).toBeLessThan(lines.indexOf(removed[0]!));
  });

  it('never removes the copy just made, though copies of higher schemas are beside it', async () => {
    // Rolled back to an older build by restoring its copy, then upgraded again: the copy made now is of a lower
    // schema than those an earlier upgrade left.
    const low = SCHEMA_VERSION - 5;
    const { dataDir, file } = dataDirAt(low, [SCHEMA_VERSION - 3, SCHEMA_VERSION - 2, SCHEMA_VERSION - 1]);
    const lines = await start(dataDir);
    expect(backups(dataDir)).toEqual(
      [schemaBackupFile(file, SCHEMA_VERSION - 1), schemaBackupFile(file, low)].map((f) => path.basename(f)).sort(),
    );
    expect(schemaOf(schemaBackupFile(file, low))).toBe(low);
    expect(lines.find((line) => String(line.msg).startsWith('removed 2 older'))).toMatchObject({
      kept: [schemaBackupFile(file, SCHEMA_VERSION - 1), schemaBackupFile(file, low)],
    });
  });

  it('removes nothing without a migration, nor what is not a copy of this database', async () => {
    const { dataDir, file } = dataDirAt(SCHEMA_VERSION, [1, 2, 3]);
    // Not copies prealert made: a copy cut short, and IT's own under another name.
    fs.mkdirSync(`${schemaBackupFile(file, 4)}.partial`);
    fs.writeFileSync(path.join(dataDir, 'prealert.sqlite.schema5.bak.keep'), 'IT');
    const lines = await start(dataDir);
    expect(backups(dataDir)).toEqual([
      'prealert.sqlite.schema1.bak',
      'prealert.sqlite.schema2.bak',
      'prealert.sqlite.schema3.bak',
      'prealert.sqlite.schema4.bak.partial',
      'prealert.sqlite.schema5.bak.keep',
    ]);
    expect(lines.filter((line) => String(line.msg).includes('older records database'))).toEqual([]);

    // Migrated from here on, the strays stay, and so do the two newest copies.
    const next = dataDirAt(SCHEMA_VERSION - 1, [1, 2, 3]);
    fs.mkdirSync(`${schemaBackupFile(next.file, 4)}.partial`);
    await start(next.dataDir);
    expect(backups(next.dataDir)).toEqual([
      `prealert.sqlite.schema${SCHEMA_VERSION - 1}.bak`,
      'prealert.sqlite.schema3.bak',
      'prealert.sqlite.schema4.bak.partial',
    ]);
  });
});
