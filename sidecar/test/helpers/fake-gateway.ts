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
