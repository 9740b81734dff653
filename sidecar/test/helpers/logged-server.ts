import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { createServer, type SidecarServer } from '../../src/server';
import { DATABASE_FILE_NAME } from '../../src/store/database';
import { tempDataDir } from './test-server';

export interface LoggedServer {
  server: SidecarServer;
  dataDir: string;
  /** Where the info-level log files are written (inside dataDir). */
  logDir: string;
  /** The loopback base URL, once listening. */
  base: string;
  /** After close: every byte of the SQLite files (database, WAL) and of the log files, as a reviewer greps them. */
  storedBytes(): Buffer;
}

/** The 数据归集 platform a logged sidecar sends to; unset fields keep loggedServer's defaults. */
export interface LoggedPlatform {
  /** Default: a loopback port nothing listens on, so the decisions stay queued and the outbox is checked too. */
  url?: string;
  /** Default: the configuration's own retry times. A test awaiting deliveries sets short ones. */
  retryMinMs?: number;
  retryMaxMs?: number;
}

/** A real sidecar listening on loopback, with a fresh data dir and an info-level log file in it. */
export async function loggedServer(analysisThread = true, platform: LoggedPlatform = {}): Promise<LoggedServer> {
  const dataDir = tempDataDir();
  const logDir = path.join(dataDir, 'logs');
  const base = loadConfig({ env: {}, overrides: { dataDir, port: 0 } });
  const server = await createServer({
    config: {
      ...base,
      platform: {
        ...base.platform,
        url: platform.url ?? 'http://127.0.0.1:9/',
        retryMinMs: platform.retryMinMs ?? base.platform.retryMinMs,
        retryMaxMs: platform.retryMaxMs ?? base.platform.retryMaxMs,
      },
      analysisThread,
      log: { ...base.log, level: 'info', file: path.join(logDir, 'prealert.log') },
    },
  });
  await server.listen();
  const address = server.app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    server,
    dataDir,
    logDir,
    base: `http://127.0.0.1:${port}`,
    storedBytes: () => storedBytes(dataDir, logDir),
  };
}

/**
 * Every byte of the SQLite files (database, WAL) in `dataDir` and of the files in `logDir` (none when not given), as
 * a reviewer greps them. Read after the sidecar is closed, so the WAL holds all it will.
 */
export function storedBytes(dataDir: string, logDir?: string): Buffer {
  const filesOf = (dir: string, prefix: string) =>
    fs.existsSync(dir)
      ? fs
          .readdirSync(dir)
          .filter((f) => f.startsWith(prefix))
          .map((f) => fs.readFileSync(path.join(dir, f)))
      : [];
  return Buffer.concat([...filesOf(dataDir, DATABASE_FILE_NAME), ...(logDir === undefined ? [] : filesOf(logDir, ''))]);
}

/** An envelope fixture of test/fixtures, parsed afresh for each use. */
export function fixtureEnvelope(name: string): { input: { data: Record<string, unknown> } } & Record<string, unknown> {
  const file = path.join(import.meta.dirname, '..', 'fixtures', name);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as { input: { data: Record<string, unknown> } };
}

/** A 3103 deciding each reminder `jrIds` names, `way` with `reason`, by the 经办人 `decider` (none: blank). */
export function feedback(
  jrIds: readonly string[],
  way: '1' | '2',
  reason: string,
  decider: { code: string; name: string } = { code: '', name: '' },
): Record<string, unknown> {
  return {
    infno: '3103',
    msgid: 'H44030600001202611301000009',
    mdtrtarea_admvs: '440300',
    insuplc_admdvs: '440300',
    recer_sys_code: 'FSI',
    infver: 'V1.0',
    opter_type: '1',
    opter: decider.code,
    opter_name: decider.name,
    inf_time: '2026-11-30 10:05:00',
    fixmedins_code: 'H44030600001',
    fixmedins_name: '深圳测试医院',
    input: {
      data: {
        warn_type: '1',
        warns: jrIds.map((id) => ({ warn_rslt_id: id, dspo_way: way, dspo_way_rea: reason })),
      },
    },
  };
}
