import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { REJECTED_DIR_NAME, SPOOL_DIR_NAME } from '../src/spool/spool-replay';
import { feedbackEnvelope } from './fixtures/his-requests';
import { tempDataDir, testServer } from './helpers/test-server';

/** A spool file as the native shim writes it: the header lines, a blank line, then the body. */
function spoolFile(envelope: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(envelope), 'utf8');
  const head = `prealert-spool 1\ninfno: 3103\ncharset: utf-8\ntime_ms: ${Date.now()}\nlength: ${body.length}\n\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

describe('spool replay', () => {
  it('moves a spooled 3103 whose infno is a JSON object to rejected/ instead of retrying it forever', async () => {
    const dataDir = tempDataDir();
    const spoolDir = path.join(dataDir, SPOOL_DIR_NAME);
    fs.mkdirSync(spoolDir, { recursive: true });
    const envelope = { ...feedbackEnvelope([{ jrId: 'JR-SPOOL-X', way: '2' }]), infno: { toString: 1 } };
    fs.writeFileSync(path.join(spoolDir, '0001-a.req'), spoolFile(envelope));
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const server = await testServer({ dataDir }, { logger });
    try {
      await server.listen();
      const rejected = path.join(spoolDir, REJECTED_DIR_NAME, '0001-a.req');
      const deadline = Date.now() + 5_000;
      while (!fs.existsSync(rejected) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(fs.existsSync(rejected)).toBe(true);
      expect(fs.readdirSync(spoolDir)).toEqual([REJECTED_DIR_NAME]);
      expect(lines.filter((l) => l.msg === 'replaying a spooled 3103 failed; kept for the next pass')).toEqual([]);
      const warning = lines.find((l) => l.msg === 'spooled 3103 cannot be stored; moved to spool/rejected');
      expect(warning?.reason).toBe('infno: 报文中的 JSON 对象 与 3103 不一致');
    } finally {
      await server.close();
    }
  });
});
