/**
 * An answer that could not include the provincial gateway's warnings, against the real built sidecar configured with
 * a stand-in gateway on loopback: the answer says it is incomplete (output.truncated), so neither the SDK's
 * VanishedWarnings nor the widget (real Chromium, the demo embed page) takes the gateway's warning as resolved, and
 * no 返回修改 reaches the sidecar or the gateway for an order nobody changed.
 */
import type http from 'node:http';
import { PrealertClient, VanishedWarnings } from '@prealert/client';
import type { AnalysisInput } from '@prealert/core';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGateway, startFakeGateway } from '../sidecar/test/helpers/fake-gateway';
import { demoRequest } from './support/demo-request';
import { type DemoStack, startDemoStack } from './support/demo-stack';
import { analyse } from './support/host-analysis';
import { feedbackDrained } from './support/pending-feedback';
import { taskDispositions } from './support/task-dispositions';

const DYDROGESTERONE = 'XG03DBD084A001010102180'; // 限女性: nothing fires locally for her
const GATEWAY_JR_ID = 'GW-PROV-001';

type GatewayMode = 'warn' | 'refuse' | 'hang';

/** What the stand-in gateway does with the next 3101; its 3103s are kept to show none was forwarded. */
let mode: GatewayMode = 'warn';
const gateway3103: unknown[] = [];
const held: http.ServerResponse[] = [];
let gateway: FakeGateway;
let stack: DemoStack;

interface GatewayRequest {
  infno?: string;
  input?: {
    data?: {
      task_id?: string;
      patient_dtos?: {
        patn_id: string;
        fsi_encounter_dtos: { mdtrt_id: string; fsi_order_dtos: { rx_id: string }[] }[];
      }[];
    };
  };
}

/** The gateway's own warning on the request's first line, under the same jr_id each time (the same warning). */
function gatewayWarning(request: GatewayRequest) {
  const data = request.input!.data!;
  const patient = data.patient_dtos![0]!;
  const encounter = patient.fsi_encounter_dtos[0]!;
  const rxId = encounter.fsi_order_dtos[0]!.rx_id;
  return {
    jr_id: GATEWAY_JR_ID,
    rule_id: 'PROV-001',
    rule_name: '省级规则',
    vola_cont: '省平台提醒',
    patn_id: patient.patn_id,
    mdtrt_id: encounter.mdtrt_id,
    judge_result_detail_dtos: [
      {
        jrd_id: 'GW-D1',
        patn_id: patient.patn_id,
        mdtrt_id: encounter.mdtrt_id,
        rx_id: rxId,
        vola_item_type: '1',
        vola_amt: 10,
      },
    ],
    vola_amt: 10,
    vola_amt_stas: '1',
    sev_deg: '1',
    vola_evid: '省级依据',
    vola_bhvr_type: '1',
    task_id: data.task_id,
  };
}

function answerGateway(request: GatewayRequest, res: http.ServerResponse): void {
  res.setHeader('content-type', 'application/json');
  if (request.infno === '3103') {
    gateway3103.push(request.input?.data);
    res.end(JSON.stringify({ infcode: 0, err_msg: '', output: {} }));
  } else if (mode === 'hang') held.push(res);
  else if (mode === 'refuse') res.end(JSON.stringify({ infcode: -1, err_msg: '网关繁忙', output: {} }));
  else res.end(JSON.stringify({ infcode: 0, err_msg: '', output: { result: [gatewayWarning(request)] } }));
}

beforeAll(async () => {
  gateway = await startFakeGateway(answerGateway);
  const gatewayUrl = `${gateway.url}/`;
  stack = await startDemoStack('upstream-incomplete', { env: { PREALERT_UPSTREAM_URL: gatewayUrl } });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  for (const res of held) res.destroy();
  await gateway?.close();
});

/** The same single-line order each time: the doctor changed nothing. */
function unchangedOrder(patientId: string, taskId: string): AnalysisInput {
  return demoRequest(patientId, taskId, [{ rxId: `${patientId}-L1`, code: DYDROGESTERONE }]);
}

const dispositions = (taskId: string) => taskDispositions(stack.sidecar.url, taskId);

describe('an answer without the gateway warnings', () => {
  it('is marked incomplete, and the SDK resolves nothing with it', async () => {
    const client = new PrealertClient({ baseUrl: stack.sidecar.url, breaker: false, analyzeTimeoutMs: 10_000 });
    const vanished = new VanishedWarnings({ wholePrescriptions: true });
    const analyse = async (taskId: string) => {
      const data = unchangedOrder('UPSTREAM-SDK', taskId).data;
      const answer = await client.analyze(data);
      expect(answer.status).toBe('ok');
      return { answer, resolved: vanished.next({ ...answer, request: data }) };
    };

    mode = 'warn';
    const first = await analyse('UPSTREAM-SDK-T1');
    expect(first.answer.results.map((r) => r.jr_id)).toEqual([GATEWAY_JR_ID]);
    expect(first.answer.truncated).toBe(false);

    for (const [step, failing] of [
      ['T2', 'refuse'],
      ['T3', 'hang'],
    ] as const) {
      mode = failing;
      const again = await analyse(`UPSTREAM-SDK-${step}`);
      expect(again.answer.results).toEqual([]);
      expect(again.answer.truncated).toBe(true);
      expect(again.resolved).toEqual([]);
    }
    // The gateway's answer back: still open, still not resolved.
    mode = 'warn';
    expect((await analyse('UPSTREAM-SDK-T4')).resolved).toEqual([]);
    await client.close();
    expect(await dispositions('UPSTREAM-SDK-T1')).toEqual({});
    expect(gateway3103).toEqual([]);
  }, 60_000);

  it('is not taken by the widget as the doctor resolving the gateway warning', async () => {
    const page = await stack.context.newPage();
    const sent3103: unknown[] = [];
    page.on('request', (req) => {
      const body = req.postData();
      if (req.method() === 'POST' && body && (JSON.parse(body) as { infno?: string }).infno === '3103')
        sent3103.push(body);
    });
    await page.goto(`${stack.demo.url}/embed.html`);
    await page.waitForFunction(() => document.body.dataset.taskId !== undefined);
    await page.evaluate(() => {
      const log: string[][] = [];
      (window as unknown as { resolvedEvents: string[][] }).resolvedEvents = log;
      document.addEventListener('prealert-resolved', (event) =>
        log.push((event as CustomEvent<{ results: { jr_id: string }[] }>).detail.results.map((r) => r.jr_id)),
      );
    });

    mode = 'warn';
    expect(await hostAnalyses(page, unchangedOrder('UPSTREAM-WIDGET', 'UPSTREAM-WIDGET-T1'))).toEqual([GATEWAY_JR_ID]);
    mode = 'refuse';
    expect(await hostAnalyses(page, unchangedOrder('UPSTREAM-WIDGET', 'UPSTREAM-WIDGET-T2'))).toEqual([]);
    await feedbackDrained(page);

    expect(await page.evaluate(() => (window as unknown as { resolvedEvents: string[][] }).resolvedEvents)).toEqual([]);
    expect(sent3103).toEqual([]);
    expect(await dispositions('UPSTREAM-WIDGET-T1')).toEqual({});
    expect(gateway3103).toEqual([]);
    await page.close();
  }, 60_000);
});

/** The host page as the widget README has it: callService, then show() with the request and `truncated`. */
async function hostAnalyses(page: Page, input: AnalysisInput): Promise<string[]> {
  return (await analyse(page, input, { wholePrescriptions: true }, 10_000)).shownJrIds;
}
