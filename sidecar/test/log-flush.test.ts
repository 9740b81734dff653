import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLoggers } from '../src/logging';
import { tempDataDir, testServer } from './helpers/test-server';

const realWrite = fs.write;
afterEach(() => {
  (fs as { write: typeof fs.write }).write = realWrite;
});

/** Every asynchronous write to a file (sonic-boom's) completes `ms` later, as on a slow or busy disk. */
function slowWrites(ms: number): void {
  (fs as { write: unknown }).write = (...args: unknown[]) => {
    const callback = args.pop() as (...results: unknown[]) => void;
    (realWrite as (...a: unknown[]) => void)(...args, (...results: unknown[]) =>
      setTimeout(() => callback(...results), ms),
    );
  };
}

function logText(dir: string): string {
  return fs
    .readdirSync(dir)
    .map((name) => fs.readFileSync(path.join(dir, name), 'utf8'))
    .join('');
}

describe('log flush at shutdown', () => {
  it('writes the last lines before close resolves, also while a block write is in flight', async () => {
    const dataDir = tempDataDir();
    const dir = path.join(dataDir, 'logs');
    const { logger } = await openLoggers({ level: 'info', file: path.join(dir, 'prealert.log') });
    const server = await testServer({ dataDir }, { logger });
    for (let i = 0; i < 200 && !(fs.existsSync(dir) && fs.readdirSync(dir).length > 0); i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    slowWrites(300);
    // Over the 4 kB block: it goes out at once, and is still being written when close flushes.
    server.logger.info({ filler: 'x'.repeat(5000) }, 'a long line');
    server.logger.info({ marker: 'the last line before shutdown' }, 'last words');
    await server.close();
    // What serve does next is process.exit: what is not in the file now is lost.
    const text = logText(dir);
    expect(text).toContain('a long line');
    expect(text).toContain('"marker":"the last line before shutdown"');
  });
});
