/**
 * The 3103's 经办人 (opter/opter_name) on its way to the 数据归集 platform, and its bounds. A decision's disposition
 * entry names the doctor who decided it as the 3103 named him, beside the doctor whose order raised the reminder
 * (they differ when a colleague took the patient over: the figures by doctor follow the decider, and so must what
 * the platform receives of the decision). opter and opter_name are 字符 30 and 50 (3101-3103.md §1.1, [C2+]): a
 * longer one is refused naming the field, and the 3103 stores nothing. A real sidecar on loopback with its real
 * SQLite file, its real outbox and forwarder, a real national warning (a male-only drug for a woman), and a
 * 数据归集 stand-in listening on loopback.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedbackEnvelope } from './fixtures/his-requests';
import { raiseOneReminder } from './helpers/one-reminder';
import { deliveredDisposition } from './helpers/platform-receiver';
import { type SidecarWithPlatform, sidecarWithPlatform } from './helpers/sidecar-with-platform';
import { callOverHttp, type NationalReply } from './helpers/test-server';

const ZHAO = { code: 'D0201', name: '赵医生' };
const QIAN = { code: 'D0202', name: '钱医生' };
const NOBODY = { code: '', name: '' };

let sidecar: SidecarWithPlatform;
let server: SidecarWithPlatform['server'];
beforeAll(async () => {
  sidecar = await sidecarWithPlatform();
  server = sidecar.server;
});
afterAll(() => sidecar?.close());

/** One reminder raised by `doctor`'s order in `encounterId`; its jr_id. */
async function raise(encounterId: string, doctor: typeof ZHAO): Promise<string> {
  return (await raiseOneReminder(server, encounterId, doctor, `T-${encounterId}`)).jr_id;
}

async function decide(jrId: string, decider: typeof ZHAO): Promise<NationalReply> {
  return (await callOverHttp(server, feedbackEnvelope([{ jrId, way: '2' }], '1', decider))).body;
}

/** The disposition entry the platform received for this jr_id (waiting for it). */
const delivered = (jrId: string) => deliveredDisposition(sidecar.platform, jrId);

const stored = (jrId: string) => ({
  dispositions: server.db.prepare('SELECT COUNT(*) FROM dispositions WHERE jr_id = ?').pluck().get(jrId),
  outbox: server.db
    .prepare("SELECT COUNT(*) FROM outbox WHERE json_extract(payload, '$.warn_rslt_id') = ?")
    .pluck()
    .get(jrId),
});

describe('the disposition entry sent to the 数据归集 platform', () => {
  it('names the doctor who decided (opter/opter_name) beside the doctor whose order raised it', async () => {
    const jrId = await raise('MZ-DD-001', ZHAO);
    expect((await decide(jrId, QIAN)).infcode).toBe(0);
    const payload = await delivered(jrId);
    expect(payload).toMatchObject({
      doctor_code: 'D0201',
      doctor_name: '赵医生',
      opter: 'D0202',
      opter_name: '钱医生',
      dspo_way: '2',
    });
  });

  it('names the raising doctor as stored, an ID number in the name masked as in the records', async () => {
    const jrId = await raise('MZ-DD-004', { code: 'D0203', name: '孙医生 11010519491231002X' });
    expect((await decide(jrId, NOBODY)).infcode).toBe(0);
    const payload = await delivered(jrId);
    const stored = server.db.prepare('SELECT doctor_name FROM reminders WHERE jr_id = ?').pluck().get(jrId);
    expect(payload.doctor_name).toBe(stored);
    expect(payload.doctor_name).toContain('孙医生');
    expect(JSON.stringify(payload)).not.toContain('11010519491231002X');
  });

  it('names nobody as the decider when the 3103 named no 经办人: the decision stays the raising doctor’s', async () => {
    const jrId = await raise('MZ-DD-002', ZHAO);
    expect((await decide(jrId, NOBODY)).infcode).toBe(0);
    const payload = await delivered(jrId);
    expect(payload.doctor_code).toBe('D0201');
    expect(payload).not.toHaveProperty('opter');
    expect(payload).not.toHaveProperty('opter_name');
  });

  it('sends a decider keyed by his 身份证号 as its keyed pseudonym, as it sends such a doctor_code', async () => {
    const jrId = await raise('MZ-DD-003', ZHAO);
    expect((await decide(jrId, { code: '11010519491231002X', name: '孙医生' })).infcode).toBe(0);
    const payload = await delivered(jrId);
    expect(payload.opter).toMatch(/^~[A-Za-z0-9_-]{22}$/);
    expect(payload.opter_name).toBe('孙医生');
    expect(JSON.stringify(payload)).not.toContain('11010519491231002X');
  });
});

describe('a 3103 whose 经办人 fields hold the patient (a slipped HIS column)', () => {
  // The fixture's 3101 names its patient 王测试 (patn_name); the 3103 carries no name, its visit's recorded digest does.
  it('stores and sends the patient’s name in opter_name masked, as a 3101’s doctor name; a doctor’s name stays', async () => {
    const jrId = await raise('MZ-DD-201', ZHAO);
    expect((await decide(jrId, { code: 'D0202', name: '王测试' })).infcode).toBe(0);
    const payload = await delivered(jrId);
    expect(payload).toMatchObject({ opter: 'D0202', opter_name: '[redacted]' });
    const row = server.db.prepare('SELECT decider_code, decider_name FROM dispositions WHERE jr_id = ?').get(jrId);
    expect(row).toEqual({ decider_code: 'D0202', decider_name: '[redacted]' });
    const outbox = server.db.prepare("SELECT payload FROM outbox WHERE payload LIKE '%王测试%'").all();
    expect(outbox).toEqual([]);

    const other = await raise('MZ-DD-202', ZHAO);
    expect((await decide(other, { code: '王测试01', name: '钱医生 王测试' })).infcode).toBe(0);
    const second = await delivered(other);
    expect(second.opter).toMatch(/^~[A-Za-z0-9_-]{22}$/);
    expect(second.opter_name).toBe('钱医生 [redacted]');
  });
});

describe('opter and opter_name lengths (字符 30, 字符 50)', () => {
  it('an opter longer than 30 characters is refused naming it, and nothing of the 3103 is stored or sent', async () => {
    const jrId = await raise('MZ-DD-101', ZHAO);
    const reply = await decide(jrId, { code: `D${'0'.repeat(30)}`, name: '钱医生' });
    expect(reply.infcode).toBe(-1);
    expect(reply.err_msg).toContain('opter: 长度超过 30 (经办人)');
    expect(stored(jrId)).toEqual({ dispositions: 0, outbox: 0 });
  });

  it('an opter_name longer than 50 characters is refused naming it, with the whole batch', async () => {
    const other = await raise('MZ-DD-102', ZHAO);
    const jrId = await raise('MZ-DD-103', ZHAO);
    const envelope = feedbackEnvelope(
      [
        { jrId: other, way: '2' },
        { jrId, way: '1', reason: '临床必需' },
      ],
      '1',
      { code: 'D0202', name: '钱'.repeat(51) },
    );
    const reply = (await callOverHttp(server, envelope)).body;
    expect(reply.infcode).toBe(-1);
    expect(reply.err_msg).toContain('opter_name: 长度超过 50 (经办人姓名)');
    expect(reply.err_msg).not.toContain('opter:');
    expect(stored(other)).toEqual({ dispositions: 0, outbox: 0 });
    expect(stored(jrId)).toEqual({ dispositions: 0, outbox: 0 });
  });

  it('takes exactly 30 and 50 characters, counted as characters, and a code padded by a fixed-width column', async () => {
    const jrId = await raise('MZ-DD-104', ZHAO);
    // 𠮷 is one character (two UTF-16 units): 50 characters, 51 units.
    const longest = { code: `D${'1'.repeat(29)}`, name: `𠮷${'钱'.repeat(49)}` };
    expect((await decide(jrId, longest)).infcode).toBe(0);
    expect(await delivered(jrId)).toMatchObject({ opter: longest.code, opter_name: longest.name });

    const padded = await raise('MZ-DD-105', ZHAO);
    expect((await decide(padded, { code: `D0203${' '.repeat(35)}`, name: '李医生' })).infcode).toBe(0);
    expect(await delivered(padded)).toMatchObject({ opter: 'D0203', opter_name: '李医生' });
  });
});
