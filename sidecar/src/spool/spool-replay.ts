import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { quoteValue, type RequestEnvelope } from '@prealert/core';
import type { FastifyInstance } from 'fastify';
import { errorForLog, type Logger } from '../logging';
import { CharsetError, decodeBody, requestCharset } from '../national/body-charset';
import type { NationalService } from '../national/national-service';
import { OWNER_ONLY_DIR, restrictToOwnerAsync } from '../owner-only';
import type { DispositionStore } from '../store/dispositions';
import { parseSpoolFile, SPOOL_FILE_SUFFIX, SPOOL_TEMP_SUFFIX, SpoolFileError } from './spool-file';

export const SPOOL_DIR_NAME = 'spool';
export const REJECTED_DIR_NAME = 'rejected';
const DEFAULT_INTERVAL_MS = 3000;
/** A temp file this old was left by a shim that died mid-write: it will never be renamed. */
const STALE_TEMP_MS = 3600_000;

export interface SpoolReplayOptions {
  service: NationalService;
  dispositions: DispositionStore;
  dataDir: string;
  logger: Logger;
  /** Where the shim spools (default `<data dir>/spool`, as the shim's default). */
  spoolDir?: string;
  /**
   * The largest request body the sidecar takes (bodyLimitBytes): a file whose body is larger would have been refused
   * over HTTP too, and is rejected unread.
   */
  maxBodyBytes?: number;
  intervalMs?: number;
  /** Called once the first pass has ended (stored, kept or failed): what waits for the spool to be in. */
  onFirstPass?: () => void;
}

export interface ReplayPass {
  replayed: number;
  rejected: number;
  /** Left in place for the next pass (the service threw: the database may be busy). */
  kept: number;
}

type Disposition = { done: true } | { done: false; reason: string };

/**
 * Replays the 3103 decisions the native shim spooled while this sidecar was unreachable, through the same service
 * the HTTP route uses. A file is deleted only once its decisions are durably stored (DispositionStore.record is
 * fsynced); a file that can never be stored (unreadable, schema error, unknown jr_id) goes to `rejected/`.
 * Replaying twice is harmless: a repeated decision is a no-op.
 */
export class SpoolReplayer {
  private readonly spoolDir: string;
  private running: Promise<ReplayPass> | undefined;

  constructor(private readonly options: SpoolReplayOptions) {
    this.spoolDir = options.spoolDir ?? path.join(options.dataDir, SPOOL_DIR_NAME);
  }

  /** One pass over the spool, oldest first; concurrent callers share the pass in progress. */
  replayAll(): Promise<ReplayPass> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Resolves once the pass in progress, if any, has finished (so the database is not closed under it). */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  private async pass(): Promise<ReplayPass> {
    const outcome: ReplayPass = { replayed: 0, rejected: 0, kept: 0 };
    let names: string[];
    try {
      names = await fs.readdir(this.spoolDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return outcome;
      throw error;
    }
    // File names start with the zero-padded time: sorted, a doctor's later decision is replayed after the earlier.
    for (const name of names.sort()) {
      if (name.endsWith(SPOOL_TEMP_SUFFIX)) await this.removeIfStale(name);
      if (!name.endsWith(SPOOL_FILE_SUFFIX)) continue;
      const file = path.join(this.spoolDir, name);
      let disposition: Disposition;
      try {
        disposition = await this.replayFile(file);
      } catch (error) {
        outcome.kept++;
        this.options.logger.error(
          { err: error, file: name },
          'replaying a spooled 3103 failed; kept for the next pass',
        );
        continue;
      }
      if (disposition.done) {
        await fs.rm(file, { force: true });
        outcome.replayed++;
      } else {
        await this.reject(name, disposition.reason);
        outcome.rejected++;
      }
    }
    if (outcome.replayed + outcome.rejected + outcome.kept > 0) {
      this.options.logger.info({ ...outcome, spool_dir: this.spoolDir }, 'spooled 3103 decisions replayed');
    }
    return outcome;
  }

  private async replayFile(file: string): Promise<Disposition> {
    let bytes: Buffer;
    try {
      const read = await readSpoolFile(file, (this.options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES) + SPOOL_HEAD_BYTES);
      if (typeof read === 'string') return { done: false, reason: read };
      bytes = read;
    } catch (error) {
      // Another pass (or another sidecar on this data dir) already took it.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { done: true };
      throw error;
    }
    let envelope: RequestEnvelope;
    let json: string;
    let spooledAt: Date;
    try {
      const spooled = parseSpoolFile(bytes);
      if (spooled.infno !== '3103') return { done: false, reason: `infno ${spooled.infno}: only 3103 is spooled` };
      spooledAt = spooled.spooledAt;
      json = decodeBody(spooled.body, requestCharset(`application/json; charset=${spooled.charset}`));
      const body = JSON.parse(json) as unknown;
      let parsed: RequestEnvelope | string;
      try {
        parsed = toEnvelope(body, spooled.infno);
      } catch (error) {
        // Whatever the file holds, reading it as an envelope throwing means it never will be one: retrying every
        // few seconds would only repeat the stack in the log.
        parsed = `报文无法读取为请求 (${error instanceof Error ? error.name : 'error'})`;
      }
      if (typeof parsed === 'string') return { done: false, reason: parsed };
      envelope = parsed;
    } catch (error) {
      if (error instanceof SyntaxError) {
        // Only where, never V8's message: it quotes pieces of the body (a reason naming the patient), as the
        // national route does.
        const position = /at position (\d+)/.exec(error.message)?.[1];
        return { done: false, reason: `报文不是合法的 JSON${position === undefined ? '' : `，位置 ${position}`}` };
      }
      if (error instanceof SpoolFileError || error instanceof CharsetError) {
        return { done: false, reason: error.message };
      }
      throw error;
    }
    if (this.dropSuperseded(envelope, spooledAt)) return { done: true };
    const answer = await this.options.service.handle({
      infno: '3103',
      envelope,
      json,
      receivedAt: spooledAt,
      startedAt: performance.now(),
    });
    if (answer.ok) return { done: true };
    return { done: false, reason: answer.envelope.err_msg || 'infcode -1' };
  }

  /**
   * Removes decisions the doctor changed again after this one was spooled (the sidecar was back for the later call):
   * replaying the older one would overwrite the newer. Returns true when nothing is left to store.
   */
  private dropSuperseded(envelope: RequestEnvelope, spooledAt: Date): boolean {
    const data = (envelope.input as { data?: { warns?: unknown } } | undefined)?.data;
    if (!data || !Array.isArray(data.warns) || data.warns.length === 0) return false;
    const kept = data.warns.filter((warn: unknown) => {
      const id = (warn as { warn_rslt_id?: unknown } | null)?.warn_rslt_id;
      if (typeof id !== 'string') return true; // the service names the bad field
      const stored = this.options.dispositions.get(id);
      return !stored || stored.at <= spooledAt.getTime();
    });
    data.warns = kept;
    return kept.length === 0;
  }

  private async reject(name: string, reason: string): Promise<void> {
    const rejectedDir = path.join(this.spoolDir, REJECTED_DIR_NAME);
    await fs.mkdir(rejectedDir, { recursive: true, mode: OWNER_ONLY_DIR });
    await fs.rename(path.join(this.spoolDir, name), path.join(rejectedDir, name));
    // The shim creates its files owner-only; one written otherwise (by hand, an older shim) is made so, as it is
    // kept for up to the records' retention. Not a link another account left in a machine-wide spool: chmod follows
    // it, to whatever file it names. Nobody else can change what rejected/ holds between the look and the chmod.
    const moved = await fs.lstat(path.join(rejectedDir, name)).catch(() => undefined);
    if (moved?.isFile()) await restrictToOwnerAsync(path.join(rejectedDir, name));
    // The reason may be the service's err_msg, which quotes what was sent (an unknown warn_rslt_id): the field and
    // why are logged, not the value.
    this.options.logger.warn(
      { file: name, reason: errorForLog(reason) },
      'spooled 3103 cannot be stored; moved to spool/rejected',
    );
  }

  private async removeIfStale(name: string): Promise<void> {
    const file = path.join(this.spoolDir, name);
    const stat = await fs.stat(file).catch(() => undefined);
    if (stat && Date.now() - stat.mtimeMs > STALE_TEMP_MS) await fs.rm(file, { force: true });
  }
}

/** Room for the head before the body (spool-file.ts reads at most 1 KiB of it). */
const SPOOL_HEAD_BYTES = 1024;
/** As the sidecar's own default bodyLimitBytes. */
const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * A spool file's bytes, or why it is not one to read. A machine-wide sidecar's spool takes files from every account
 * (machine-scope-sharing.ts): what one puts there must not make the sidecar, which may read more than that account,
 * follow a link to its own files, wait for ever on a FIFO, or read /dev/zero-sized data. So a symbolic link is not
 * followed, nothing but a regular file is read, and nothing larger than `maxBytes`.
 */
async function readSpoolFile(file: string, maxBytes: number): Promise<Buffer | string> {
  let handle: fs.FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO with no writer would otherwise wait; a regular file reads as usual.
    handle = await fs.open(file, fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0) | (fsConstants.O_NONBLOCK ?? 0));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') return 'a symbolic link, not a spool file';
    throw error;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return 'not a regular file';
    if (stat.size > maxBytes) return `${stat.size} bytes, more than a request may hold (${maxBytes})`;
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/**
 * Removes the rejected spool files last written before `beforeMs` (records.retentionDays: they hold whole 3103
 * bodies, reasons included, and are kept no longer than the records). Returns how many went.
 */
export async function pruneRejectedSpool(spoolDir: string, beforeMs: number): Promise<number> {
  const rejectedDir = path.join(spoolDir, REJECTED_DIR_NAME);
  let names: string[];
  try {
    names = await fs.readdir(rejectedDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let removed = 0;
  for (const name of names) {
    if (!name.endsWith(SPOOL_FILE_SUFFIX)) continue;
    const file = path.join(rejectedDir, name);
    // lstat: a link (rejected unread) is removed by its own date, never followed; a folder is left alone.
    const stat = await fs.lstat(file).catch(() => undefined);
    if (stat === undefined || stat.isDirectory() || stat.mtimeMs >= beforeMs) continue;
    await fs.rm(file, { force: true });
    removed++;
  }
  return removed;
}

/** As the shim route reads a body: the whole envelope, or only its input. A string names what is wrong. */
function toEnvelope(body: unknown, infno: string): RequestEnvelope | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return '请求体应为 JSON 对象';
  const record = body as Record<string, unknown>;
  if (!('input' in record)) return { infno, input: record } as RequestEnvelope;
  const envelope = record as RequestEnvelope;
  // Compared as text (a number too), as the shim route does; never String() of whatever was spooled: of a JSON
  // object with a "toString" key it throws.
  const sent: unknown = typeof envelope.infno === 'number' ? String(envelope.infno) : envelope.infno;
  if (sent !== undefined && sent !== infno) return `infno: 报文中的 ${quoteValue(sent)} 与 ${infno} 不一致`;
  envelope.infno = infno;
  return envelope;
}

/** Registers the replayer: a pass when the server is ready, then every few seconds until it closes. */
export async function spoolReplay(app: FastifyInstance, options: SpoolReplayOptions): Promise<void> {
  const replayer = new SpoolReplayer(options);
  let timer: NodeJS.Timeout | undefined;
  let first = true;
  const tick = () => {
    const pass = replayer
      .replayAll()
      .catch((error: unknown) => options.logger.error({ err: error }, 'spool replay pass failed'));
    if (first) {
      first = false;
      void pass.finally(() => options.onFirstPass?.());
    }
  };
  // Not awaited: a full spool must not delay the start, and the HTTP route answers meanwhile.
  app.addHook('onReady', async () => {
    tick();
    timer = setInterval(tick, options.intervalMs ?? DEFAULT_INTERVAL_MS);
    timer.unref();
  });
  app.addHook('onClose', async () => {
    clearInterval(timer);
    await replayer.idle();
  });
}
