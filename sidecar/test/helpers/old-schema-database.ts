import path from 'node:path';
import Database from 'better-sqlite3';
import { DATABASE_FILE_NAME, MIGRATIONS } from '../../src/store/database';
import { registerIdNumberMasking } from '../../src/store/stored-id-numbers';
import { registerPhoneNumberMasking } from '../../src/store/stored-phone-numbers';
import { registerStaffCodeTrimming } from '../../src/store/stored-staff-codes';

/**
 * The records database in `dataDir` as schema `version` left it (its first `version` migrations), for migration
 * tests to fill with what that version stored before the sidecar opens it. `wal`: in WAL mode, as a sidecar left it.
 * The caller closes it.
 */
export function oldSchemaDatabase(
  dataDir: string,
  version: number,
  options: { wal?: boolean } = {},
): Database.Database {
  const db = new Database(path.join(dataDir, DATABASE_FILE_NAME));
  if (options.wal) db.pragma('journal_mode = WAL');
  // The masking (schema 7 and 18) and code trimming (schema 16) migrations call the SQL functions the sidecar
  // registers before migrating.
  registerIdNumberMasking(db);
  registerPhoneNumberMasking(db);
  registerStaffCodeTrimming(db);
  for (const migration of MIGRATIONS.slice(0, version)) db.exec(migration);
  db.pragma(`user_version = ${version}`);
  return db;
}
