import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLoggers } from '../src/logging';
import { tempDataDir } from './helpers/test-server';

describe('logging', () => {
  it('redacts patient names and identity numbers, also nested', async () => {
    const file = path.join(tempDataDir(), 'logs', 'prealert.log');
    const { logger } = createLoggers({ level: 'info', file });
    logger.info(
      {
        patn_id: '44010000000001234567',
        patient: { patn_name: '王测试', certno: '110101199001011234' },
        task_id: 'T1',
      },
      'x',
    );
    logger.info(
      { envelope: { input: { data: { patient_dtos: [{ patn_id: '44010000000001234567', psn_name: '王测试' }] } } } },
      'deep',
    );
    let text = '';
    for (let i = 0; i < 100 && !text.includes('deep'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    }
    expect(text).toContain('"task_id":"T1"');
    expect(text).toContain('[redacted]');
    expect(text).not.toMatch(/44010000000001234567|王测试|110101199001011234/);
  });
});
