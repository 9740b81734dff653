import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisEnvelope, feedbackEnvelope } from './fixtures/his-requests';
import { type FakeGateway, gatewayResult, startFakeGateway } from './helpers/fake-gateway';
import { sidecarWithPlatform } from './helpers/sidecar-with-platform';
import { callOverHttp, testServer } from './helpers/test-server';
import { until } from './helpers/until';

const MOBILE = '13812345678';
/** Joined to MOBILE by a hyphen: each is masked. */
const SECOND_MOBILE = '13987654321';
const LANDLINE = '87654321';
const PHONES = [MOBILE, SECOND_MOBILE, '1234-5678', LANDLINE, '12345678', '62345678'];
const leaks = (text: string): string[] => PHONES.filter((phone) => text.includes(phone));

let gateway: FakeGateway;
/** The 3103s the provincial gateway stand-in received, as sent. */
const forwarded: string[] = [];

beforeAll(async () => {
  gateway = await startFakeGateway<{ infno: string }>((body, res) => {
    res.setHeader('content-type', 'application/json');
    if (body.infno === '3103') {
      forwarded.push(JSON.stringify(body));
      res.end(JSON.stringify({ infcode: 0, err_msg: '', output: {} }));
      return;
    }
    const result = gatewayResult('GW-REA-PHONE-1', 'R-GW-PHONE-1', 'MZ-PRIV-PHONE-1', 'T-MZ-PRIV-PHONE-1');
    res.end(JSON.stringify({ infcode: 0, err_msg: '', output: { result: [result] } }));
  });
});
afterAll(async () => {
  await gateway.close();
});

describe('a 3103 reason quoting a phone number', () => {
  it('is stored, queued, sent to the platform and the gateway, and answered back as prior_dspo masked', async () => {
    const sidecar = await sidecarWithPlatform({ upstream: { url: gateway.url, timeoutMs: 2_000 } });
    const { server, platform } = sidecar;
    try {
      const envelope = analysisEnvelope({ encounterId: 'MZ-PRIV-PHONE-1', taskId: 'T-MZ-PRIV-PHONE-1' });
      const results = (await callOverHttp(server, envelope)).body.output.result!;
      const own = results.filter((r) => r.jr_id !== 'GW-REA-PHONE-1');
      expect(own.length).toBeGreaterThanOrEqual(2);
      expect(results.map((r) => r.jr_id)).toContain('GW-REA-PHONE-1');
      const fb = await callOverHttp(
        server,
        feedbackEnvelope([
          // A dose shaped 3-4-4 and times shaped as a landline, with no phone cue before them, stay as typed.
          {
            jrId: own[0]!.jr_id,
            way: '1',
            reason: `已电话联系家属${MOBILE}-${SECOND_MOBILE}确认，剂量 150 1000 2000 单位，0730 1130 1730 给药`,
          },
          { jrId: own[1]!.jr_id, way: '1', reason: '患者电话 138-1234-5678，座机(010)62345678' },
          { jrId: 'GW-REA-PHONE-1', way: '1', reason: `科室0571-${LANDLINE}会诊同意，2026-11-29复查` },
        ]),
      );
      expect(fb.body.infcode).toBe(0);
      await until(() => platform.deliveries.length === 3 && forwarded.length === 1);

      const stored = server.db.prepare('SELECT dspo_way_rea FROM dispositions').pluck().all() as string[];
      expect(stored.sort()).toEqual(
        [
          '已电话联系家属[redacted]-[redacted]确认，剂量 150 1000 2000 单位，0730 1130 1730 给药',
          '患者电话 [redacted]，座机[redacted]',
          '科室[redacted]会诊同意，2026-11-29复查',
        ].sort(),
      );
      const outbox = server.db.prepare('SELECT payload FROM outbox').pluck().all() as string[];
      expect(outbox.length).toBe(4);
      expect(leaks(outbox.join('\n'))).toEqual([]);
      expect(leaks(JSON.stringify(platform.deliveries))).toEqual([]);
      expect(JSON.stringify(platform.deliveries)).toContain('[redacted]');
      expect(leaks(forwarded.join('\n'))).toEqual([]);
      expect(forwarded[0]).toContain('科室[redacted]会诊同意');

      const task = await server.app.inject({ url: '/v1/tasks/T-MZ-PRIV-PHONE-1' });
      expect(task.statusCode).toBe(200);
      expect(leaks(task.payload)).toEqual([]);

      const again = (await callOverHttp(server, envelope)).body.output.result!;
      expect(again.filter((r) => r.prior_dspo === true).length).toBeGreaterThanOrEqual(2);
      expect(leaks(JSON.stringify(again))).toEqual([]);
    } finally {
      await sidecar.close();
    }
  });

  it('masks a number ending a reason typed to the 500 characters, whole, and keeps the reason within them', async () => {
    const server = await testServer();
    try {
      await server.listen();
      const envelope = analysisEnvelope({ encounterId: 'MZ-PRIV-PHONE-500', taskId: 'T-MZ-PRIV-PHONE-500' });
      const [first] = (await callOverHttp(server, envelope)).body.output.result!;
      // Masked before any cut: cut first, the number's last digits would go and the rest stay in clear.
      const typed = `${'继'.repeat(489)}${MOBILE}`;
      expect(typed).toHaveLength(500);
      const fb = await callOverHttp(server, feedbackEnvelope([{ jrId: first!.jr_id, way: '1', reason: typed }]));
      expect(fb.body.infcode).toBe(0);
      const stored = server.db
        .prepare('SELECT dspo_way_rea FROM dispositions WHERE jr_id = ?')
        .pluck()
        .get(first!.jr_id) as string;
      expect(stored).toBe(`${'继'.repeat(489)}[redacted]`);
    } finally {
      await server.close();
    }
  });
});
