/**
 * 身份证号 typed in full-width digits (a Chinese IME's full-width mode), grouped by spaces or hyphens, or in the old
 * 15-digit form, in a task_id, an item name and a doctor's 3103 reason: masked as an 18-digit ASCII one is, before
 * anything logs, stores, answers back or queues it for the platform; a doctor's doses and dates are kept (review-security
 * F5), a phone number is masked too (phone-numbers.ts, disposition-reason-phones.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { feedback, fixtureEnvelope, loggedServer } from './helpers/logged-server';
import { callOverHttp } from './helpers/test-server';

const FULL_WIDTH = '１１０１０５１９８５０３１２２４２１';
const SPACED = '110105 19850312 2421';
const HYPHENED = '110105-19850312-2421';
const FIFTEEN = '110105850312242';
const VARIANTS = [FULL_WIDTH, SPACED, HYPHENED, FIFTEEN];
const KEPT = '剂量 0.5g tid，复查 2026-11-30';
const PHONE = '13800138000';
const TASK_ID = `T-${FULL_WIDTH}`;

function request(): Record<string, unknown> {
  const envelope = fixtureEnvelope('pii-in-every-field.json');
  const data = envelope.input.data as { task_id: string; patient_dtos: { fsi_encounter_dtos: unknown[] }[] };
  data.task_id = TASK_ID;
  const orders = (data.patient_dtos[0]!.fsi_encounter_dtos[0] as { fsi_order_dtos: { hilist_name: string }[] })
    .fsi_order_dtos;
  orders[0]!.hilist_name = `他达拉非片 ${SPACED}`;
  orders[1]!.hilist_name = `小儿布洛芬栓 ${FIFTEEN}`;
  return envelope;
}

describe.each([
  ['on the analysis thread', true],
  ['on the request thread', false],
])('ID numbers as IMEs and HIS write them, answered %s', (_where, analysisThread) => {
  it('are masked in the log, the records, the answers and the outbox; other numbers are kept', async () => {
    const sidecar = await loggedServer(analysisThread);
    let view = '';
    try {
      const reply = await callOverHttp(sidecar.server, request());
      expect(reply.body.infcode, reply.body.err_msg).toBe(0);
      const jrIds = (reply.body.output.result ?? []).map((r) => r.jr_id);
      const masked = `全角[redacted]；空格 [redacted]；短横 [redacted]；十五位 [redacted]；${KEPT}，电话 [redacted]`;
      const reason = `全角${FULL_WIDTH}；空格 ${SPACED}；短横 ${HYPHENED}；十五位 ${FIFTEEN}；${KEPT}，电话 ${PHONE}`;
      const decided = await callOverHttp(sidecar.server, feedback(jrIds, '1', reason));
      expect(decided.body.infcode, decided.body.err_msg).toBe(0);

      const task = await fetch(`${sidecar.base}/v1/tasks/${encodeURIComponent(TASK_ID)}`);
      expect(task.status).toBe(200);
      view = await task.text();
      const parsed = JSON.parse(view) as {
        line_names: Record<string, string>;
        dispositions: Record<string, { dspo_way_rea: string }>;
      };
      expect(Object.values(parsed.line_names).sort()).toEqual(['他达拉非片 [redacted]', '小儿布洛芬栓 [redacted]']);
      expect(parsed.dispositions[jrIds[0]!]!.dspo_way_rea).toBe(masked);
      // The decision comes back as prior_dspo in the next answer, from the stored result body.
      const again = await callOverHttp(sidecar.server, request());
      const prior = (again.body.output.result ?? []).map((r) => [r.prior_dspo, r.dspo_way_rea]);
      expect(prior).toEqual(jrIds.map(() => [true, masked]));
      const stored = sidecar.server.db.prepare('SELECT task_id FROM tasks').pluck().all() as string[];
      expect(stored.every((id) => id.startsWith('~'))).toBe(true);
      const outbox = sidecar.server.db.prepare('SELECT payload FROM outbox').pluck().all() as string[];
      expect(outbox.join('\n')).toContain(KEPT);
    } finally {
      await sidecar.server.close();
    }
    // The view names the task by the task_id it was asked for (the HIS's own id), as the answer's header does.
    view = view.replaceAll(TASK_ID, '');
    const bytes = sidecar.storedBytes();
    const log = bytes.toString('utf8');
    const line = log.split('\n').find((l) => l.includes('"msg":"request"') && l.includes('"infno":"3101"'));
    expect(JSON.parse(line!).task_id).toBe('T-[redacted]');
    for (const variant of [...VARIANTS, PHONE]) {
      expect(view, variant).not.toContain(variant);
      expect(bytes.includes(Buffer.from(variant)), `${variant} in the SQLite or log files`).toBe(false);
    }
  });
});
