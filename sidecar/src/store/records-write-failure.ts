import { isDiskFullCode } from '../disk-space';
import type { Logger } from '../logging';

/** How often, at most, a write failure that goes on is logged again: once a second filled the full disk further. */
export const WRITE_FAILURE_LOG_EVERY_MS = 5 * 60_000;

/** What /v1/status `storage.records_error` says while 3101/3102 records cannot be written. */
export interface RecordsWriteFailure {
  /** SQLite's (or the system's) error code: SQLITE_FULL, SQLITE_IOERR_WRITE, SQLITE_BUSY … */
  code: string;
  /** The cause in IT's words, with the data directory. */
  cause: string;
  /** When the first write of this spell failed (ISO). */
  since: string;
  /** Writes refused since then. */
  failures: number;
  /** Records held in memory, unwritten, after the last refused write. */
  held: number;
}

/** A SQLite or system error code in IT's words: what to look at on this workstation. */
function causeOf(code: string, dataDir: string): { zh: string; en: string } {
  if (isDiskFullCode(code)) return { zh: `磁盘已满 (${code})`, en: `the disk holding ${dataDir} is full (${code})` };
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || code === 'EACCES')
    return { zh: `数据目录不可写 (${code})`, en: `${dataDir} cannot be written (${code})` };
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return { zh: `数据库被其他程序锁住 (${code})`, en: `the records database is locked by another program (${code})` };
  if (code.startsWith('SQLITE_IOERR'))
    return { zh: `磁盘读写错误 (${code})`, en: `the disk holding ${dataDir} failed a write (${code})` };
  return { zh: `写入失败 (${code})`, en: `the write failed (${code})` };
}

/**
 * Watches the records writer for refused writes (AnalysisRecorder's onError / onWritten): a full disk held the
 * records in memory while /readyz said ready and the log got a line with a stack every second, onto the full disk.
 * Now the first refusal is logged once (warn, no stack), a spell that goes on at most every
 * WRITE_FAILURE_LOG_EVERY_MS with its count, and the end of it once; /readyz and /v1/status read `failure`.
 */
export class RecordsWriteWatch {
  private spell:
    | { code: string; message: string; since: number; failures: number; held: number; loggedAt: number }
    | undefined;

  constructor(
    private readonly logger: Pick<Logger, 'warn' | 'info'>,
    private readonly dataDir: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** A write was refused; `held`: the records now held in memory for the next attempt. */
  failed(error: unknown, held: number): void {
    const code = String((error as { code?: unknown } | null)?.code ?? (error as Error | null)?.name ?? 'Error');
    const message = (error as Error | null)?.message ?? String(error);
    const at = this.now();
    const spell = this.spell;
    if (spell === undefined) {
      this.spell = { code, message, since: at, failures: 1, held, loggedAt: at };
      this.logger.warn(
        { code, error: message, records_held: held, data_dir: this.dataDir },
        `3101/3102 records cannot be written: ${causeOf(code, this.dataDir).en}; ${held} records are held in memory and retried every second`,
      );
      return;
    }
    spell.failures++;
    spell.held = held;
    spell.code = code;
    spell.message = message;
    if (at - spell.loggedAt < WRITE_FAILURE_LOG_EVERY_MS) return;
    spell.loggedAt = at;
    this.logger.warn(
      {
        code,
        error: message,
        records_held: held,
        failures: spell.failures,
        since: new Date(spell.since).toISOString(),
      },
      `3101/3102 records still cannot be written: ${causeOf(code, this.dataDir).en}; ${spell.failures} writes refused, ${held} records held in memory`,
    );
  }

  /** A write went through with nothing left held. */
  written(): void {
    const spell = this.spell;
    if (spell === undefined) return;
    this.spell = undefined;
    this.logger.info(
      { failures: spell.failures, since: new Date(spell.since).toISOString() },
      `3101/3102 records are written again; the ${spell.held} held in memory are stored`,
    );
  }

  /** The failure going on, for /v1/status; null while records are written. */
  get failure(): RecordsWriteFailure | null {
    const spell = this.spell;
    if (spell === undefined) return null;
    return {
      code: spell.code,
      cause: causeOf(spell.code, this.dataDir).en,
      since: new Date(spell.since).toISOString(),
      failures: spell.failures,
      held: spell.held,
    };
  }

  /** The /readyz reason while records cannot be written (undefined while they are). */
  get readinessProblem(): string | undefined {
    const spell = this.spell;
    if (spell === undefined) return undefined;
    return `记录无法写入：${causeOf(spell.code, this.dataDir).zh}，${spell.held} 条 3101/3102 记录暂存内存 (${this.dataDir})，自 ${new Date(spell.since).toISOString()}`;
  }
}
