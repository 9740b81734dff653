/**
 * A slipped HIS column puts the patient's name into drord_dept_name («内科 欧阳秀英») and an ID number into
 * drord_dr_name; some HIS key doctors by 身份证号 (drord_dr_codg, dr_codg). These reach the 医保办's figures, the CSV
 * and the 数据归集 platform's disposition payloads, so the names are stored masked and an ID-number code as its keyed
 * pseudonym, which still groups the doctor's reminders (review-security F1).
 */
import { describe, expect, it } from 'vitest';
import { feedback, fixtureEnvelope, loggedServer } from './helpers/logged-server';
import { callOverHttp } from './helpers/test-server';

const PATIENT = '欧阳秀英';
const DOCTOR_ID = '310115197001011815';

describe.each([
  ['on the analysis thread', true],
  ['on the request thread', false],
])('department and doctor fields naming people, answered %s', (_where, analysisThread) => {
  it('are stored, shown and queued for the platform masked, the doctor still counted as one', async () => {
    const sidecar = await loggedServer(analysisThread);
    const answers: string[] = [];
    try {
      const reply = await callOverHttp(sidecar.server, fixtureEnvelope('pii-in-every-field.json'));
      expect(reply.body.infcode, reply.body.err_msg).toBe(0);
      const jrIds = (reply.body.output.result ?? []).map((r) => r.jr_id);
      expect(jrIds.length).toBe(2);
      // The same HIS names the deciding doctor (the 3103's 经办人) the same way: counted as the same keyed doctor.
      const decided = await callOverHttp(
        sidecar.server,
        feedback(jrIds, '2', '已修改', { code: DOCTOR_ID, name: `司马建国 ${DOCTOR_ID}` }),
      );
      expect(decided.body.infcode, decided.body.err_msg).toBe(0);

      const byDoctor = (await (await fetch(`${sidecar.base}/v1/stats?by=doctor`)).json()) as {
        rows: { key: string; label: string; reminders: number }[];
      };
      // One doctor, both reminders, under a keyed code; the name is kept for the 医保办 to read, the number masked.
      expect(byDoctor.rows).toHaveLength(1);
      expect(byDoctor.rows[0]!.key).toMatch(/^~[\w-]{22}$/);
      expect(byDoctor.rows[0]!.label).toBe('司马建国 [redacted]');
      expect(byDoctor.rows[0]!.reminders).toBe(2);
      const byDept = (await (await fetch(`${sidecar.base}/v1/stats?by=dept`)).json()) as {
        rows: { key: string; label: string }[];
      };
      expect(byDept.rows.map((r) => [r.key, r.label])).toEqual([['0301', '内科 [redacted]']]);
      answers.push(JSON.stringify(byDoctor), JSON.stringify(byDept));
      for (const by of ['dept', 'doctor'])
        answers.push(await (await fetch(`${sidecar.base}/v1/stats.csv?by=${by}`)).text());

      const payloads = sidecar.server.db
        .prepare("SELECT payload FROM outbox WHERE kind = 'disposition'")
        .pluck()
        .all() as string[];
      expect(payloads).toHaveLength(2);
      for (const p of payloads) expect(JSON.parse(p).doctor_code).toBe(byDoctor.rows[0]!.key);
    } finally {
      await sidecar.server.close();
    }
    for (const answer of answers) {
      expect(answer).not.toContain(PATIENT);
      expect(answer).not.toContain(DOCTOR_ID);
    }
    const stored = sidecar.storedBytes();
    expect(stored.includes(Buffer.from(PATIENT)), 'the patient name in the SQLite or log files').toBe(false);
    expect(stored.includes(Buffer.from(DOCTOR_ID)), "the doctor's ID number in the SQLite or log files").toBe(false);
  });
});
