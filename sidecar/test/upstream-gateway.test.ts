import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import type { JudgeResultDetailDto } from '@prealert/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SidecarServer } from '../src/server';
import { DATABASE_FILE_NAME } from '../src/store/database';
import type { TaskView } from '../src/store/tasks';
import { analysisEnvelope, feedbackEnvelope } from './fixtures/his-requests';
import { capturingLogger } from './helpers/capturing-logger';
import { type FakeGateway, gatewayResult, startFakeGateway } from './helpers/fake-gateway';
import { callOverHttp, callService, testServer } from './helpers/test-server';
import { until } from './helpers/until';

/** A stand-in provincial gateway on loopback whose behaviour each test sets. */
let behaviour: (body: Record<string, unknown>, res: http.ServerResponse) => void;
let gateway: FakeGateway;
let gatewayUrl: string;
const received: { url: string; headers: http.IncomingHttpHeaders; body: Record<string, unknown> }[] = [];

beforeAll(async () => {
  gateway = await startFakeGateway<Record<string, unknown>>((body, res, req) => {
    received.push({ url: req.url ?? '', headers: req.headers, body });
    behaviour(body, res);
  });
  gatewayUrl = gateway.url;
});
afterAll(async () => {
  await gateway.close();
});

async function withSidecar(timeoutMs: number, run: (server: SidecarServer) => Promise<void>) {
  const server = await testServer({
    upstream: { url: gatewayUrl, timeoutMs, headers: { 'x-tif-paasid': 'test-paas' } },
  });
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

const answer = (res: http.ServerResponse, output: unknown) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ infcode: 0, inf_refmsgid: 'x', refmsg_time: '', respond_time: '', err_msg: '', output }));
};

/** A gateway that answers 502 to the first 3103 it gets (the outbox then backs off) and accepts everything after. */
function refusingFirst3103(): typeof behaviour {
  let refusals = 1;
  return (body, res) => {
    if (body.infno === '3103' && refusals-- > 0) {
      res.statusCode = 502;
      res.end();
      return;
    }
    answer(res, {});
  };
}

describe('provincial gateway (upstream)', () => {
  it('forwards the envelope to the national path and merges new results, dropping duplicates by rule and line', async () => {
    await withSidecar(2_000, async (server) => {
      behaviour = (_body, res) => answer(res, { result: [] });
      const local = (await callService(server, analysisEnvelope({ encounterId: 'MZ-U-1' }))).body;
      const [first] = local.output.result!;
      behaviour = (_body, res) =>
        answer(res, {
          result: [
            // Same rule and flagged line as a local result, with the gateway's own jr_id: a duplicate.
            { ...first, jr_id: 'UP-DUP-1' },
            {
              jr_id: 'UP-NEW-1',
              rule_id: 'R01',
              rule_name: '配伍禁忌',
              vola_cont: '患者处方中存在配伍禁忌的药品【A药】、【B药】。',
              patn_id: 'p',
              mdtrt_id: 'MZ-U-1',
              judge_result_detail_dtos: {
                jrd_id: 'd1',
                patn_id: 'p',
                mdtrt_id: 'MZ-U-1',
                rx_id: 'MZ-U-1-003',
                vola_item_type: '1',
                vola_amt: '12.00',
              },
              vola_amt: '12.00',
              vola_amt_stas: '1',
              sev_deg: '1',
              vola_evid: '',
              vola_bhvr_type: '1',
              task_id: 'T-MZ-U-1',
            },
          ],
        });
      const reply = await callService(server, analysisEnvelope({ encounterId: 'MZ-U-1' }));
      expect(received.at(-1)!.url).toBe('/fsi/api/rsfComIfsService/callService');
      expect(received.at(-1)!.headers['x-tif-paasid']).toBe('test-paas');
      expect(received.at(-1)!.body.infno).toBe('3101');
      const ids = reply.body.output.result!.map((r) => r.jr_id);
      expect(reply.body.output.truncated).toBeUndefined();
      expect(ids).toHaveLength(3);
      expect(ids).toContain('UP-NEW-1');
      expect(ids).not.toContain('UP-DUP-1');
      const upstream = reply.body.output.result!.find((r) => r.jr_id === 'UP-NEW-1')!;
      expect(upstream).toMatchObject({ vola_amt: 12, sev_deg: '1', wf_impact: 'reason' });
      // The gateway's result was recorded too, so the doctor can answer it with a 3103.
      const fb = await callService(server, feedbackEnvelope([{ jrId: 'UP-NEW-1', way: '2' }]));
      expect(fb.body.infcode).toBe(0);
    });
  });

  it('reads the coded fields a gateway or middleware writes as labels (spec S-16: 明确违规, 异常, 涉及项)', async () => {
    await withSidecar(2_000, async (server) => {
      behaviour = (_body, res) =>
        answer(res, {
          result: [
            {
              jr_id: 'UP-LABELS-1',
              rule_id: 'R02',
              rule_name: '配伍禁忌',
              vola_cont: '患者处方中存在配伍禁忌的药品【A药】、【B药】。',
              patn_id: 'p',
              mdtrt_id: 'MZ-U-L',
              judge_result_detail_dtos: [
                {
                  jrd_id: 'd1',
                  patn_id: 'p',
                  mdtrt_id: 'MZ-U-L',
                  rx_id: 'MZ-U-L-003',
                  vola_item_type: '违规项',
                  vola_amt: '12.00',
                },
                {
                  jrd_id: 'd2',
                  patn_id: 'p',
                  mdtrt_id: 'MZ-U-L',
                  rx_id: 'MZ-U-L-001',
                  vola_item_type: '涉及项',
                  vola_amt: '0',
                },
              ],
              vola_amt: '12.00',
              vola_amt_stas: '异常',
              sev_deg: '明确违规',
              vola_evid: '',
              vola_bhvr_type: '行为类',
              task_id: 'T-MZ-U-L',
            },
          ],
        });
      const reply = await callService(server, analysisEnvelope({ encounterId: 'MZ-U-L' }));
      const upstream = reply.body.output.result!.find((r) => r.jr_id === 'UP-LABELS-1')!;
      // Read as codes only, 明确违规 was 轻度可疑 and asked a confirmation, not the reason a 明确违规 needs.
      expect(upstream).toMatchObject({ sev_deg: '1', wf_impact: 'reason', vola_amt_stas: '0' });
      const details = upstream.judge_result_detail_dtos as JudgeResultDetailDto[];
      expect(details.map((d) => [d.rx_id, d.vola_item_type])).toEqual([
        ['MZ-U-L-003', '1'],
        ['MZ-U-L-001', '2'],
      ]);
    });
  });

  it("sends the doctor's decisions on the gateway's own results back to it as a 3103, through failures", async () => {
    const server = await testServer({
      upstream: { url: gatewayUrl, timeoutMs: 2_000, headers: { 'x-tif-paasid': 'test-paas' } },
    });
    try {
      const upstreamResult = {
        jr_id: 'UP-FB-1',
        rule_id: 'R01',
        rule_name: '配伍禁忌',
        vola_cont: '患者处方中存在配伍禁忌的药品【A药】、【B药】。',
        patn_id: 'p',
        mdtrt_id: 'MZ-U-FB',
        judge_result_detail_dtos: [],
        vola_amt: 0,
        vola_amt_stas: '1',
        sev_deg: '2',
        vola_evid: '',
        vola_bhvr_type: '1',
        task_id: 'T-MZ-U-FB',
      };
      behaviour = (_body, res) => answer(res, { result: [upstreamResult] });
      const reply = await callService(server, analysisEnvelope({ encounterId: 'MZ-U-FB' }));
      const local = reply.body.output.result!.find((r) => r.jr_id !== 'UP-FB-1')!;
      // The gateway is down for the first 3103 it gets: the outbox retries.
      behaviour = refusingFirst3103();
      received.length = 0;
      await server.listen();
      const fb = await callService(
        server,
        feedbackEnvelope([
          { jrId: 'UP-FB-1', way: '1', reason: '临床必需' },
          { jrId: local.jr_id, way: '2' },
        ]),
      );
      expect(fb.body.infcode).toBe(0);
      const deadline = Date.now() + 10_000;
      while (received.filter((r) => r.body.infno === '3103').length < 2 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const sent = received.filter((r) => r.body.infno === '3103');
      expect(sent).toHaveLength(2);
      expect(sent[1]!.body).toMatchObject({
        infno: '3103',
        fixmedins_code: 'H44010600123',
        input: {
          data: { warn_type: '1', warns: [{ warn_rslt_id: 'UP-FB-1', dspo_way: '1', dspo_way_rea: '临床必需' }] },
        },
      });
      expect(sent[1]!.headers['x-tif-paasid']).toBe('test-paas');
      // The gateway has the request; the outbox marks it delivered once the gateway's answer is back.
      const pending = () =>
        server.db
          .prepare("SELECT COUNT(*) FROM outbox WHERE kind = 'upstream_feedback' AND delivered_at IS NULL")
          .pluck()
          .get();
      while (pending() !== 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(pending()).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('forwards a callService<infno> whose body has no infno with the infno the path gave', async () => {
    const server = await testServer({ upstream: { url: gatewayUrl, timeoutMs: 2_000 } });
    try {
      await server.listen();
      behaviour = (body, res) =>
        body.infno === '3101'
          ? answer(res, { result: [gatewayResult('UP-PATH-1', 'PATH-R1', 'MZ-U-PATH', 'T-UP')] })
          : res.end(JSON.stringify({ infcode: -1, err_msg: 'infno 不能为空', output: {} }));
      const { infno: _infno, ...withoutInfno } = analysisEnvelope({ encounterId: 'MZ-U-PATH' });
      const reply = await callOverHttp(server, withoutInfno, { url: '/fsi/api/rsfComIfsService/callService3101' });
      expect(received.at(-1)!.body).toMatchObject({ infno: '3101', input: withoutInfno.input });
      expect(reply.body.output.result!.map((r) => r.jr_id)).toContain('UP-PATH-1');
      expect(reply.body.output.truncated).toBeUndefined();
    } finally {
      await server.close();
    }
  });

  it('a gateway slower than the budget does not delay the local answer beyond it', async () => {
    await withSidecar(300, async (server) => {
      behaviour = (_body, res) => setTimeout(() => answer(res, { result: [] }), 3_000);
      const started = performance.now();
      const reply = await callService(server, analysisEnvelope({ encounterId: 'MZ-U-2' }));
      const elapsed = performance.now() - started;
      expect(reply.body.infcode).toBe(0);
      expect(reply.body.output.result).toHaveLength(2);
      expect(elapsed).toBeGreaterThanOrEqual(290);
      expect(elapsed).toBeLessThan(1_500);
    });
  });

  it('a gateway error, garbage or HTTP 500 leaves the local answer intact', async () => {
    await withSidecar(1_000, async (server) => {
      // An answer without a result list says the gateway found nothing: that list is complete.
      behaviour = (_b, res) => answer(res, {});
      const nothing = await callService(server, analysisEnvelope({ encounterId: 'MZ-U-3' }));
      expect(nothing.body.output.result).toHaveLength(2);
      expect(nothing.body.output.truncated).toBeUndefined();
      for (const misbehave of [
        (_b: unknown, res: http.ServerResponse) => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ infcode: -1, err_msg: '网关繁忙', output: {} }));
        },
        (_b: unknown, res: http.ServerResponse) => res.end('<html>502 Bad Gateway</html>'),
        (_b: unknown, res: http.ServerResponse) => {
          res.statusCode = 500;
          res.end();
        },
        (_b: unknown, res: http.ServerResponse) => res.socket?.destroy(),
      ]) {
        behaviour = misbehave;
        const reply = await callService(server, analysisEnvelope({ encounterId: 'MZ-U-3' }));
        expect(reply.body.infcode).toBe(0);
        expect(reply.body.output.result).toHaveLength(2);
        // Without the gateway's warnings the list is incomplete, and says so.
        expect(reply.body.output.truncated).toBe(true);
      }
      // Fields that are JSON objects with a "toString" key: Number() and String() of those throw.
      for (const odd of [
        { infcode: { toString: 1 }, err_msg: '网关繁忙', output: {} },
        { infcode: 0, err_msg: { toString: 1 }, output: {} },
      ]) {
        behaviour = (_b, res) => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify(odd));
        };
        const reply = await callService(server, analysisEnvelope({ encounterId: 'MZ-U-3' }));
        expect(reply.body.infcode).toBe(0);
        expect(reply.body.output.result).toHaveLength(2);
      }
    });
  });

  it('a gateway that is not there at all changes nothing but the incomplete mark', async () => {
    const server = await testServer({ upstream: { url: 'http://127.0.0.1:9/', timeoutMs: 500 } });
    try {
      const reply = await callService(server, analysisEnvelope({ encounterId: 'MZ-U-4' }));
      expect(reply.body.output.result).toHaveLength(2);
      expect(reply.body.output.truncated).toBe(true);
    } finally {
      await server.close();
    }
  });
});

describe('provincial gateway answers beyond the contract', () => {
  it('refuses an answer larger than upstream.maxBodyBytes, by its content-length or while it streams', async () => {
    const server = await testServer({ upstream: { url: gatewayUrl, timeoutMs: 10_000, maxBodyBytes: 64 * 1024 } });
    try {
      const head = `{"infcode":0,"err_msg":"","output":{"result":[${JSON.stringify(gatewayResult('UP-BIG-1', 'R-BIG', 'MZ-U-5', 'T-UP'))}],"padding":"`;
      const big = `${head}${' '.repeat(256 * 1024)}"}}`;
      behaviour = (_body, res) => {
        res.setHeader('content-type', 'application/json');
        res.setHeader('content-length', Buffer.byteLength(big));
        res.end(big);
      };
      const declared = await callService(server, analysisEnvelope({ encounterId: 'MZ-U-5' }));
      expect(declared.body.infcode).toBe(0);
      expect(declared.body.output.result!.map((r) => r.jr_id)).not.toContain('UP-BIG-1');
      expect(declared.body.output.result).toHaveLength(2);

      // No content-length: 32 MiB streamed in 64 KiB chunks. The sidecar stops reading at the cap and closes the
      // connection, so the gateway never gets to write the end; read whole, it would have been merged.
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let written = 0;
      let finished = false;
      let closed!: Promise<void>;
      behaviour = (_body, res) => {
        closed = new Promise((resolve) => res.on('close', () => resolve()));
        res.setHeader('content-type', 'application/json');
        res.write(head);
        let n = 0;
        const pump = () => {
          while (n < 512) {
            if (res.destroyed) return;
            n++;
            written += chunk.length;
            if (!res.write(chunk)) {
              res.once('drain', pump);
              return;
            }
          }
          res.end('"}}');
          finished = true;
        };
        pump();
      };
      const streamed = await callService(server, analysisEnvelope({ encounterId: 'MZ-U-5' }));
      expect(streamed.body.infcode).toBe(0);
      expect(streamed.body.output.result!.map((r) => r.jr_id)).not.toContain('UP-BIG-1');
      await closed;
      expect(finished).toBe(false);
      expect(written).toBeLessThan(16 * 1024 * 1024);
    } finally {
      await server.close();
    }
  });

  it('merges at most 200 results from one answer', async () => {
    await withSidecar(5_000, async (server) => {
      const many = Array.from({ length: 500 }, (_, i) =>
        gatewayResult(`UP-MANY-${i}`, `R-MANY-${i}`, 'MZ-U-6', 'T-UP'),
      );
      behaviour = (_body, res) => answer(res, { result: many });
      const reply = await callService(server, analysisEnvelope({ encounterId: 'MZ-U-6' }));
      expect(reply.body.infcode).toBe(0);
      const ids = reply.body.output.result!.map((r) => r.jr_id);
      expect(ids.filter((id) => id.startsWith('UP-MANY-'))).toHaveLength(200);
      expect(ids).toContain('UP-MANY-0');
      expect(ids).not.toContain('UP-MANY-200');
    });
  });

  it('uses an answer with infcode 0 and a message, and logs the message as a warning', async () => {
    const { logger, lines } = capturingLogger();
    const server = await testServer({ upstream: { url: gatewayUrl, timeoutMs: 5_000 } }, { logger });
    try {
      behaviour = (_body, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            infcode: 0,
            err_msg: 'FSI-签名错误',
            output: { result: [gatewayResult('UP-MSG-1', 'R-MSG', 'MZ-U-7', 'T-UP')] },
          }),
        );
      };
      const reply = await callService(server, analysisEnvelope({ encounterId: 'MZ-U-7' }));
      expect(reply.body.output.result!.map((r) => r.jr_id)).toContain('UP-MSG-1');
      await new Promise((resolve) => setTimeout(resolve, 50));
      const warning = lines.find((l) => l.level === 40 && JSON.stringify(l).includes('FSI-签名错误'));
      expect(warning).toBeDefined();
    } finally {
      await server.close();
    }
  });

  it('reads amounts as gateways write them, and marks one it cannot read as not computed with one warning', async () => {
    const { logger, lines } = capturingLogger();
    const server = await testServer({ upstream: { url: gatewayUrl, timeoutMs: 5_000 } }, { logger });
    try {
      const enc = 'MZ-U-AMT';
      const result = (id: string, amount: unknown, detailAmount: unknown = '0') => ({
        ...gatewayResult(`UP-AMT-${id}`, `R-AMT-${id}`, enc, 'T-UP'),
        vola_amt: amount,
        vola_amt_stas: '1',
        judge_result_detail_dtos: [
          { jrd_id: `d-${id}`, patn_id: 'p', mdtrt_id: enc, rx_id: '', vola_item_type: '2', vola_amt: detailAmount },
        ],
      });
      behaviour = (_body, res) =>
        answer(res, {
          result: [
            result('GROUPED', '1,234.50'),
            result('WIDE', ' ￥１２．３０ '),
            result('NUMBER', 7.5),
            // A decimal comma or words are not read as some other number; no amount at all is not computed either,
            // but nothing was garbled: no warning for it.
            result('COMMA', '12,5'),
            result('TEXT', '约30元', '约30元'),
            result('NONE', null),
          ],
        });
      const reply = await callService(server, analysisEnvelope({ encounterId: enc, patientName: '欧阳明月' }));
      expect(reply.body.infcode).toBe(0);
      const shown = new Map(reply.body.output.result!.map((r) => [r.jr_id, r]));
      expect(shown.get('UP-AMT-GROUPED')).toMatchObject({ vola_amt: 1234.5, vola_amt_stas: '1' });
      expect(shown.get('UP-AMT-WIDE')).toMatchObject({ vola_amt: 12.3, vola_amt_stas: '1' });
      expect(shown.get('UP-AMT-NUMBER')).toMatchObject({ vola_amt: 7.5, vola_amt_stas: '1' });
      expect(shown.get('UP-AMT-COMMA')).toMatchObject({ vola_amt: 0, vola_amt_stas: '0' });
      expect(shown.get('UP-AMT-TEXT')).toMatchObject({ vola_amt: 0, vola_amt_stas: '0' });
      expect(shown.get('UP-AMT-NONE')).toMatchObject({ vola_amt: 0, vola_amt_stas: '0' });

      // One line for the answer, naming the fields; nothing of the patient or of what the gateway wrote there.
      const warnings = lines.filter((l) => l.level === 40 && 'unreadable_fields' in l);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.unreadable_fields).toEqual([
        'output.result[].vola_amt',
        'output.result[].judge_result_detail_dtos[].vola_amt',
      ]);
      const logged = JSON.stringify(lines);
      for (const secret of ['欧阳明月', '44010000000001234567', '12,5', '约30元']) expect(logged).not.toContain(secret);

      const byRule = JSON.parse((await server.app.inject({ url: '/v1/stats?by=rule' })).payload) as {
        rows: { key: string; reminders: number; reminder_amount: number }[];
      };
      const amountOf = (rule: string) => byRule.rows.find((r) => r.key === rule)?.reminder_amount;
      expect(amountOf('R-AMT-GROUPED')).toBe(1234.5);
      expect(amountOf('R-AMT-WIDE')).toBe(12.3);
      expect(amountOf('R-AMT-COMMA')).toBe(0);
    } finally {
      await server.close();
    }
  });

  it("logs a gateway's message without the names of the request's patients", async () => {
    // Debug: a refused call's detail is logged per call at debug level (the warning is one per outage, without it).
    const { logger, lines } = capturingLogger('debug');
    const server = await testServer({ upstream: { url: gatewayUrl, timeoutMs: 5_000 } }, { logger });
    try {
      for (const infcode of [-1, 0]) {
        behaviour = (_body, res) => {
          res.setHeader('content-type', 'application/json');
          res.end(
            JSON.stringify({
              infcode,
              err_msg: `参保人欧阳明月(就诊ID MZ-U-NM)的就诊信息不存在，请核对欧阳明月的参保信息`,
              output: { result: [] },
            }),
          );
        };
        lines.length = 0;
        const reply = await callService(
          server,
          analysisEnvelope({ encounterId: 'MZ-U-NM', patientName: ' 欧阳明月 ' }),
        );
        expect(reply.body.infcode).toBe(0);
        await new Promise((resolve) => setTimeout(resolve, 50));
        const warning = lines.find(
          (l) => (l.level === 40 || l.level === 20) && JSON.stringify(l).includes('就诊信息不存在'),
        );
        expect(warning, `infcode ${infcode}`).toBeDefined();
        const logged = JSON.stringify(warning);
        expect(logged).not.toContain('欧阳明月');
        expect(logged).toContain('参保人[redacted](就诊ID MZ-U-NM)');
      }
    } finally {
      await server.close();
    }
  });

  it("records a gateway's result without the patient's name, and answers it to the doctor as sent", async () => {
    const server = await testServer({ upstream: { url: gatewayUrl, timeoutMs: 5_000 } });
    try {
      const text = '参保人"司马相如"本年度已使用该药品超过限定天数';
      behaviour = (_body, res) =>
        answer(res, { result: [{ ...gatewayResult('UP-NAME-1', 'R-NAME', 'MZ-U-NAME', 'T-UP'), vola_cont: text }] });
      const reply = await callService(
        server,
        analysisEnvelope({ encounterId: 'MZ-U-NAME', taskId: 'T-MZ-U-NAME', patientName: '"司马相如"' }),
      );
      const shown = reply.body.output.result!.find((r) => r.jr_id === 'UP-NAME-1');
      expect(shown?.vola_cont).toBe(text);
      const task = JSON.parse((await server.app.inject({ url: '/v1/tasks/T-MZ-U-NAME' })).payload) as TaskView;
      expect(task.results.find((r) => r.jr_id === 'UP-NAME-1')?.vola_cont).toBe(
        '参保人[redacted]本年度已使用该药品超过限定天数',
      );
      for (const file of fs.readdirSync(server.dataDir).filter((f) => f.startsWith(DATABASE_FILE_NAME))) {
        const bytes = fs.readFileSync(path.join(server.dataDir, file));
        expect(bytes.includes(Buffer.from('司马相如')), file).toBe(false);
      }
    } finally {
      await server.close();
    }
  });

  it('masks a patient\'s name only inside the gateway result\'s texts, so a name like "12" keeps the record and its 3103', async () => {
    const server = await testServer({ upstream: { url: gatewayUrl, timeoutMs: 5_000 } });
    try {
      for (const patientName of ['12', 'id', 'null']) {
        const encounterId = `MZ-U-JS-${patientName}`;
        const taskId = `T-${encounterId}`;
        const jrId = `UP-JS-${patientName}`;
        behaviour = (body, res) => {
          if (body.infno !== '3101') return answer(res, {});
          answer(res, {
            result: [
              {
                ...gatewayResult(jrId, `R-JS-${patientName}`, encounterId, 'T-UP'),
                vola_cont: `参保人${patientName}超量`,
                judge_result_detail_dtos: [
                  { jrd_id: 'd1', patn_id: 'p', mdtrt_id: encounterId, rx_id: `${encounterId}-003`, vola_amt: 12 },
                ],
                vola_amt: 12,
              },
            ],
          });
        };
        const reply = await callService(server, analysisEnvelope({ encounterId, taskId, patientName }));
        expect(reply.body.output.result!.map((r) => r.jr_id)).toContain(jrId);
        const task = await server.app.inject({ url: `/v1/tasks/${taskId}` });
        expect(task.statusCode, patientName).toBe(200);
        const recorded = (JSON.parse(task.payload) as TaskView).results.find((r) => r.jr_id === jrId);
        expect(recorded?.vola_cont, patientName).toBe('参保人[redacted]超量');
        expect(recorded?.vola_amt, patientName).toBe(12);
        const feedback = (await callService(server, feedbackEnvelope([{ jrId, way: '2' }]))).body;
        expect(feedback.infcode, `${patientName}: ${feedback.err_msg}`).toBe(0);
      }
    } finally {
      await server.close();
    }
  });

  it("keeps only the infcode of a gateway's 3103 refusal, whose err_msg may name the patient, in the log and outbox", async () => {
    const { logger, lines } = capturingLogger();
    const server = await testServer({ upstream: { url: gatewayUrl, timeoutMs: 5_000 } }, { logger });
    try {
      behaviour = (body, res) => {
        if (body.infno !== '3101') {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ infcode: -1, err_msg: '参保人王测试的预警结果不存在' }));
          return;
        }
        answer(res, { result: [gatewayResult('UP-REF-1', 'R-REF', 'MZ-U-REF', 'T-UP')] });
      };
      await callService(server, analysisEnvelope({ encounterId: 'MZ-U-REF' }));
      await server.listen();
      const fb = await callService(server, feedbackEnvelope([{ jrId: 'UP-REF-1', way: '2' }]));
      expect(fb.body.infcode).toBe(0);
      const lastError = () =>
        server.db
          .prepare("SELECT last_error FROM outbox WHERE kind = 'upstream_feedback' AND last_error IS NOT NULL")
          .pluck()
          .get() as string | undefined;
      const deadline = Date.now() + 10_000;
      while (lastError() === undefined && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(lastError()).toBe("infcode -1 (the gateway's err_msg is withheld: it may name a patient)");
      // The warning waits for the entry's retry (about a second): until then the refusal could be the gateway's,
      // refusing every entry alike (outbox-forwarder.ts REFUSED_ALIKE).
      const logged = () => lines.filter((l) => JSON.stringify(l).includes('infcode -1'));
      await until(() => logged().length > 0, 10_000);
      expect(lines.filter((l) => JSON.stringify(l).includes('王测试'))).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('a changed decision supersedes an earlier one still waiting to go, so the gateway ends with the newest', async () => {
    const server = await testServer({ upstream: { url: gatewayUrl, timeoutMs: 2_000 } });
    try {
      behaviour = (_body, res) =>
        answer(res, {
          result: [
            gatewayResult('UP-ORD-1', 'R-ORD-1', 'MZ-U-8', 'T-UP'),
            gatewayResult('UP-ORD-2', 'R-ORD-2', 'MZ-U-8', 'T-UP'),
          ],
        });
      await callService(server, analysisEnvelope({ encounterId: 'MZ-U-8' }));
      // The first 3103 meets a 502 and backs off (about a second); the doctor's change goes out meanwhile.
      behaviour = refusingFirst3103();
      received.length = 0;
      await server.listen();
      const sent = () => received.filter((r) => r.body.infno === '3103').map((r) => r.body.input);
      await callService(
        server,
        feedbackEnvelope([
          { jrId: 'UP-ORD-1', way: '1', reason: '临床必需' },
          { jrId: 'UP-ORD-2', way: '1', reason: '临床必需' },
        ]),
      );
      const deadline = Date.now() + 5_000;
      while (sent().length < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      await callService(server, feedbackEnvelope([{ jrId: 'UP-ORD-1', way: '2' }]));
      const pending = () =>
        server.db
          .prepare("SELECT COUNT(*) FROM outbox WHERE kind = 'upstream_feedback' AND delivered_at IS NULL")
          .pluck()
          .get();
      // Past the first entry's backoff (at most 1.2 s) whatever was to be retried has gone, and the outbox marks an
      // entry delivered only once the gateway's answer is back: waited for, not slept on (a fixed 2.5 s could pass
      // on a loaded machine before the retry's answer had come).
      await until(() => pending() === 0, 15_000);
      const delivered = sent().slice(1) as { data: { warns: { warn_rslt_id: string; dspo_way: string }[] } }[];
      const last = new Map<string, string>();
      for (const input of delivered) for (const w of input.data.warns) last.set(w.warn_rslt_id, w.dspo_way);
      expect(last).toEqual(
        new Map([
          ['UP-ORD-1', '2'],
          ['UP-ORD-2', '1'],
        ]),
      );
      // The earlier 3103 went again carrying only the decision nobody changed.
      expect(delivered.flatMap((i) => i.data.warns.filter((w) => w.warn_rslt_id === 'UP-ORD-1'))).toHaveLength(1);
      expect(pending()).toBe(0);
    } finally {
      await server.close();
    }
  });
});
