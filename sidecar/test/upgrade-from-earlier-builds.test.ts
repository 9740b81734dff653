/**
 * A workstation upgraded from an earlier prealert build, with the built CLI on a real data dir (review-upgrade F1, F4,
 * F5, F7): the data dir an earlier build put under `~/…` or an empty PREALERT_DATA_DIR is still found, an empty
 * PREALERT_DATA_SCOPE is the default, a records database migrated from an older schema is logged and copied first
 * (the copy opens as that schema), a newer schema's refusal says what to do, and the single log file of an earlier
 * build is made owner-only.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SECRET_FILE_NAME } from '../src/patient-pseudonym';
import { DATABASE_FILE_NAME, SCHEMA_VERSION } from '../src/store/database';
import { oldSchemaDatabase } from './helpers/old-schema-database';
import { assertBuilt, CLI, spawnSidecar } from './helpers/spawn-sidecar';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-upgrade-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
});

/** The environment without this machine's PREALERT_* settings, HOME as given. */
function cleanEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!key.startsWith('PREALERT_') && key !== 'XDG_DATA_HOME') env[key] = value;
  return { ...env, HOME: home, PREALERT_LOG_LEVEL: 'info', ...extra };
}

/**
 * `prealert serve` from `cwd` with no --data-dir, until a port file appears in one of `dataDirs` (where it started)
 * or the process exits.
 */
async function serveFrom(
  cwd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  dataDirs: string[],
): Promise<{ dataDir: string; port: number; output: () => string }> {
  assertBuilt();
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], { cwd, env, stdio: 'pipe' });
  children.push(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    for (const dataDir of dataDirs) {
      const portFile = path.join(dataDir, 'port');
      const port = fs.existsSync(portFile) ? Number(fs.readFileSync(portFile, 'utf8').split('\n')[0]) : 0;
      if (port > 0) return { dataDir, port, output: () => output };
    }
    if (child.exitCode !== null) throw new Error(`sidecar exited with ${child.exitCode}: ${output}`);
    if (Date.now() > deadline) throw new Error(`no port file within 30 s: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A data dir with records in it, written by the real sidecar (as the earlier build left it). */
async function dataDirWithRecords(dataDir: string): Promise<void> {
  const sidecar = await spawnSidecar(dataDir, [], cleanEnv(work));
  await sidecar.stop();
  const db = new Database(path.join(dataDir, DATABASE_FILE_NAME));
  db.prepare(
    `INSERT INTO tasks (task_id, infno, trig_scen, created_at, elapsed_us, library_version, encounters, results)
     VALUES ('T-EARLIER', '3101', '1', 1, 1, 'x', '[]', '[]')`,
  ).run();
  db.close();
}

async function statusDataDir(port: number): Promise<string> {
  const status = (await (await fetch(`http://127.0.0.1:${port}/v1/status`)).json()) as { where: { data_dir: string } };
  return status.where.data_dir;
}

describe('the data dir an earlier build chose', () => {
  it('"dataDir": "~/prealert-data" in the config: the folder named ~ beside it, where the records are, is kept', async () => {
    const cfg = path.join(work, 'tilde', 'cfg');
    const home = path.join(work, 'tilde', 'home');
    fs.mkdirSync(home, { recursive: true });
    const earlier = path.join(cfg, '~', 'prealert-data');
    await dataDirWithRecords(earlier);
    fs.writeFileSync(path.join(cfg, 'prealert.config.json'), JSON.stringify({ dataDir: '~/prealert-data' }));
    const now = path.join(home, 'prealert-data');

    const started = await serveFrom(cfg, ['--config', 'prealert.config.json'], cleanEnv(home), [earlier, now]);
    expect(started.dataDir).toBe(earlier);
    expect(await statusDataDir(started.port)).toBe(earlier);
    expect(fs.existsSync(path.join(now, DATABASE_FILE_NAME))).toBe(false);
    const warn = started
      .output()
      .split('\n')
      .find((line) => line.includes('"level":40') && line.includes(`using the data dir ${earlier}`));
    expect(warn).toBeDefined();
    expect(warn).toContain(`this build reads that setting as ${now}, which holds no records`);
    expect(warn).toContain(`set prealert.config.json: dataDir to ${earlier}`);
  });

  it('PREALERT_DATA_DIR= (empty): the folder it was started from, when that holds the records', async () => {
    const folder = path.join(work, 'empty', 'station');
    const home = path.join(work, 'empty', 'home');
    fs.mkdirSync(home, { recursive: true });
    await dataDirWithRecords(folder);
    const now = path.join(home, '.local', 'share', 'prealert');

    const started = await serveFrom(folder, [], cleanEnv(home, { PREALERT_DATA_DIR: '' }), [folder, now]);
    expect(started.dataDir).toBe(folder);
    expect(await statusDataDir(started.port)).toBe(folder);
    expect(started.output()).toContain(`using the data dir ${folder}`);
    expect(fs.existsSync(path.join(now, DATABASE_FILE_NAME))).toBe(false);
  });

  it('a fresh workstation with the same settings gets this build reading, and no warning', async () => {
    const cfg = path.join(work, 'fresh', 'cfg');
    const home = path.join(work, 'fresh', 'home');
    fs.mkdirSync(cfg, { recursive: true });
    fs.mkdirSync(home, { recursive: true });
    fs.writeFileSync(path.join(cfg, 'prealert.config.json'), JSON.stringify({ dataDir: '~/prealert-data' }));
    const now = path.join(home, 'prealert-data');
    const started = await serveFrom(cfg, ['--config', 'prealert.config.json'], cleanEnv(home), [now]);
    expect(started.dataDir).toBe(now);
    expect(fs.existsSync(path.join(cfg, '~'))).toBe(false);
    expect(started.output()).not.toContain('"level":40');
  });
});

it('PREALERT_DATA_SCOPE= (empty) is the per-user default, as an empty PREALERT_DATA_DIR is', async () => {
  const dataDir = path.join(work, 'scope');
  const sidecar = await spawnSidecar(dataDir, [], cleanEnv(work, { PREALERT_DATA_SCOPE: '' }));
  const status = (await (await fetch(`${sidecar.url}/v1/status`)).json()) as { where: { data_dir: string } };
  expect(status.where.data_dir).toBe(dataDir);
  await sidecar.stop();
});

describe('records database of another schema', () => {
  it('from schema 1: one info line, and a copy that opens as schema 1 with its records, made once', async () => {
    const dataDir = path.join(work, 'schema1');
    fs.mkdirSync(dataDir);
    fs.writeFileSync(path.join(dataDir, SECRET_FILE_NAME), `${'ab'.repeat(32)}\n`);
    const old = oldSchemaDatabase(dataDir, 1, { wal: true });
    old
      .prepare(
        `INSERT INTO tasks (task_id, infno, trig_scen, created_at, elapsed_us, library_version, encounters, results)
       VALUES ('T-SCHEMA1', '3101', '1', 1, 1, 'x', '[]', '[]')`,
      )
      .run();
    old.pragma('wal_autocheckpoint = 0');
    // Left in the WAL, as a sidecar killed before a checkpoint leaves it: the copy must hold it too.
    old
      .prepare(
        `INSERT INTO tasks (task_id, infno, trig_scen, created_at, elapsed_us, library_version, encounters, results)
       VALUES ('T-IN-WAL', '3101', '1', 2, 1, 'x', '[]', '[]')`,
      )
      .run();
    const file = path.join(dataDir, DATABASE_FILE_NAME);
    const walCopy = fs.readFileSync(`${file}-wal`);
    old.close();
    // close() checkpoints and removes the WAL; a killed sidecar would not have: put it back as it was.
    expect(walCopy.length).toBeGreaterThan(0);
    fs.writeFileSync(`${file}-wal`, walCopy);

    const sidecar = await spawnSidecar(dataDir, [], cleanEnv(work));
    await sidecar.stop();
    const backup = `${file}.schema1.bak`;
    const lines = sidecar
      .output()
      .split('\n')
      .filter((line) => line.includes('records database migrated'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`records database migrated from schema 1 to ${SCHEMA_VERSION}`);
    expect(lines[0]).toContain('"level":30');
    expect(lines[0]).toContain(backup);
    expect(fs.statSync(backup).mode & 0o777).toBe(0o600);
    const copy = new Database(backup, { readonly: true });
    expect(copy.pragma('user_version', { simple: true })).toBe(1);
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(copy.prepare('SELECT task_id FROM tasks ORDER BY id').pluck().all()).toEqual(['T-SCHEMA1', 'T-IN-WAL']);
    // The tables and indexes of schema 1, no more: what the older build opens as its own.
    const reference = path.join(work, 'schema1-reference');
    fs.mkdirSync(reference);
    const schema1 = oldSchemaDatabase(reference, 1);
    const objects = (db: Database.Database) =>
      db.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all();
    expect(objects(copy)).toEqual(objects(schema1));
    schema1.close();
    copy.close();
    const migrated = new Database(file, { readonly: true });
    expect(migrated.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    migrated.close();

    // No migration, no copy and no line.
    const copiedAt = fs.statSync(backup).mtimeMs;
    const again = await spawnSidecar(dataDir, [], cleanEnv(work));
    await again.stop();
    expect(again.output()).not.toContain('records database migrated');
    expect(fs.statSync(backup).mtimeMs).toBe(copiedAt);
    expect(fs.readdirSync(dataDir).filter((name) => name.includes('.bak'))).toEqual(['prealert.sqlite.schema1.bak']);
  });

  it('a copy that cannot be made stops the start before anything is migrated', async () => {
    const dataDir = path.join(work, 'no-copy');
    fs.mkdirSync(dataDir);
    oldSchemaDatabase(dataDir, 1).close();
    const file = path.join(dataDir, DATABASE_FILE_NAME);
    // A folder where the copy goes: it cannot be written, as on a full disk.
    fs.mkdirSync(`${file}.schema1.bak.partial`);
    const result = spawnSync(process.execPath, [CLI, 'serve', '--port', '0', '--data-dir', dataDir], {
      env: cleanEnv(work),
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `records database ${file} must be migrated from schema 1 to ${SCHEMA_VERSION}, but no copy of it could be made first`,
    );
    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    db.close();
  });

  it('a newer schema is refused naming the schema it needs and the copy to restore for this build', () => {
    const dataDir = path.join(work, 'newer');
    fs.mkdirSync(dataDir);
    const db = oldSchemaDatabase(dataDir, SCHEMA_VERSION);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const file = path.join(dataDir, DATABASE_FILE_NAME);
    const serve = () =>
      spawnSync(process.execPath, [CLI, 'serve', '--port', '0', '--data-dir', dataDir], {
        env: cleanEnv(work),
        encoding: 'utf8',
        timeout: 30_000,
      });
    const without = serve();
    expect(without.status).toBe(1);
    expect(without.stderr).toContain(
      `${file} has schema version ${SCHEMA_VERSION + 1}, newer than this prealert (${SCHEMA_VERSION}): it was written by a later prealert build; run a build with records schema ${SCHEMA_VERSION + 1} or later; no copy of it from schema ${SCHEMA_VERSION}`,
    );
    fs.copyFileSync(file, `${file}.schema${SCHEMA_VERSION}.bak`);
    const withCopy = serve();
    expect(withCopy.status).toBe(1);
    expect(withCopy.stderr).toContain(
      `or, to run this build, stop prealert, move prealert.sqlite (with any -wal and -shm beside it) aside and copy ${file}.schema${SCHEMA_VERSION}.bak`,
    );
    expect(withCopy.stderr.trim().split('\n')).toHaveLength(1);
  });
});

it.skipIf(process.platform === 'win32')(
  "an earlier build's single log file (log.file) is made owner-only at start and kept",
  async () => {
    const dataDir = path.join(work, 'old-log');
    fs.mkdirSync(path.join(dataDir, 'logs'), { recursive: true });
    fs.writeFileSync(
      path.join(dataDir, 'prealert.config.json'),
      JSON.stringify({ log: { file: 'logs/prealert.log' } }),
    );
    const earlierLog = path.join(dataDir, 'logs', 'prealert.log');
    fs.writeFileSync(earlierLog, '{"msg":"request","task_id":"T-王秀英"}\n', { mode: 0o644 });
    fs.chmodSync(earlierLog, 0o644);
    const sidecar = await spawnSidecar(dataDir, [], cleanEnv(work));
    for (let i = 0; i < 100 && (fs.statSync(earlierLog).mode & 0o777) !== 0o600; i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    await sidecar.stop();
    expect((fs.statSync(earlierLog).mode & 0o777).toString(8)).toBe('600');
    expect(fs.readFileSync(earlierLog, 'utf8')).toContain('T-王秀英');
  },
);
