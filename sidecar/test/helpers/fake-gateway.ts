import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeGateway {
  /** Its base URL, without a trailing slash. */
  url: string;
  /** Drops every connection (answers held open included) and stops listening. */
  close(): Promise<void>;
}

/**
 * A stand-in provincial gateway on loopback: each request's body is read whole, parsed as JSON and handed to
 * `answer`, which writes the response (or keeps it, to play a gateway that hangs).
 */
export async function startFakeGateway<Body>(
  answer: (body: Body, res: http.ServerResponse, req: http.IncomingMessage) => void,
): Promise<FakeGateway> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => answer(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Body, res, req));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * A warning as a provincial gateway that draws a fresh jr_id on every call gives it (GW-<call>): rule R01 配伍禁忌 on
 * line <mdtrtId>-003 of the encounter, 12.00.
 */
export function freshIdWarning(call: number, mdtrtId: string) {
  return {
    jr_id: `GW-${call}`,
    rule_id: 'R01',
    rule_name: '配伍禁忌',
    vola_cont: '患者处方中存在配伍禁忌的药品【A药】、【B药】。',
    patn_id: 'p',
    mdtrt_id: mdtrtId,
    judge_result_detail_dtos: [
      {
        jrd_id: `d${call}`,
        patn_id: 'p',
        mdtrt_id: mdtrtId,
        rx_id: `${mdtrtId}-003`,
        vola_item_type: '1',
        vola_amt: 12,
      },
    ],
    vola_amt: 12,
    vola_amt_stas: '1',
    sev_deg: '2',
    vola_evid: '',
    vola_bhvr_type: '1',
    task_id: 'T-GW',
  };
}

/**
 * A result of the gateway's own, in the shape gateways send (amounts as text, no details): a 3103 deciding it is
 * queued for the gateway.
 */
export function gatewayResult(jrId: string, ruleId: string, encounterId: string, taskId: string) {
  return {
    jr_id: jrId,
    rule_id: ruleId,
    rule_name: '省级规则',
    vola_cont: '省级网关的提醒',
    patn_id: 'p',
    mdtrt_id: encounterId,
    judge_result_detail_dtos: [],
    vola_amt: '0',
    vola_amt_stas: '0',
    sev_deg: '3',
    vola_evid: '',
    vola_bhvr_type: '1',
    task_id: taskId,
  };
}

/** A 3101 or 3103 body as the sidecar sends it to the gateway, as far as the stand-in below reads it. */
export interface GatewayRequestBody {
  infno?: string;
  input?: { data?: { warns?: ({ warn_rslt_id: string } | null)[] } };
}

/**
 * A stand-in provincial gateway that answers every 3101 with one result of its own for the encounter it names
 * (jr_id GW-<mdtrt_id>, rule R-GW, task T-GW), so a test can decide it by name in a 3103; each 3103 goes to
 * `on3103` with the warn_rslt_ids it carries (a null warn as 'null', so a test sees it rather than the stand-in
 * throwing), and its answer is what `on3103` returns, or a plain acceptance when it returns nothing.
 */
export function startEncounterGateway(
  on3103: (warnIds: string[], body: GatewayRequestBody) => Record<string, unknown> | undefined,
): Promise<FakeGateway> {
  return startFakeGateway<GatewayRequestBody>((body, res) => {
    res.setHeader('content-type', 'application/json');
    if (body.infno === '3103') {
      const warnIds = (body.input?.data?.warns ?? []).map((w) => (w === null ? 'null' : w.warn_rslt_id));
      res.end(JSON.stringify(on3103(warnIds, body) ?? { infcode: 0, err_msg: '', output: {} }));
      return;
    }
    const encounter = /"mdtrt_id":"([^"]+)"/.exec(JSON.stringify(body))?.[1] ?? '';
    res.end(
      JSON.stringify({
        infcode: 0,
        err_msg: '',
        output: { result: [gatewayResult(`GW-${encounter}`, 'R-GW', encounter, 'T-GW')] },
      }),
    );
  });
}
