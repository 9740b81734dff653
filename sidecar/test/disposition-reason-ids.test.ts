import { describe, expect, it } from 'vitest';
import { analysisEnvelope, feedbackEnvelope, ID_NUMBER, OTHER_ID_NUMBER } from './fixtures/his-requests';
import { sidecarWithPlatform } from './helpers/sidecar-with-platform';
import { callOverHttp } from './helpers/test-server';
import { until } from './helpers/until';

const ID_A = ID_NUMBER;
const ID_B = OTHER_ID_NUMBER;

describe('a 3103 reason quoting an ID number', () => {
  it('is stored, queued, forwarded and answered back as prior_dspo with the number masked', async () => {
    // The sidecar listening, its outbox forwarding to a 数据归集 receiver on loopback that keeps what arrives.
    const sidecar = await sidecarWithPlatform();
    const { server } = sidecar;
    const { deliveries } = sidecar.platform;
    try {
      const envelope = analysisEnvelope({ encounterId: 'MZ-PRIV-REA-1', taskId: 'T-MZ-PRIV-REA-1' });
      const results = (await callOverHttp(server, envelope)).body.output.result!;
      const reasons = [`患者张三丰（${ID_A}）坚持用药，家属张无忌同意`, `欧阳娜娜 ${ID_B} 本人要求`];
      const fb = await callOverHttp(
        server,
        feedbackEnvelope([
          { jrId: results[0]!.jr_id, way: '1', reason: reasons[0] },
          { jrId: results[1]!.jr_id, way: '1', reason: reasons[1] },
        ]),
      );
      expect(fb.body.infcode).toBe(0);
      await until(() => deliveries.length === 2);

      const leaks = (text: string) => [ID_A, ID_B].filter((id) => text.includes(id));
      const stored = server.db.prepare('SELECT dspo_way_rea FROM dispositions ORDER BY jr_id').pluck().all();
      expect(stored.sort()).toEqual([
        '患者张三丰（[redacted]）坚持用药，家属张无忌同意',
        '欧阳娜娜 [redacted] 本人要求',
      ]);
      const outbox = server.db.prepare('SELECT payload FROM outbox').pluck().all() as string[];
      expect(outbox).toHaveLength(2);
      expect(leaks(outbox.join('\n'))).toEqual([]);
      expect(leaks(JSON.stringify(deliveries))).toEqual([]);
      expect(JSON.stringify(deliveries)).toContain('[redacted]');

      const task = await server.app.inject({ url: '/v1/tasks/T-MZ-PRIV-REA-1' });
      expect(task.statusCode).toBe(200);
      expect(leaks(task.payload)).toEqual([]);

      const again = (await callOverHttp(server, envelope)).body.output.result!;
      const prior = again.filter((r) => r.prior_dspo === true);
      expect(prior).toHaveLength(2);
      expect(leaks(JSON.stringify(again))).toEqual([]);
    } finally {
      await sidecar.close();
    }
  });
});
