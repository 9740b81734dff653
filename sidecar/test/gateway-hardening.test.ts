/**
 * The national route against what goes wrong in the field: failures inside the sidecar, pages that are not the
 * hospital's, GBK bytes without a label, gateway answers outside the contract, clients sending arbitrary infno,
 * and the province's signed TIF gateway. Each runs a real sidecar with a real SQLite file.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskIdNumbers, redactPatientFields } from '../src/logging';
import { RETRY_FIELD } from '../src/national/national-answerer';
import { tifHeaders } from '../src/upstream/tif-signature';
import { analysisEnvelope, feedbackEnvelope, nationalItems } from './fixtures/his-requests';
import { capturingLogger } from './helpers/capturing-logger';
import { callService, testServer } from './helpers/test-server';
import { until } from './helpers/until';

describe('a failure inside the sidecar', () => {
  it('answers infcode -1 saying it is an internal error (not a bad request) and logs the cause', async () => {
    const { logger, lines } = capturingLogger();
    const server = await testServer({}, { logger });
    const first = await callService(server, analysisEnvelope({ encounterId: 'MZ-H-1' }));
    expect(first.body.infcode).toBe(0);
    const jrId = first.body.output.result![0]!.jr_id;
    // The records database goes away under the service (a disk pulled, a file locked by an antivirus scan).
    server.db.close();
    const reply = await callService(server, feedbackEnvelope([{ jrId, way: '2' }]));
    expect(reply.status).toBe(200);
    expect(reply.body.infcode).toBe(-1);
    expect(reply.body.err_msg).toMatch(/^prealert 内部错误，请稍后重试 \(\w+\)$/);
    // Marked as passing, so the SDK and the widget keep the decision and send it again.
    expect((reply.body as unknown as Record<string, unknown>)[RETRY_FIELD]).toBe(true);
    expect(reply.raw.toString('utf8')).not.toMatch(/at \w+ \(/);
    const logged = lines.find((l) => l.msg === 'national request failed inside the sidecar');
    expect(logged).toBeDefined();
    expect((logged!.err as { message: string }).message).toMatch(/database/i);
    const requestLine = lines.filter((l) => l.msg === 'request').at(-1)!;
    expect(requestLine).toMatchObject({ ok: false, infno: '3103' });
    expect(String(requestLine.err_msg)).toContain('内部错误');
    await server.close();
  });

  it('says on the request log line why a request failed, with identity numbers masked', async () => {
    const { logger, lines } = capturingLogger();
    const server = await testServer({}, { logger });
    const envelope = analysisEnvelope({ encounterId: 'MZ-H-ID' }) as {
      input: { data: { patient_dtos: { brdy: string }[] } };
    };
    // An ID number typed into the birth-date field: the answer names the field and the value it got.
    envelope.input.data.patient_dtos[0]!.brdy = '440106197806211234';
    const reply = await callService(server, envelope);
    expect(reply.body.infcode).toBe(-1);
    expect(reply.body.err_msg).toContain('brdy');
    expect(reply.body.err_msg).toContain('440106197806211234');
    // The request's own fault: sending it again would fail the same way.
    expect(RETRY_FIELD in reply.body).toBe(false);
    const requestLine = lines.filter((l) => l.msg === 'request').at(-1)!;
    expect(String(requestLine.err_msg)).toContain('brdy');
    expect(JSON.stringify(lines)).not.toContain('440106197806211234');
    await server.close();
  });
});

describe('browser origins on the national route', () => {
  const demo = 'http://127.0.0.1:5174';
  let server: Awaited<ReturnType<typeof testServer>>;
  beforeAll(async () => {
    server = await testServer({ corsOrigins: [demo] });
  });
  afterAll(() => server.close());

  it('refuses a rebound domain that names itself in both Host and Origin', async () => {
    const reply = await callService(server, analysisEnvelope({ encounterId: 'MZ-H-REBIND' }), {
      headers: { host: 'rebind.example.com:17311', origin: 'http://rebind.example.com:17311' },
    });
    expect(reply.status).toBe(403);
    expect(reply.body.infcode).toBe(-1);
  });

  it('refuses a page that is not listed, even as a "simple" text/plain POST, and records nothing', async () => {
    const reply = await callService(server, analysisEnvelope({ encounterId: 'MZ-H-ORIGIN' }), {
      headers: { origin: 'https://ads.example.com', 'content-type': 'text/plain' },
    });
    expect(reply.status).toBe(403);
    expect(reply.body.infcode).toBe(-1);
    expect(reply.body.err_msg).toContain('https://ads.example.com');
    const counts = (await server.app.inject({ url: '/v1/status' })).json() as { counts: { tasks: number } };
    expect(counts.counts.tasks).toBe(0);
  });

  it('answers the listed page, its own pages and desktop clients that send no Origin', async () => {
    const variants: Record<string, string>[] = [{ origin: demo }, { origin: 'http://localhost:80' }, {}];
    for (const headers of variants) {
      const reply = await callService(server, analysisEnvelope({ encounterId: 'MZ-H-ORIGIN-OK' }), { headers });
      expect(reply.body.infcode, JSON.stringify(headers)).toBe(0);
    }
  });
});

describe('records when the hospital listens beyond loopback', () => {
  const TOKEN = 'admin-token-remote-7c2e41a9';
  /** This machine's first address other machines could use: a request to it comes from it, not from loopback. */
  const external = Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;

  function get(host: string, port: number, url: string, headers: Record<string, string> = {}) {
    return new Promise<{ status: number; body: string }>((resolve, reject) => {
      http
        .get({ host, port, path: url, headers }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString('utf8')));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        })
        .on('error', reject);
    });
  }

  it('another machine reads tasks and figures only with the admin token; the workstation itself as before', async (ctx) => {
    if (!external) return ctx.skip('this machine has no non-loopback IPv4 address to connect from');
    const open = await testServer({ host: '0.0.0.0', adminToken: TOKEN });
    const closed = await testServer({ host: '0.0.0.0' });
    try {
      await open.listen();
      await closed.listen();
      const first = await callService(open, analysisEnvelope({ encounterId: 'MZ-H-LAN-1', taskId: 'T-MZ-H-LAN-1' }));
      expect(first.body.infcode).toBe(0);
      const port = (open.app.server.address() as AddressInfo).port;
      const records = ['/v1/tasks/T-MZ-H-LAN-1', '/v1/stats?by=doctor', '/v1/stats.csv'];
      for (const url of records) {
        const remote = await get(external, port, url);
        expect(remote.status, `${url} from ${external}`).toBe(401);
        expect(remote.body).not.toContain('MZ-H-LAN-1');
        expect((await get(external, port, url, { authorization: 'Bearer wrong-token-000000000' })).status).toBe(401);
        expect((await get(external, port, url, { authorization: `Bearer ${TOKEN}` })).status, url).toBe(200);
        expect((await get('127.0.0.1', port, url)).status, `${url} from loopback`).toBe(200);
      }
      // What fleet status and monitoring read holds no patient's orders: open as before.
      for (const url of ['/v1/status', '/healthz', '/metrics']) {
        expect((await get(external, port, url)).status, url).toBe(200);
      }
      // Without an admin token nobody else reads them at all.
      const closedPort = (closed.app.server.address() as AddressInfo).port;
      const refused = await get(external, closedPort, '/v1/stats');
      expect(refused.status).toBe(403);
      expect(refused.body).toContain('admin token');
      expect((await get('127.0.0.1', closedPort, '/v1/stats')).status).toBe(200);
    } finally {
      await open.close();
      await closed.close();
    }
  });
});

describe('a rebound domain on the other routes (DNS rebinding)', () => {
  let server: Awaited<ReturnType<typeof testServer>>;
  beforeAll(async () => {
    server = await testServer({});
    await server.listen();
  });
  afterAll(() => server.close());

  it('reads nothing of tasks, figures or status under a foreign Host, over a real socket', async () => {
    const first = await callService(server, analysisEnvelope({ encounterId: 'MZ-H-REBIND-2' }));
    expect(first.body.infcode).toBe(0);
    const { port } = server.app.server.address() as AddressInfo;
    const get = (url: string, host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: url, headers: { host } }, (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString('utf8')));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          })
          .on('error', reject);
      });
    const urls = ['/v1/tasks/T-MZ-H-REBIND-2', '/v1/stats?by=doctor', '/v1/status', '/metrics', '/healthz'];
    for (const url of urls) {
      const foreign = await get(url, `rebind.example.com:${port}`);
      expect(foreign.status, url).toBe(403);
      expect(foreign.body).not.toContain('MZ-H-REBIND-2');
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
        expect((await get(url, host)).status, `${url} as ${host}`).toBe(200);
      }
    }
    // The national route stays open to any Host without an Origin: a HIS may reach the drop-in under the
    // provincial gateway's own name, mapped to 127.0.0.1 in its hosts file.
    const mapped = await callService(server, analysisEnvelope({ encounterId: 'MZ-H-REBIND-3' }), {
      headers: { host: 'hisgw.example.gov.cn:17311' },
    });
    expect(mapped.body.infcode).toBe(0);
  });

  it('listening beyond loopback, still refuses a foreign Host from this machine without the admin token', async () => {
    const TOKEN = 'admin-token-rebind-4f1d93c0';
    const open = await testServer({ host: '0.0.0.0', adminToken: TOKEN });
    try {
      await open.listen();
      const first = await callService(open, analysisEnvelope({ encounterId: 'MZ-H-REBIND-4', taskId: 'T-REBIND-4' }));
      expect(first.body.infcode).toBe(0);
      const { port } = open.app.server.address() as AddressInfo;
      const get = (from: string, url: string, headers: Record<string, string>) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          http
            .get({ host: from, port, path: url, headers }, (res) => {
              let body = '';
              res.on('data', (c: Buffer) => (body += c.toString('utf8')));
              res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
            })
            .on('error', reject);
        });
      const foreign = `rebind.example.com:${port}`;
      // The workstation's own browser, its page's domain rebound to 127.0.0.1.
      for (const url of ['/v1/tasks/T-REBIND-4', '/v1/stats?by=doctor', '/v1/status', '/metrics', '/healthz']) {
        const rebound = await get('127.0.0.1', url, { host: foreign });
        expect(rebound.status, url).toBe(403);
        expect(rebound.body).not.toContain('MZ-H-REBIND-4');
      }
      // What callers on this machine legitimately use: loopback names, its host name, its own addresses.
      const external = Object.values(os.networkInterfaces())
        .flat()
        .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;
      const names = [`127.0.0.1:${port}`, `localhost:${port}`, `${os.hostname()}:${port}`, os.hostname().toUpperCase()];
      if (external) names.push(`${external}:${port}`);
      for (const host of names) {
        expect((await get('127.0.0.1', '/v1/tasks/T-REBIND-4', { host })).status, host).toBe(200);
      }
      // Admin tools with the token (push, fleet status) may name the machine by any alias.
      const withToken = { host: `ws-0231.hospital.local:${port}`, authorization: `Bearer ${TOKEN}` };
      expect((await get('127.0.0.1', '/v1/tasks/T-REBIND-4', withToken)).status).toBe(200);
      expect(
        (await get('127.0.0.1', '/v1/tasks/T-REBIND-4', { ...withToken, authorization: 'Bearer wrong-token-000000' }))
          .status,
      ).toBe(403);
      if (external) {
        // Another machine: monitoring reads health under whatever name it knows the workstation by; records need
        // the token, under any name.
        const alias = { host: `ws-0231.hospital.local:${port}` };
        expect((await get(external, '/healthz', alias)).status).toBe(200);
        expect((await get(external, '/v1/tasks/T-REBIND-4', alias)).status).toBe(401);
        expect((await get(external, '/v1/tasks/T-REBIND-4', withToken)).status).toBe(200);
      }
      // The national route stays open to any Host (the drop-in under the gateway's name), as when on loopback.
      const mapped = await callService(open, analysisEnvelope({ encounterId: 'MZ-H-REBIND-5' }), {
        headers: { host: 'hisgw.example.gov.cn:17311' },
      });
      expect(mapped.body.infcode).toBe(0);
    } finally {
      await open.close();
    }
  });
});

describe('GBK bytes without a charset label', () => {
  it('are read as GB18030 (names intact) and answered in GBK', async () => {
    const server = await testServer();
    try {
      const { maleOnly } = nationalItems();
      const envelope = analysisEnvelope({ encounterId: 'MZ-H-GBK', firing: 1, deptName: '泌尿外科门诊' });
      const bytes = iconv.encode(JSON.stringify(envelope), 'gb18030');
      const reply = await server.app.inject({
        method: 'POST',
        url: '/fsi/api/rsfComIfsService/callService',
        headers: { 'content-type': 'application/json' },
        payload: bytes,
      });
      expect(reply.headers['content-type']).toBe('application/json; charset=gbk');
      const body = JSON.parse(iconv.decode(reply.rawPayload, 'gb18030')) as {
        infcode: number;
        output: { result: { vola_cont: string }[] };
      };
      expect(body.infcode).toBe(0);
      expect(body.output.result[0]!.vola_cont).toContain(maleOnly[0]!.name);
      expect(body.output.result[0]!.vola_cont).not.toContain('\uFFFD');
    } finally {
      await server.close();
    }
  });
});

describe('bounded echoes of what the client chose', () => {
  it('an arbitrary infno is one metrics series ("other") and is shortened in err_msg', async () => {
    const server = await testServer();
    try {
      for (let i = 0; i < 5; i++) {
        const infno = `X${i}${'9'.repeat(300)}`;
        const reply = await callService(server, { infno, input: { data: {} } });
        expect(reply.body.infcode).toBe(-1);
        expect(reply.body.err_msg.length).toBeLessThan(80);
      }
      const metrics = (await server.app.inject({ url: '/metrics' })).body;
      expect(metrics).toMatch(/prealert_requests_total\{[^}]*infno="other"[^}]*\} 5/);
      expect(metrics).not.toContain('X0999');
    } finally {
      await server.close();
    }
  });

  it('broken JSON is named without quoting the body (it may hold a patient name)', async () => {
    const server = await testServer();
    try {
      // V8 quotes the text around the error in its message ("...王测试","x":undefined}" is not valid JSON).
      for (const body of [
        '{"infno":"3101","input":{"patn_name":"王测试","x":undefined}}',
        '{"patn_name":"王测试","x":undefined}',
        '{"infno":"3101","input":{"patn_name":"王测试" oops',
      ]) {
        const reply = await callService(server, body);
        expect(reply.body.infcode).toBe(-1);
        expect(reply.body.err_msg).toContain('不是合法的 JSON');
        expect(reply.body.err_msg).not.toContain('王测试');
      }
    } finally {
      await server.close();
    }
  });
});

describe('results from the provincial gateway outside the contract', () => {
  let gateway: http.Server;
  let url: string;
  const seen: http.IncomingHttpHeaders[] = [];
  const bodies: string[] = [];
  let output: unknown;
  beforeAll(async () => {
    gateway = http.createServer((req, res) => {
      seen.push(req.headers);
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        bodies.push(Buffer.concat(chunks).toString('utf8'));
        res.setHeader('content-type', 'application/json');
        // A string is the output's raw JSON text: numbers JSON.stringify could not write (past 2^53).
        res.end(
          typeof output === 'string'
            ? `{"infcode":"0","err_msg":"","output":${output}}`
            : JSON.stringify({ infcode: '0', err_msg: '', output }),
        );
      });
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    gateway.closeAllConnections();
    await new Promise((resolve) => gateway.close(resolve));
  });

  it('are coerced, stored without extra patient fields, and never stop the recording of later answers', async () => {
    const server = await testServer({
      upstream: { url, timeoutMs: 2_000, tif: { paasId: 'hosp-44010600123', token: 'tif-secret-token' } },
    });
    try {
      output = {
        result: {
          jr_id: 'UP-ODD-1',
          rule_id: 90210,
          rule_name: null,
          patn_id: 'p1',
          patn_name: '王测试',
          certno: '440106197806211234',
          mdtrt_id: 'MZ-H-UP',
          judge_result_detail_dtos: null,
          vola_amt: '8.5',
          sev_deg: 2,
        },
      };
      const reply = await callService(server, analysisEnvelope({ encounterId: 'MZ-H-UP' }));
      expect(reply.body.infcode).toBe(0);
      const odd = reply.body.output.result!.find((r) => r.jr_id === 'UP-ODD-1')!;
      expect(odd).toMatchObject({ rule_id: '90210', rule_name: '', sev_deg: '2', vola_amt: 8.5, wf_impact: 'reason' });
      expect(odd).not.toHaveProperty('patn_name');
      // Recorded: the doctor can answer it, and the local reminders of a later request are recorded as well.
      output = { result: [] };
      const later = await callService(server, analysisEnvelope({ encounterId: 'MZ-H-UP-2' }));
      const fb = await callService(
        server,
        feedbackEnvelope([
          { jrId: 'UP-ODD-1', way: '2' },
          { jrId: later.body.output.result![0]!.jr_id, way: '2' },
        ]),
      );
      expect(fb.body.infcode).toBe(0);
      const stored = server.db.prepare('SELECT json FROM result_bodies').pluck().all() as string[];
      expect(stored.join('\n')).not.toContain('王测试');
      expect(stored.join('\n')).not.toContain('440106197806211234');
      // Every call to the TIF gateway was signed afresh.
      const [a, b] = seen.slice(-2);
      for (const h of [a!, b!]) {
        const expected = createHash('sha256')
          .update(`${h['x-tif-timestamp']}tif-secret-token${h['x-tif-nonce']}${h['x-tif-timestamp']}`)
          .digest('hex');
        expect(h['x-tif-paasid']).toBe('hosp-44010600123');
        expect(h['x-tif-signature']).toBe(expected);
        expect(Math.abs(Number(h['x-tif-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
      }
      expect(a!['x-tif-nonce']).not.toBe(b!['x-tif-nonce']);
    } finally {
      await server.close();
    }
  });

  it('keep a jr_id sent as a number, and leave out, with a warn, those with none', async () => {
    const { logger, lines } = capturingLogger();
    const server = await testServer({ upstream: { url, timeoutMs: 2_000 } }, { logger });
    try {
      const gatewayResult = (jrId: unknown) => ({
        jr_id: jrId,
        rule_id: 'R-GW',
        rule_name: '限定支付范围',
        patn_id: 'p1',
        mdtrt_id: 'MZ-H-NOID',
        vola_amt: 3,
        sev_deg: '2',
      });
      // 2^53 + 1 arrives rounded by JSON.parse: its digits would name a reminder the gateway never sent.
      const rounded = '{"jr_id":9007199254740993,"rule_id":"R-GW","patn_id":"p1","mdtrt_id":"MZ-H-NOID"}';
      const listed = [gatewayResult(770012), gatewayResult(''), gatewayResult('  '), gatewayResult(null)];
      output = `{"result":[${listed.map((r) => JSON.stringify(r)).join(',')},${rounded}]}`;
      const reply = await callService(server, analysisEnvelope({ encounterId: 'MZ-H-NOID' }));
      expect(reply.body.infcode).toBe(0);
      const fromGateway = reply.body.output.result!.filter((r) => r.rule_id === 'R-GW');
      expect(fromGateway.map((r) => r.jr_id)).toEqual(['770012']);
      expect(lines.filter((l) => l.upstream_results_without_jr_id === 4)).toHaveLength(1);
      // Answered under the id as it came back: the gateway's 3103 names it so.
      output = {};
      const fb = await callService(server, feedbackEnvelope([{ jrId: '770012', way: '2' }]));
      expect(fb.body.infcode, fb.body.err_msg).toBe(0);
      await until(() => bodies.some((b) => b.includes('"infno":"3103"') && b.includes('"warn_rslt_id":"770012"')));
    } finally {
      await server.close();
    }
  });
});

describe('the recorder', () => {
  it('stores a result body once while it comes back unchanged, and again when it changes', async () => {
    const server = await testServer();
    try {
      const bodies = () => server.db.prepare('SELECT COUNT(*) FROM result_bodies').pluck().get() as number;
      const envelope = analysisEnvelope({ encounterId: 'MZ-H-BODY', firing: 2 });
      const first = await callService(server, envelope);
      expect(first.body.output.result).toHaveLength(2);
      await server.app.inject({ url: '/v1/status' }); // writes the queued records
      expect(bodies()).toBe(2);
      // Stored without the patient's ID in clear (result and details) and without the task's id.
      const patientId = (envelope.input as { data: { patient_dtos: { patn_id: string }[] } }).data.patient_dtos[0]!
        .patn_id;
      for (const json of server.db.prepare('SELECT json FROM result_bodies').pluck().all() as string[]) {
        expect(json).not.toContain(patientId);
        const stored = JSON.parse(json) as { task_id: string; patn_id: string; judge_result_detail_dtos: object[] };
        expect(stored.task_id).toBe('');
        expect(stored.patn_id).toMatch(/^[\w-]{16,}$/);
        expect(stored.judge_result_detail_dtos).toContainEqual(expect.objectContaining({ patn_id: stored.patn_id }));
      }
      await callService(server, {
        ...envelope,
        input: { data: { ...(envelope.input as { data: object }).data, task_id: 'again' } },
      });
      await server.app.inject({ url: '/v1/status' });
      expect(bodies()).toBe(2);
      // The doctor raises the quantity of the first flagged line: its warning's amount changes, the other's not.
      const edited = structuredClone(envelope) as {
        input: {
          data: {
            task_id: string;
            patient_dtos: { fsi_encounter_dtos: { fsi_order_dtos: Record<string, string>[] }[] }[];
          };
        };
      };
      edited.input.data.task_id = 'edited';
      const line = edited.input.data.patient_dtos[0]!.fsi_encounter_dtos[0]!.fsi_order_dtos[0]!;
      line.cnt = '9';
      line.sumamt = (Number(line.pric) * 9).toFixed(2);
      const third = await callService(server, edited);
      expect(third.body.output.result!.map((r) => r.jr_id)).toEqual(first.body.output.result!.map((r) => r.jr_id));
      await server.app.inject({ url: '/v1/status' });
      expect(bodies()).toBe(3);
      const task = (await server.app.inject({ url: '/v1/tasks/edited' })).json() as {
        results: { jr_id: string; vola_amt: number }[];
      };
      expect(task.results.map((r) => r.vola_amt)).toEqual(third.body.output.result!.map((r) => r.vola_amt));
      expect(task.results.map((r) => r.vola_amt)).toContain(Number(line.sumamt));
    } finally {
      await server.close();
    }
  });
});

describe('log redaction of free text', () => {
  it('masks identity numbers inside strings and error messages, and leaves other text alone', () => {
    expect(maskIdNumbers('参保人 440106197806211234 不存在')).toBe('参保人 [redacted] 不存在');
    expect(maskIdNumbers('任务 T-20260315093000123456')).toBe('任务 T-20260315093000123456');
    const redacted = redactPatientFields({
      detail: 'infcode -1: 44010619780621123X 未参保',
      err: new Error('certno 440106197806211234 invalid'),
    }) as { detail: string; err: { message: string } };
    expect(redacted.detail).toBe('infcode -1: [redacted] 未参保');
    expect(redacted.err.message).toBe('certno [redacted] invalid');
  });

  it('signs TIF headers as SHA-256(timestamp + token + nonce + timestamp)', () => {
    const h = tifHeaders({ paasId: 'p', token: 'secret' }, 1_773_540_000_123, 'n0nce');
    expect(h['x-tif-timestamp']).toBe('1773540000');
    expect(h['x-tif-signature']).toBe(createHash('sha256').update('1773540000secretn0nce1773540000').digest('hex'));
  });
});
