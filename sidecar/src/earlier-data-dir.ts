import fs from 'node:fs';
import path from 'node:path';

/** The records database's file name (store/database.ts), repeated here so that reading the config opens no SQLite. */
const RECORDS_FILE = 'prealert.sqlite';

/**
 * How the setting that names the data dir was written, and where builds before e9f43b0 put the data dir for it: they
 * took a leading `~` literally (a folder named `~` beside the config file, or in the folder prealert was started
 * from) and an empty PREALERT_DATA_DIR as that folder itself. Only settings those builds read differently are
 * described; for the rest both readings are the same folder.
 */
export interface EarlierReading {
  /** The setting as IT knows it: `PREALERT_DATA_DIR`, `--data-dir`, `prealert.config.json: dataDir`. */
  setting: string;
  value: string;
  /** The folder the earlier builds used for it. */
  earlierDir: string;
}

/**
 * Whether `value` starts with the account's home, `~/` (or `~\` on Windows) or `~` alone: how config/path-setting.ts reads path
 * settings, and what builds before e9f43b0 read differently (literally).
 */
export function readByHomeNow(value: string): boolean {
  return (process.platform === 'win32' ? /^~(?:[\\/]|$)/ : /^~(?:\/|$)/).test(value);
}

export interface SettledDataDir {
  dataDir: string;
  /** The earlier reading was taken. */
  moved: boolean;
  /** A warn line for the start, when the two readings name different folders and one of them holds records. */
  notice?: string;
}

/**
 * The data dir to use, given this build's reading of the setting (`dataDir`) and the earlier builds' (`earlier`).
 * A workstation upgraded from an earlier build keeps its records, outbox, library and install secret where that build
 * put them: when only the earlier folder holds a records database, it is used, with a warn line naming both and what
 * to do. Stopping instead would leave every such workstation of a roll-out answering nothing until IT edits it, and
 * starting on the empty folder forgets what it acknowledged. When both hold one, this build's reading wins (a build
 * since e9f43b0 already started there) and the line says the other is no longer read.
 */
export function settleDataDir(thisReading: () => string, earlier: EarlierReading): SettledDataDir | undefined {
  // Looked at first: this build's reading may need the home, which a data dir named otherwise does not.
  if (!fs.existsSync(path.join(earlier.earlierDir, RECORDS_FILE))) return undefined;
  const dataDir = thisReading();
  if (path.resolve(earlier.earlierDir) === path.resolve(dataDir)) return undefined;
  const how = `${earlier.setting} ${JSON.stringify(earlier.value)}`;
  if (!fs.existsSync(path.join(dataDir, RECORDS_FILE)))
    return {
      dataDir: earlier.earlierDir,
      moved: true,
      notice: `using the data dir ${earlier.earlierDir}, where prealert builds before 2026-11-30 put it for ${how}; this build reads that setting as ${dataDir}, which holds no records: set ${earlier.setting} to ${earlier.earlierDir} to keep it there, or stop prealert and move that folder to ${dataDir}`,
    };
  return {
    dataDir,
    moved: false,
    notice: `${how} names the data dir ${dataDir} (this build's reading); the earlier reading ${earlier.earlierDir} also holds a records database, which is no longer read: to use that one, stop prealert and set ${earlier.setting} to ${earlier.earlierDir}`,
  };
}
