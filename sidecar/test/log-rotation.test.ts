import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { CONFIG_FILE_NAME, loadConfig } from '../src/config';
import { openRollingFile } from '../src/log-rotation';
import { openLoggers } from '../src/logging';
import { createServer, type SidecarServer } from '../src/server';
import { tempDataDir } from './helpers/test-server';

/** The files written for prealert.log (prealert.<day>.<n>.log), oldest first, with their sizes. */
function rolled(dir: string): { name: string; size: number }[] {
  return fs
    .readdirSync(dir)
    .map((name) => ({ name, match: /^prealert\.(\d{4}-\d{2}-\d{2})\.(\d+)\.log$/.exec(name) }))
    .filter((f) => f.match !== null)
    .sort((a, b) =>
      a.match![1] === b.match![1] ? Number(a.match![2]) - Number(b.match![2]) : a.match![1]! < b.match![1]! ? -1 : 1,
    )
    .map(({ name }) => ({ name, size: fs.statSync(path.join(dir, name)).size }));
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

let server: SidecarServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('log file rotation', () => {
  it('rolls the log file over at its size and keeps the newest keepFiles, also of earlier runs', async () => {
    const dir = path.join(tempDataDir(), 'logs');
    fs.mkdirSync(dir);
    // Files an earlier run left (a workstation switched off every evening never rolls over at midnight), the log
    // file of a prealert before rotation, and someone else's file: only the first are prealert's to delete.
    for (let day = 1; day <= 9; day++) fs.writeFileSync(path.join(dir, `prealert.2020-01-0${day}.1.log`), 'old\n');
    fs.writeFileSync(path.join(dir, 'prealert.log'), 'before rotation\n');
    fs.writeFileSync(path.join(dir, 'other.log'), 'not ours\n');

    const maxFileBytes = 64 * 1024;
    const keepFiles = 3;
    const { logger, requestLogger } = await openLoggers({
      level: 'info',
      file: path.join(dir, 'prealert.log'),
      maxFileBytes,
      keepFiles,
    });
    // At the start, before any roll-over: the newest keepFiles of the earlier run's files and the new one stay.
    // The sweep deletes one file after another: waited for until it is through, not only past the oldest (on a
    // loaded machine the check once came between the first deletion and the rest).
    await until(() => rolled(dir).length === keepFiles + 1, 'the sweep at the start');
    expect(rolled(dir).map((f) => f.name)).toEqual([
      'prealert.2020-01-07.1.log',
      'prealert.2020-01-08.1.log',
      'prealert.2020-01-09.1.log',
      expect.stringMatching(/^prealert\.\d{4}-\d{2}-\d{2}\.1\.log$/),
    ]);

    // About 600 kB through both loggers, which share the file, a few lines at a time as requests come: some ten
    // roll-overs at 64 kB.
    for (let round = 0; round < 150; round++) {
      for (let i = 0; i < 10; i++) {
        logger.info({ round, i, patn_id: '44010000000001234567', pad: 'x'.repeat(200) }, 'redacted line');
        requestLogger.info({ round, i, route: '/fsi/api/rsfComIfsService/callService', status: 200 }, 'request');
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    // A line shorter than a block waits up to half a second to go out, unless the logger is flushed (at shutdown).
    const allText = () =>
      rolled(dir)
        .map((f) => fs.readFileSync(path.join(dir, f.name), 'utf8'))
        .join('');
    logger.info('the last line before shutdown');
    const flushed = await new Promise<string>((resolve) => logger.flush(() => resolve(allText())));
    expect(flushed).toContain('the last line before shutdown');
    // Old files are deleted after a roll-over, one after another and async: waited for until the sweep is through
    // (a fixed 200 ms was not always enough on a loaded machine), as at the start.
    await until(() => rolled(dir).length <= keepFiles + 1, 'the sweep after the last roll-over');

    const files = rolled(dir);
    // Rolled over many times (the numbering went on), and yet no more than keepFiles and the current file are left.
    expect(Number(/\.(\d+)\.log$/.exec(files.at(-1)!.name)![1])).toBeGreaterThanOrEqual(6);
    expect(files.length).toBeGreaterThanOrEqual(keepFiles);
    expect(files.length).toBeLessThanOrEqual(keepFiles + 1);
    expect(files.some((f) => f.name.startsWith('prealert.2020-'))).toBe(false);
    for (const f of files) {
      // None grew far past the size. A file is rolled over once the blocks written so far are out (sonic-boom's
      // 'drain'), so a file takes what was written meanwhile: a few kB at the pace of requests (under a flood that
      // never lets the buffer empty, more).
      expect(f.size).toBeLessThan(2 * maxFileBytes);
    }
    const text = files.map((f) => fs.readFileSync(path.join(dir, f.name), 'utf8')).join('');
    expect(text).toContain('"route":"/fsi/api/rsfComIfsService/callService"');
    expect(text).toContain('"patn_id":"[redacted]"');
    expect(text).not.toContain('44010000000001234567');
    expect(fs.readFileSync(path.join(dir, 'prealert.log'), 'utf8')).toBe('before rotation\n');
    expect(fs.readFileSync(path.join(dir, 'other.log'), 'utf8')).toBe('not ours\n');
  });

  it('names each file for the China day of the lines it holds, rolling over at Shanghai midnight', async () => {
    const dir = path.join(tempDataDir(), 'logs');
    // The file of the 15th an earlier run of the same day left: continued, not started again.
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'prealert.2026-05-15.1.log'), '{"msg":"earlier run of the 15th"}\n');
    let clock = Date.parse('2026-05-15T23:59:59.000+08:00');
    const destination = await openRollingFile({
      file: path.join(dir, 'prealert.log'),
      maxFileBytes: 64 * 1024,
      keepFiles: 5,
      minLength: 4096,
      periodicFlush: 500,
      now: () => clock,
    });
    const logger = pino({ base: null, timestamp: () => `,"time":"${new Date(clock).toISOString()}"` }, destination);
    const flush = () => new Promise<void>((resolve) => logger.flush(() => resolve()));
    logger.info('last line of the 15th');
    // Still buffered (a block is 4 kB) when the first line of the 16th comes: it must not follow it into the 15th's
    // file. 01:00 in China is 17:00 UTC the day before: the day is China's, whatever the machine's zone.
    clock = Date.parse('2026-05-16T00:00:00.001+08:00');
    logger.info('first line of the 16th');
    clock = Date.parse('2026-05-16T01:00:00.000+08:00');
    logger.info('the 16th at 01:00');
    await flush();
    // A sidecar running on past the next midnight with no timer of its own: the next line opens the 17th's file.
    clock = Date.parse('2026-05-17T09:30:00.000+08:00');
    logger.info('a line of the 17th');
    await flush();
    await until(() => rolled(dir).length === 3, 'three days of files');
    const text = (name: string) =>
      fs
        .readFileSync(path.join(dir, name), 'utf8')
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(rolled(dir).map((f) => f.name)).toEqual([
      'prealert.2026-05-15.1.log',
      'prealert.2026-05-16.1.log',
      'prealert.2026-05-17.1.log',
    ]);
    expect(text('prealert.2026-05-15.1.log')).toEqual(['earlier run of the 15th', 'last line of the 15th']);
    expect(text('prealert.2026-05-16.1.log')).toEqual(['first line of the 16th', 'the 16th at 01:00']);
    expect(text('prealert.2026-05-17.1.log')).toEqual(['a line of the 17th']);
    destination.end();
  });

  it('numbers on within the day at the size limit and starts again at .1 the next day, keeping keepFiles', async () => {
    const dir = path.join(tempDataDir(), 'logs');
    let clock = Date.parse('2026-05-15T22:00:00.000+08:00');
    const maxFileBytes = 64 * 1024;
    const destination = await openRollingFile({
      file: path.join(dir, 'prealert.log'),
      maxFileBytes,
      keepFiles: 2,
      minLength: 4096,
      periodicFlush: 500,
      now: () => clock,
    });
    const logger = pino({ base: null, timestamp: false }, destination);
    const flush = () => new Promise<void>((resolve) => logger.flush(() => resolve()));
    for (let i = 0; i < 800; i++) {
      logger.info({ i, pad: 'x'.repeat(200) }, 'the 15th');
      if (i % 50 === 49) await flush();
    }
    await flush();
    const onThe15th = rolled(dir).map((f) => f.name);
    expect(onThe15th.at(-1)).toMatch(/^prealert\.2026-05-15\.[3-9]\.log$/);
    expect(onThe15th.length).toBeLessThanOrEqual(3);
    clock = Date.parse('2026-05-16T00:00:05.000+08:00');
    logger.info('the 16th');
    await flush();
    await until(() => rolled(dir).at(-1)?.name === 'prealert.2026-05-16.1.log', "the 16th's first file");
    await until(() => rolled(dir).length === 3, 'the sweep after the roll-over');
    const files = rolled(dir).map((f) => f.name);
    expect(files.slice(0, 2).every((name) => name.startsWith('prealert.2026-05-15.'))).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'prealert.2026-05-16.1.log'), 'utf8')).not.toContain('"the 15th"');
    for (const name of files.slice(0, 2))
      expect(fs.readFileSync(path.join(dir, name), 'utf8')).not.toContain('"the 16th"');
    destination.end();
  });

  it("writes the sidecar's log to the dated file and flushes it when the sidecar stops", async () => {
    const dataDir = tempDataDir();
    const file = path.join(dataDir, 'logs', 'prealert.log');
    const base = loadConfig({ env: {}, overrides: { dataDir, port: 0 } });
    server = await createServer({ config: { ...base, analysisThread: false, log: { ...base.log, file } } });
    await server.listen();
    server.logger.info({ marker: 'written just before stopping' }, 'last words');
    await server.close();
    server = undefined;
    const [only, ...others] = rolled(path.dirname(file));
    expect(others).toEqual([]);
    const text = fs.readFileSync(path.join(path.dirname(file), only!.name), 'utf8');
    expect(text).toContain('prealert sidecar listening');
    expect(text).toContain('"marker":"written just before stopping"');
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe('log.maxFileBytes and log.keepFiles settings', () => {
  it('default to 10 MiB and 14 files, and name a bad value', () => {
    const dir = tempDataDir();
    const config = path.join(dir, CONFIG_FILE_NAME);
    expect(loadConfig({ env: { PREALERT_DATA_DIR: dir } }).log).toEqual({
      level: 'info',
      maxFileBytes: 10 * 1024 * 1024,
      keepFiles: 14,
    });
    fs.writeFileSync(
      config,
      JSON.stringify({ log: { file: 'logs/prealert.log', maxFileBytes: 1048576, keepFiles: 30 } }),
    );
    expect(loadConfig({ env: { PREALERT_DATA_DIR: dir } }).log).toEqual({
      level: 'info',
      file: path.join(dir, 'logs', 'prealert.log'),
      maxFileBytes: 1048576,
      keepFiles: 30,
    });
    fs.writeFileSync(config, JSON.stringify({ log: { maxFileBytes: 1000 } }));
    expect(() => loadConfig({ env: { PREALERT_DATA_DIR: dir } })).toThrow(
      'prealert.config.json: log.maxFileBytes must be an integer from 65536 to 1099511627776 (got 1000)',
    );
    fs.writeFileSync(config, JSON.stringify({ log: { keepFiles: 0 } }));
    expect(() => loadConfig({ env: { PREALERT_DATA_DIR: dir } })).toThrow(
      'prealert.config.json: log.keepFiles must be a positive integer',
    );
    fs.writeFileSync(config, JSON.stringify({ log: { maxFiles: 3 } }));
    expect(() => loadConfig({ env: { PREALERT_DATA_DIR: dir } })).toThrow(
      'prealert.config.json: log.maxFiles is not a known setting (level, file, maxFileBytes, keepFiles)',
    );
  });

  it('refuses at load a size or a file name the log rotation would refuse at start, and opens what it accepts', async () => {
    const dir = tempDataDir();
    const config = path.join(dir, CONFIG_FILE_NAME);
    const load = (log: Record<string, unknown>) => {
      fs.writeFileSync(config, JSON.stringify({ log }));
      return loadConfig({ env: { PREALERT_DATA_DIR: dir } });
    };
    // Written "1e+21b" for pino-roll (the rotation before), which then refused to start.
    expect(() => load({ file: 'prealert.log', maxFileBytes: 1e21 })).toThrow(
      'prealert.config.json: log.maxFileBytes must be an integer from 65536 to 1099511627776 (got 1e+21)',
    );
    for (const name of ['pre:alert.log', 'prealert?.log', 'logs|x/prealert.log']) {
      expect(() => load({ file: name }), name).toThrow(
        /^prealert\.config\.json: log\.file must not hold < > " \| \? \* : or NUL/,
      );
    }
    // The largest size allowed is one the rotation takes: the loggers open and write.
    const largest = load({ file: 'logs/prealert.log', maxFileBytes: 2 ** 40 });
    const loggers = await openLoggers(largest.log);
    loggers.logger.info('opened');
    await new Promise<void>((resolve) => loggers.logger.flush(() => resolve()));
    expect(rolled(path.join(dir, 'logs')).length).toBe(1);
  });
});
