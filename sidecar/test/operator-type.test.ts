/**
 * The envelope's 经办人类别 (opter_type, 3101-3103.md §1.1 row 11: 字符 3（字典）, field [C2+], values [S1]). Codes
 * outside the one source's 1/2/3 are not known to be wrong and pass, as a number written as a number does; what
 * no 字符 3 code can be (an object, a list, a boolean, text over 3 characters) is refused naming the field, on
 * 3101/3102 and 3103 alike, and nothing of the call is stored. A real sidecar listening on loopback with its real
 * SQLite file, and a real national warning (a male-only drug for a woman).
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SidecarServer } from '../src/server';
import { analysisEnvelope, feedbackEnvelope } from './fixtures/his-requests';
import { raiseOneReminder } from './helpers/one-reminder';
import { callOverHttp, type NationalReply, testServer } from './helpers/test-server';

let server: SidecarServer & { dataDir: string };
beforeAll(async () => {
  server = await testServer();
  await server.listen();
});
afterAll(async () => {
  await server?.close();
});

async function analyse(encounterId: string, opterType: unknown): Promise<NationalReply> {
  const envelope = analysisEnvelope({ encounterId, patientId: `P-${encounterId}`, firing: 1, lines: 1 });
  if (opterType === undefined) delete envelope.opter_type;
  else envelope.opter_type = opterType;
  return (await callOverHttp(server, envelope)).body;
}

/** The reminders recorded for an encounter, once every queued record is written (a /v1/stats read waits for it). */
async function recorded(encounterId: string): Promise<unknown> {
  const { port } = server.app.server.address() as { port: number };
  expect((await fetch(`http://127.0.0.1:${port}/v1/stats`)).status).toBe(200);
  return server.db.prepare('SELECT COUNT(*) FROM reminders WHERE mdtrt_id = ?').pluck().get(encounterId);
}

describe('opter_type on a 3101', () => {
  it.each([
    ['"1"', '1'],
    ['1 as a number', 1],
    ['"3"', '3'],
    ['an unfamiliar code "9"', '9'],
    ['"01"', '01'],
    ['padded " 2 "', ' 2 '],
    ['""', ''],
    ['null', null],
    ['absent', undefined],
  ])('is accepted as %s', async (_, opterType) => {
    const reply = await analyse(`MZ-OT-${JSON.stringify(opterType ?? 'none')}`, opterType);
    expect(reply.infcode, reply.err_msg).toBe(0);
    expect(reply.output.result).toHaveLength(1);
  });

  it.each([
    ['an object', { code: '1' }, '类型应为 string'],
    ['a list', ['1'], '类型应为 string'],
    ['a boolean', true, '类型应为 string'],
    ['a fraction', 1.5, '类型应为 string'],
    ['text over 3 characters', '自助终端', '长度超过 3'],
  ])('is refused as %s, naming the field, and nothing is recorded', async (name, opterType, problem) => {
    const encounterId = `MZ-OT-BAD-${name}`;
    const reply = await analyse(encounterId, opterType);
    expect(reply.infcode).toBe(-1);
    expect(reply.err_msg).toContain(`opter_type: ${problem} (经办人类别)`);
    expect(reply.output).toEqual({});
    expect(await recorded(encounterId)).toBe(0);
  });

  it('is named together with what is wrong in the input', async () => {
    const envelope: Record<string, unknown> = { ...analysisEnvelope({ firing: 1, lines: 1 }), opter_type: {} };
    (envelope.input as { data: Record<string, unknown> }).data.patient_dtos = 5;
    const reply = (await callOverHttp(server, envelope)).body;
    expect(reply.infcode).toBe(-1);
    expect(reply.err_msg).toMatch(
      /^入参校验失败（共 2 处）: opter_type: 类型应为 string \(经办人类别\); input\.data\.patient_dtos/,
    );
  });
});

describe('opter_type on a 3103', () => {
  it('accepts 2 as a number and an unfamiliar code', async () => {
    for (const opterType of [2, '5']) {
      const raised = await raiseOneReminder(server, `MZ-OT-3103-${opterType}`, { code: 'D0701', name: '陈医生' });
      const envelope = { ...feedbackEnvelope([{ jrId: raised.jr_id, way: '2' }]), opter_type: opterType };
      const reply = (await callOverHttp(server, envelope)).body;
      expect(reply.infcode, reply.err_msg).toBe(0);
    }
  });

  it('refuses a list, naming the field, and stores none of its decisions', async () => {
    const raised = await raiseOneReminder(server, 'MZ-OT-3103-BAD', { code: 'D0701', name: '陈医生' });
    const envelope = { ...feedbackEnvelope([{ jrId: raised.jr_id, way: '2' }]), opter_type: ['1'] };
    const reply = (await callOverHttp(server, envelope)).body;
    expect(reply.infcode).toBe(-1);
    expect(reply.err_msg).toContain('opter_type: 类型应为 string (经办人类别)');
    expect(server.db.prepare('SELECT COUNT(*) FROM dispositions WHERE jr_id = ?').pluck().get(raised.jr_id)).toBe(0);
  });
});
