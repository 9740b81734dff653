import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLoggers, errorForLog, flushLog } from '../src/logging';
import { fixtureEnvelope, loggedServer } from './helpers/logged-server';
import { callOverHttp, tempDataDir } from './helpers/test-server';

describe('a phone number in a log line', () => {
  it('is masked in a text field, an error message and its stack, as an ID number is', async () => {
    const file = path.join(tempDataDir(), 'logs', 'prealert.log');
    const { logger } = createLoggers({ level: 'info', file });
    logger.info(
      { upstream_err_msg: '理由「已电话联系家属13812345678确认，给药时间 0730 1130 1730」含敏感信息' },
      'text',
    );
    logger.error({ err: new Error('网关拒绝: 理由含座机 0571-87654321') }, 'error');
    logger.info({ task_id: 'T1', count: 3, day: '2026-11-29' }, 'kept');
    await flushLog(logger);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain('"task_id":"T1"');
    expect(text).toContain('2026-11-29');
    expect(text).toContain('家属[redacted]确认');
    // Times split by spaces, as an area code and a local number would be: kept.
    expect(text).toContain('给药时间 0730 1130 1730');
    expect(text).toContain('座机 [redacted]');
    expect(text).not.toMatch(/13812345678|87654321/);
  });

  it('is masked in an error message made fit for the request log line', () => {
    expect(errorForLog('反馈校验失败: 理由含 138-1234-5678 和 (010)62345678')).toBe(
      '反馈校验失败: 理由含 [redacted] 和 [redacted]',
    );
  });

  // The request line skips the redaction pass other lines go through; its task id is masked where the line is built.
  it("is masked in the request line's task_id of a real sidecar, as an ID number there is", async () => {
    const sidecar = await loggedServer(false);
    const envelope = fixtureEnvelope('chronic-visit-1.json');
    // A HIS whose mapping slipped a column: the family's phone numbers where its own task id belongs.
    envelope.input.data.task_id = '家属13812345678/电话0571 8765 4321';
    try {
      const reply = await callOverHttp(sidecar.server, envelope);
      expect(reply.body.infcode, reply.body.err_msg).toBe(0);
    } finally {
      await sidecar.server.close();
    }
    // Every log file (the rolling file's name carries its day).
    const log = fs
      .readdirSync(sidecar.logDir)
      .map((file) => fs.readFileSync(path.join(sidecar.logDir, file), 'utf8'))
      .join('\n');
    const line = log.split('\n').find((l) => l.includes('"msg":"request"') && l.includes('"infno":"3101"'));
    expect(JSON.parse(line ?? '{}').task_id).toBe('家属[redacted]/电话[redacted]');
    expect(log).not.toMatch(/13812345678|8765 4321/);
  });
});
