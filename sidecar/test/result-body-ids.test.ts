/**
 * Result texts that quote an ID number: a provincial gateway's (its vola_cont names the patient's 身份证号) and
 * prealert's own data-quality reminder (it quotes the hilist_name and hilist_code the HIS sent). The HIS is answered
 * with them as they are; the records hold them masked.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_FILE_NAME } from '../src/store/database';
import type { TaskView } from '../src/store/tasks';
import { analysisEnvelope, ID_NUMBER, OTHER_ID_NUMBER } from './fixtures/his-requests';
import { type FakeGateway, startFakeGateway } from './helpers/fake-gateway';
import { callOverHttp, testServer } from './helpers/test-server';

const ID = ID_NUMBER;
const OTHER_ID = OTHER_ID_NUMBER;

let gateway: FakeGateway;
beforeAll(async () => {
  gateway = await startFakeGateway<{
    input: { data: { patient_dtos: { fsi_encounter_dtos: { mdtrt_id: string }[] }[] } };
  }>((body, res) => {
    const mdtrtId = body.input.data.patient_dtos[0]!.fsi_encounter_dtos[0]!.mdtrt_id;
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        infcode: 0,
        err_msg: '',
        output: {
          result: [
            {
              jr_id: 'GW-IDS-1',
              rule_id: 'R01',
              rule_name: `配伍禁忌-${OTHER_ID}`,
              vola_cont: `患者王某某（身份证号${ID}）处方中存在配伍禁忌的药品。`,
              patn_id: 'p',
              mdtrt_id: mdtrtId,
              judge_result_detail_dtos: [
                {
                  jrd_id: 'd1',
                  patn_id: 'p',
                  mdtrt_id: mdtrtId,
                  rx_id: `${mdtrtId}-003`,
                  hilist_name: `A药 ${OTHER_ID}`,
                  vola_item_type: '1',
                  vola_amt: 12,
                },
              ],
              vola_amt: 12,
              vola_amt_stas: '1',
              sev_deg: '2',
              vola_evid: `依据：身份证 ${ID} 既往史`,
              vola_bhvr_type: '1',
              task_id: 'T-GW',
            },
          ],
        },
      }),
    );
  });
});
afterAll(() => gateway.close());

type Order = Record<string, unknown>;
type Envelope = {
  input: { data: { patient_dtos: { fsi_encounter_dtos: { fsi_order_dtos: Order[] }[] }[] } };
};

describe('stored result bodies', () => {
  it("mask ID numbers in a gateway's texts and in prealert's own, while the HIS gets them as they were", async () => {
    const server = await testServer({ upstream: { url: gateway.url, timeoutMs: 5_000 } });
    try {
      await server.listen();
      const envelope = analysisEnvelope({
        encounterId: 'MZ-IDS-1',
        taskId: 'T-MZ-IDS-1',
        patientName: '张三丰',
      }) as Envelope;
      // A HIS that put the patient's number into an item: the data-quality reminder quotes the item back.
      const order = envelope.input.data.patient_dtos[0]!.fsi_encounter_dtos[0]!.fsi_order_dtos[0]!;
      order.hilist_code = `张三丰${ID}`;
      order.hilist_name = `爱普列特片-张三丰-${ID}`;
      const reply = await callOverHttp(server, envelope);
      expect(reply.body.infcode).toBe(0);
      const answered = reply.raw.toString('utf8');
      expect(answered).toContain(`身份证号${ID}`);
      const quality = reply.body.output.result!.find((r) => String(r.vola_cont).includes('数据质量'));
      expect(quality?.vola_cont).toContain(ID);

      const task = await server.app.inject({ url: '/v1/tasks/T-MZ-IDS-1' });
      expect(task.statusCode).toBe(200);
      const view = JSON.parse(task.payload) as TaskView;
      expect(view.results.find((r) => r.jr_id === 'GW-IDS-1')?.vola_cont).toBe(
        '患者王某某（身份证号[redacted]）处方中存在配伍禁忌的药品。',
      );
      expect(view.results.find((r) => r.jr_id === quality!.jr_id)?.vola_cont).toContain('([redacted][redacted])');
      // The item names kept for the reminder page: the number masked, and the patient's name (张三丰 here) too.
      expect(view.line_names[String(order.rx_id)]).toBe('爱普列特片-[redacted]-[redacted]');
      expect(task.payload).not.toContain(ID);
      expect(task.payload).not.toContain(OTHER_ID);
      const ruleNames = server.db.prepare('SELECT rule_name FROM reminders').pluck().all();
      expect(ruleNames).toContain('配伍禁忌-[redacted]');
    } finally {
      await server.close();
    }
    for (const file of fs.readdirSync(server.dataDir).filter((f) => f.startsWith(DATABASE_FILE_NAME))) {
      const bytes = fs.readFileSync(path.join(server.dataDir, file));
      expect(bytes.includes(Buffer.from(ID)), file).toBe(false);
      expect(bytes.includes(Buffer.from(OTHER_ID)), file).toBe(false);
    }
  });
});
