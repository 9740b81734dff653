/**
 * A doctor keyed by his 身份证号 is one doctor whatever the case of its check character (review-session F6): one HIS
 * screen fills the 3101's dr_codg or the 3103's opter with "…002X", another with "…002x", and each was keyed as sent,
 * so /v1/stats?by=doctor and the 数据归集 platform counted two doctors. A code padded by a fixed-width column keys as
 * the same doctor too. Pseudonyms already stored (an upper-case X, digits only) stay exactly what they were. A real
 * sidecar on loopback with its real SQLite file and outbox, a real national warning (a male-only drug for a woman),
 * and a 数据归集 stand-in listening on loopback.
 */

import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeAsKeyed, SECRET_FILE_NAME } from '../src/patient-pseudonym';
import type { StatsReport } from '../src/stats/compliance-figures';
import { feedbackEnvelope } from './fixtures/his-requests';
import { type Doctor, raiseOneReminder } from './helpers/one-reminder';
import { deliveredDisposition } from './helpers/platform-receiver';
import { type SidecarWithPlatform, sidecarWithPlatform } from './helpers/sidecar-with-platform';
import { callOverHttp } from './helpers/test-server';
import { until } from './helpers/until';

const UPPER = '11010519491231002X';
const LOWER = '11010519491231002x';

let sidecar: SidecarWithPlatform;
let server: SidecarWithPlatform['server'];
beforeAll(async () => {
  sidecar = await sidecarWithPlatform();
  server = sidecar.server;
});
afterAll(() => sidecar?.close());

/**
 * The pseudonym of a staff code as releases before this change made it (HMAC of the code as sent), written out here
 * so that a change to the keyed form of a code already stored shows as a failure.
 */
function earlierPseudonym(code: string): string {
  const secret = Buffer.from(fs.readFileSync(path.join(server.dataDir, SECRET_FILE_NAME), 'utf8').trim(), 'hex');
  const hmac = createHmac('sha256', secret).update('prealert staff code\0').update(code);
  return `~${hmac.digest('base64url').slice(0, 22)}`;
}

/** A reminder raised by `raiser`'s order and decided (返回修改) under `decider` as the 3103's opter. */
async function raiseAndDecide(encounterId: string, raiser: Doctor, decider: Doctor): Promise<string> {
  const { jr_id: jrId } = await raiseOneReminder(server, encounterId, raiser);
  const reply = await callOverHttp(server, feedbackEnvelope([{ jrId, way: '2' }], '1', decider));
  expect(reply.body.infcode, reply.body.err_msg).toBe(0);
  return jrId;
}

/** The reminder's doctor and its decider as stored, once the records are written. */
async function storedCodes(jrId: string): Promise<{ doctor: string; decider: string }> {
  const read = () =>
    server.db
      .prepare<[string], { doctor: string; decider: string }>(
        `SELECT r.doctor_code AS doctor, d.decider_code AS decider
         FROM reminders r JOIN dispositions d ON d.jr_id = r.jr_id WHERE r.jr_id = ?`,
      )
      .get(jrId);
  await until(() => read() !== undefined);
  return read()!;
}

/** The disposition entry the platform received for this jr_id (waiting for it). */
const delivered = (jrId: string) => deliveredDisposition(sidecar.platform, jrId);

async function doctorKeys(): Promise<string[]> {
  const { port } = server.app.server.address() as { port: number };
  const response = await fetch(`http://127.0.0.1:${port}/v1/stats?by=doctor`);
  expect(response.status).toBe(200);
  return ((await response.json()) as StatsReport).rows.map((r) => r.key);
}

describe('a doctor keyed by his 身份证号', () => {
  it('is one doctor in the records, /v1/stats and on the platform whether its check letter is X or x', async () => {
    const first = await raiseAndDecide('MZ-IDX-001', { code: UPPER, name: '孙医生' }, { code: LOWER, name: '孙医生' });
    const second = await raiseAndDecide('MZ-IDX-002', { code: LOWER, name: '孙医生' }, { code: UPPER, name: '孙医生' });
    // The 3103 of a fixed-width column: trimmed as opter, and the 3101's dr_codg likewise.
    const third = await raiseAndDecide(
      'MZ-IDX-003',
      { code: ` ${LOWER}  `, name: '孙医生' },
      { code: `${LOWER}  `, name: '孙医生' },
    );
    const sun = earlierPseudonym(UPPER);
    for (const jrId of [first, second, third]) {
      expect(await storedCodes(jrId)).toEqual({ doctor: sun, decider: sun });
      expect(await delivered(jrId)).toMatchObject({ doctor_code: sun, opter: sun });
    }
    expect(await doctorKeys()).toEqual([sun]);
    expect(JSON.stringify(sidecar.platform.deliveries)).not.toMatch(/11010519491231002/);
  });

  it('keys an ID number with an upper-case X, or digits only, exactly as stored pseudonyms were keyed', async () => {
    for (const [encounterId, code] of [
      ['MZ-IDX-101', UPPER],
      ['MZ-IDX-102', '110105194912310021'],
      ['MZ-IDX-103', '110105491231002'],
    ] as const) {
      const jrId = await raiseAndDecide(encounterId, { code, name: '周医生' }, { code, name: '周医生' });
      const before = earlierPseudonym(code);
      expect(await storedCodes(jrId)).toEqual({ doctor: before, decider: before });
      expect(await delivered(jrId)).toMatchObject({ doctor_code: before, opter: before });
    }
  });
});

describe('the keyed form of a code (codeAsKeyed)', () => {
  it('upper-cases the check character of an ID number inside a code, and of one typed full-width', () => {
    expect(codeAsKeyed(`孙医生${LOWER}`)).toBe(`孙医生${UPPER}`);
    expect(codeAsKeyed('１１０１０５１９４９１２３１００２ｘ')).toBe('１１０１０５１９４９１２３１００２Ｘ');
  });

  it('leaves a code that is not an ID number with a lower-case check letter as it is, but trimmed', () => {
    for (const code of ['D0201x', '110105194912310021x', '1101051949123100x', '内科王秀英x', 'x']) {
      expect(codeAsKeyed(` ${code} `)).toBe(code);
    }
  });
});
