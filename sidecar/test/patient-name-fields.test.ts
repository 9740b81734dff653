/**
 * A HIS that reuses its personnel DTO for 3101 names the patient in psn_name (the name field of every other 医保
 * interface) and sends no patn_name, though the spec asks for it; another uses its own column, patient_name. The
 * name is then masked as a patn_name is: in the logged task_id, the stored task id (keyed), item names and result
 * texts (review-security F4).
 */
import { describe, expect, it } from 'vitest';
import { fixtureEnvelope, loggedServer } from './helpers/logged-server';
import { callOverHttp } from './helpers/test-server';

const NAME = '上官婉儿';
const TASK_ID = `T-${NAME}`;

function request(field: string): Record<string, unknown> {
  const envelope = fixtureEnvelope('pii-in-every-field.json');
  const data = envelope.input.data as { task_id: string; patient_dtos: Record<string, unknown>[] };
  data.task_id = TASK_ID;
  const patient = data.patient_dtos[0]!;
  delete patient.patn_name;
  delete patient.psn_name;
  patient[field] = NAME;
  // The name wherever a HIS slips it: item names, diagnosis names, department name.
  const text = JSON.stringify(envelope).replaceAll('欧阳秀英', NAME);
  return JSON.parse(text) as Record<string, unknown>;
}

describe.each([
  ['psn_name', true],
  ['psn_name', false],
  ['patient_name', false],
])('a patient named only in %s (analysis thread: %s)', (field, analysisThread) => {
  it('is neither logged nor stored, and the task is found by its task_id', async () => {
    const sidecar = await loggedServer(analysisThread);
    let view = '';
    try {
      const reply = await callOverHttp(sidecar.server, request(field));
      expect(reply.body.infcode, reply.body.err_msg).toBe(0);
      // The HIS is answered with its own texts.
      expect(reply.raw.toString('utf8')).toContain(NAME);
      const task = await fetch(`${sidecar.base}/v1/tasks/${encodeURIComponent(TASK_ID)}`);
      expect(task.status).toBe(200);
      view = await task.text();
      expect(Object.values(JSON.parse(view).line_names as Record<string, string>).sort()).toEqual([
        '他达拉非片 [redacted] [redacted]',
        '小儿布洛芬栓 [redacted] [redacted]',
      ]);
      const stored = sidecar.server.db.prepare('SELECT task_id FROM tasks').pluck().all() as string[];
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatch(/^~/);
    } finally {
      await sidecar.server.close();
    }
    expect(view.replaceAll(TASK_ID, '')).not.toContain(NAME);
    const bytes = sidecar.storedBytes();
    const log = bytes.toString('utf8');
    const line = log.split('\n').find((l) => l.includes('"msg":"request"') && l.includes('"infno":"3101"'));
    expect(line, log).toBeDefined();
    expect(JSON.parse(line!).task_id).toBe('T-[redacted]');
    expect(bytes.includes(Buffer.from(NAME)), 'the patient name in the SQLite or log files').toBe(false);
  });
});
