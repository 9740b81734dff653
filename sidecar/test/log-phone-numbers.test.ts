import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLoggers, errorForLog, flushLog } from '../src/logging';
import { tempDataDir } from './helpers/test-server';

describe('a phone number in a log line', () => {
  it('is masked in a text field, an error message and its stack, as an ID number is', async () => {
    const file = path.join(tempDataDir(), 'logs', 'prealert.log');
    const { logger } = createLoggers({ level: 'info', file });
    logger.info({ upstream_err_msg: '理由「已电话联系家属13812345678确认」含敏感信息' }, 'text');
    logger.error({ err: new Error('网关拒绝: 理由含座机 0571-87654321') }, 'error');
    logger.info({ task_id: 'T1', count: 3, day: '2026-11-29' }, 'kept');
    await flushLog(logger);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain('"task_id":"T1"');
    expect(text).toContain('2026-11-29');
    expect(text).toContain('家属[redacted]确认');
    expect(text).toContain('座机 [redacted]');
    expect(text).not.toMatch(/13812345678|87654321/);
  });

  it('is masked in an error message made fit for the request log line', () => {
    expect(errorForLog('反馈校验失败: 理由含 138-1234-5678 和 (010)12345678')).toBe(
      '反馈校验失败: 理由含 [redacted] 和 [redacted]',
    );
  });
});
