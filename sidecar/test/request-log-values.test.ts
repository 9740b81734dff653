/**
 * The request log line of a real sidecar writing its own log file: a field error's message quotes the value sent
 * (a name where a date belongs), the HIS's task_id and infno are its own text. The answer to the HIS may keep them;
 * the log file may not.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { createServer } from '../src/server';
import { analysisEnvelope, feedbackEnvelope, ID_NUMBER } from './fixtures/his-requests';
import { callOverHttp, tempDataDir } from './helpers/test-server';

const ID = ID_NUMBER;
/** What is left of ID when a text is cut before it is masked: 17 digits no longer look like an ID number. */
const ID_STUB = ID.slice(0, 17);

/** Header values are ASCII on the wire: the ASCII cue forms and a landline split 4-4. */
const UA_WITH_PHONES = 'HIS/2.1 (support 0571 87654321; Tel. 138 1234 5678)';

type Envelope = {
  infno: string;
  input: { data: Record<string, unknown> & { patient_dtos: Record<string, unknown>[] } };
};

describe('the request log line', () => {
  it('names the field but never the value sent, masks ID numbers in task_id and drops an infno that is no code', async () => {
    const dataDir = tempDataDir();
    const logDir = path.join(dataDir, 'logs');
    const base = loadConfig({ env: {}, overrides: { dataDir, port: 0 } });
    const server = await createServer({
      config: { ...base, log: { ...base.log, level: 'info', file: path.join(logDir, 'prealert.log') } },
    });
    const answers: string[] = [];
    try {
      await server.listen();
      const ask = async (envelope: unknown, headers?: Record<string, string>) => {
        const reply = await callOverHttp(server, envelope, { headers });
        answers.push(reply.raw.toString('utf8'));
        return reply.body;
      };
      // A HIS whose field mapping shifted by a column: a name in the birth date, in the scene.
      const brdy = analysisEnvelope({ encounterId: 'MZ-LOG-1' }) as Envelope;
      brdy.input.data.patient_dtos[0]!.brdy = '张三丰';
      expect((await ask(brdy)).err_msg).toContain('张三丰');
      const scene = analysisEnvelope({ encounterId: 'MZ-LOG-2' }) as Envelope;
      scene.input.data.trig_scen = '黄月英';
      expect((await ask(scene)).err_msg).toContain('黄月英');
      const unknown = await ask(feedbackEnvelope([{ jrId: `欧阳娜娜${ID}`, way: '2' }]));
      expect(unknown.err_msg).toContain('欧阳娜娜');
      // A task_id and an infno with an ID number in them.
      // …and a client whose User-Agent carries one (the shim names its build there, a HIS may put anything).
      const withId = analysisEnvelope({ encounterId: 'MZ-LOG-3', taskId: `${ID}-诸葛亮` });
      expect((await ask(withId, { 'user-agent': `HIS/${ID}` })).infcode).toBe(0);
      const infno = { ...(analysisEnvelope({ encounterId: 'MZ-LOG-4' }) as Envelope), infno: `张三丰${ID}` };
      const unsupported = await ask(infno);
      expect(unsupported.infcode).toBe(-1);
      // The HIS is told which infno it sent, with the number masked before the quote is cut to its length.
      expect(unsupported.err_msg).not.toContain(ID_STUB);
      // A User-Agent naming a support line, as other log text masks it (phone-numbers.ts forms).
      const phoned = analysisEnvelope({ encounterId: 'MZ-LOG-5' });
      expect((await ask(phoned, { 'user-agent': UA_WITH_PHONES })).infcode).toBe(0);
    } finally {
      await server.close();
    }
    const text = fs
      .readdirSync(logDir)
      .map((name) => fs.readFileSync(path.join(logDir, name), 'utf8'))
      .join('');
    const requests = text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === 'request');
    expect(requests).toHaveLength(6);
    expect(requests.map((r) => r.err_msg)).toEqual([
      expect.stringContaining('patient_dtos[0].brdy'),
      expect.stringContaining('trig_scen'),
      expect.stringContaining('warns[0].warn_rslt_id'),
      undefined,
      expect.stringContaining('infno'),
      undefined,
    ]);
    expect(requests[3]!.task_id).toBe('[redacted]-诸葛亮');
    expect(requests[3]!.user_agent).toBe('HIS/[redacted]');
    // Not a code: the name before the number is not logged either.
    expect(requests[4]!.infno).toBe('[值略]');
    expect(requests[5]!.user_agent).toBe('HIS/2.1 (support [redacted]; Tel. [redacted])');
    for (const digits of ['87654321', '1234 5678']) expect(text, digits).not.toContain(digits);
    for (const value of ['张三丰', '黄月英', '欧阳娜娜', ID_STUB]) expect(text, value).not.toContain(value);
    // The answers kept what the HIS sent (but the infno's cut number).
    expect(answers.join('')).toContain('黄月英');
  });
});
