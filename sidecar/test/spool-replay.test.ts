import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { REJECTED_DIR_NAME, SPOOL_DIR_NAME } from '../src/spool/spool-replay';
import { analysisEnvelope, feedbackEnvelope, ID_NUMBER } from './fixtures/his-requests';
import { callService, tempDataDir, testServer } from './helpers/test-server';

/** A spool file as the native shim writes it: the header lines, a blank line, then the body. */
function spoolFile(envelope: unknown): Buffer {
  const body = Buffer.from(typeof envelope === 'string' ? envelope : JSON.stringify(envelope), 'utf8');
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

  it('logs why a spooled 3103 was rejected without quoting its body or the values it sent', async () => {
    const id = ID_NUMBER;
    const dataDir = tempDataDir();
    const spoolDir = path.join(dataDir, SPOOL_DIR_NAME);
    fs.mkdirSync(spoolDir, { recursive: true });
    // A reason written without its quotes: V8's JSON error quotes the text around it.
    const broken = JSON.stringify(feedbackEnvelope([{ jrId: 'JR-SPOOL-B', way: '1', reason: 'R' }])).replace(
      '"dspo_way_rea":"R"',
      `"dspo_way_rea":患者张三丰 ${id}`,
    );
    fs.writeFileSync(path.join(spoolDir, '0001-broken.req'), spoolFile(broken));
    fs.writeFileSync(
      path.join(spoolDir, '0002-unknown.req'),
      spoolFile(feedbackEnvelope([{ jrId: `张三丰${id}`, way: '2' }])),
    );
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const server = await testServer({ dataDir }, { logger });
    try {
      await server.listen();
      const rejectedDir = path.join(spoolDir, REJECTED_DIR_NAME);
      const deadline = Date.now() + 5_000;
      const rejectedCount = () => (fs.existsSync(rejectedDir) ? fs.readdirSync(rejectedDir).length : 0);
      while (rejectedCount() < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(rejectedCount()).toBe(2);
      const warnings = lines.filter((l) => l.msg === 'spooled 3103 cannot be stored; moved to spool/rejected');
      expect(warnings.map((w) => [w.file, w.reason])).toEqual([
        ['0001-broken.req', expect.stringMatching(/^报文不是合法的 JSON/)],
        ['0002-unknown.req', expect.stringContaining('input.data.warns[0].warn_rslt_id: 未知的提醒结果ID')],
      ]);
      const logged = JSON.stringify(lines);
      expect(logged).not.toContain('张三丰');
      expect(logged).not.toContain(id.slice(0, 12));
    } finally {
      await server.close();
    }
  });

  it('does not follow a link, wait on a FIFO or read an oversized file that another account left in the spool', async (ctx) => {
    if (process.platform === 'win32') return ctx.skip('links and FIFOs as POSIX has them');
    // A machine-wide spool takes files from every account: the sidecar reading there may read more than they may.
    const dataDir = tempDataDir();
    const spoolDir = path.join(dataDir, SPOOL_DIR_NAME);
    fs.mkdirSync(spoolDir, { recursive: true });
    const elsewhere = path.join(tempDataDir(), 'not-theirs.req');
    fs.writeFileSync(elsewhere, spoolFile(feedbackEnvelope([{ jrId: 'JR-SPOOL-LINK', way: '2' }])), { mode: 0o644 });
    fs.symlinkSync(elsewhere, path.join(spoolDir, '0001-link.req'));
    execFileSync('mkfifo', [path.join(spoolDir, '0002-fifo.req')]);
    const big = Buffer.alloc(2048, 0x20);
    fs.writeFileSync(path.join(spoolDir, '0003-big.req'), Buffer.concat([spoolFile('{}'), big]));
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const server = await testServer({ dataDir, bodyLimitBytes: 1024 }, { logger });
    try {
      await server.listen();
      const rejectedDir = path.join(spoolDir, REJECTED_DIR_NAME);
      const rejectedCount = () => (fs.existsSync(rejectedDir) ? fs.readdirSync(rejectedDir).length : 0);
      const deadline = Date.now() + 5_000;
      while (rejectedCount() < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      const warnings = lines.filter((l) => l.msg === 'spooled 3103 cannot be stored; moved to spool/rejected');
      expect(warnings.map((w) => [w.file, w.reason])).toEqual([
        ['0001-link.req', 'a symbolic link, not a spool file'],
        ['0002-fifo.req', 'not a regular file'],
        ['0003-big.req', expect.stringMatching(/^\d+ bytes, more than a request may hold \(2048\)$/)],
      ]);
      // The link was moved, not what it names: that file is neither read nor made owner-only.
      expect(fs.lstatSync(path.join(rejectedDir, '0001-link.req')).isSymbolicLink()).toBe(true);
      expect((fs.statSync(elsewhere).mode & 0o777).toString(8)).toBe('644');
    } finally {
      await server.close();
    }
  });

  it('removes rejected spool files older than the records kept (records.retentionDays)', async () => {
    const dataDir = tempDataDir();
    const rejectedDir = path.join(dataDir, SPOOL_DIR_NAME, REJECTED_DIR_NAME);
    fs.mkdirSync(rejectedDir, { recursive: true });
    const day = 86_400_000;
    const files = { old: '0001-old.req', recent: '0002-recent.req', other: 'notes.txt' };
    for (const [age, name] of [
      [40, files.old],
      [20, files.recent],
      [40, files.other],
    ] as const) {
      const file = path.join(rejectedDir, name);
      fs.writeFileSync(file, spoolFile(feedbackEnvelope([{ jrId: 'JR-SPOOL-OLD', way: '1', reason: '患者本人要求' }])));
      const at = new Date(Date.now() - age * day);
      fs.utimesSync(file, at, at);
    }
    const server = await testServer({ dataDir, records: { retentionDays: 31 } });
    try {
      expect((await callService(server, analysisEnvelope({ encounterId: 'MZ-SPOOL-RET' }))).body.infcode).toBe(0);
      await server.app.inject({ url: '/v1/stats' }); // the answer is written: the records' window is measured by it
      expect(await server.retention.prune()).toBeDefined();
      expect(fs.readdirSync(rejectedDir).sort()).toEqual([files.recent, files.other].sort());
    } finally {
      await server.close();
    }
  });
});
