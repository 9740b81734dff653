import net from 'node:net';
import iconv from 'iconv-lite';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CALL_SERVICE_ROUTE, NATIONAL_ROUTE_PATTERNS } from '../src/national/national-routes';
import type { SidecarServer } from '../src/server';
import { analysisEnvelope, feedbackEnvelope, SEX_RULE_DRUG } from './fixtures/his-requests';
import { capturingLogger } from './helpers/capturing-logger';
import { callOverHttp, callService, testServer } from './helpers/test-server';
import { until } from './helpers/until';

let server: SidecarServer;
/** The request log lines of `server`. */
let logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  const { logger, lines } = capturingLogger();
  logLines = lines;
  server = await testServer({ bodyLimitBytes: 200_000 }, { logger });
  await server.listen();
});
afterAll(async () => {
  await server.close();
});

/**
 * National calls over a socket that the direct lane leaves to fastify on purpose (direct-lane.ts): no body or one
 * over the limit, and bodies not declared as JSON. Every other national call over a socket must take the lane.
 */
const LEFT_TO_FASTIFY = new Set([
  'an empty body',
  'an oversized body',
  'a body sent without Content-Type, or labelled text/plain or form data, is still read as JSON',
  'an unparseable Content-Type',
]);
/** Cases that call a server of their own, whose log is not read here. */
const OWN_SERVER = new Set(['is required on /v1/yb/* when configured, and written to the port file']);

// Every case runs twice: injected into fastify's routes, and over a socket, where a desktop HIS's call takes the
// direct lane in front of fastify. Both must answer alike, and over a socket the lane must really be the direct one
// (read from the request log), or the second run would only test fastify again.
describe.each([
  { lane: 'fastify', call: callService },
  { lane: 'direct', call: callOverHttp },
])('over the $lane lane', ({ lane, call: send }) => {
  /** Requests the running test made to `server`: the lane check waits for a log line of each, not of the first only. */
  let made = 0;
  const call: typeof callService = (target, body, options) => {
    if (target === server) made++;
    return send(target, body, options);
  };
  beforeEach(() => {
    logLines.length = 0;
    made = 0;
  });
  afterEach(async ({ task }) => {
    const logged = () =>
      logLines.filter((l) => l.msg === 'request' && NATIONAL_ROUTE_PATTERNS.has(String(l.route))).map((l) => l.lane);
    // A request's line is written once its answer is out ('finish'), which may be after the client has read it:
    // waited for, one per request made (a later line arriving late would go unchecked); a fixed 20 ms is not always
    // enough on a loaded machine. A test on a server of its own logs none here.
    if (OWN_SERVER.has(task.name)) await new Promise((resolve) => setTimeout(resolve, 20));
    else await until(() => logged().length >= made).catch(() => undefined);
    const lanes = logged();
    const expected = lane === 'direct' && !LEFT_TO_FASTIFY.has(task.name) ? 'direct' : 'fastify';
    if (!OWN_SERVER.has(task.name)) {
      expect(made, task.name).toBeGreaterThan(0);
      expect(lanes.length, task.name).toBeGreaterThanOrEqual(made);
    }
    for (const logged of lanes) expect(logged, task.name).toBe(expected);
  });
  describe('3101 / 3102 on the national route', () => {
    it('answers the national envelope with one result per firing line', async () => {
      const { status, body } = await call(server, analysisEnvelope({ encounterId: 'MZ-G-1', firing: 2, lines: 8 }));
      expect(status).toBe(200);
      expect(body.infcode).toBe(0);
      expect(body.err_msg).toBe('');
      expect(body.inf_refmsgid).toMatch(/^440106\d{14}\d{10}$/);
      expect(body.refmsg_time).toMatch(/^\d{17}$/);
      expect(body.output.result).toHaveLength(2);
      for (const r of body.output.result ?? []) {
        expect(r.rule_id).toBe(SEX_RULE_DRUG);
        expect(r.sev_deg).toBe('2');
        expect(r.mdtrt_id).toBe('MZ-G-1');
        expect(r.task_id).toBe('T-MZ-G-1');
        expect(r.wf_impact).toBe('reason');
      }
    });

    it('accepts single objects where the spec says 集合, and 3102 with a 事中 scene', async () => {
      const { body } = await call(
        server,
        analysisEnvelope({ infno: '3102', encounterId: 'MZ-G-2', singleObjects: true }),
      );
      expect(body.infcode).toBe(0);
      expect(body.output.result).toHaveLength(2);
    });

    it('answers an empty list when nothing fires', async () => {
      const { body } = await call(server, analysisEnvelope({ encounterId: 'MZ-G-3', firing: 0 }));
      expect(body.infcode).toBe(0);
      expect(body.output.result).toEqual([]);
    });
  });

  describe('the gateway path as clients spell it', () => {
    // The lane check above reads every national route pattern, so each spelling is checked for its lane too.
    it.each([`${CALL_SERVICE_ROUTE}/`, `${CALL_SERVICE_ROUTE}3101`])('answers on %s', async (url) => {
      const { status, body } = await call(server, analysisEnvelope({ encounterId: 'MZ-G-PATH' }), { url });
      expect(status).toBe(200);
      expect(body.infcode).toBe(0);
      expect(body.output.result).toHaveLength(2);
    });
  });

  describe('bad input: infcode -1 with HTTP 200, naming the problem, never a stack trace', () => {
    const expectNationalError = (reply: Awaited<ReturnType<typeof callService>>, pattern: RegExp) => {
      expect(reply.status).toBe(200);
      expect(reply.body.infcode).toBe(-1);
      expect(reply.body.err_msg).toMatch(pattern);
      expect(reply.body.output).toEqual({});
      expect(reply.raw.toString()).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
    };

    it('malformed JSON', async () => {
      expectNationalError(await call(server, '{"infno":"3101","input":{'), /不是合法的 JSON/);
    });

    it('a UTF-8 body that starts with a byte-order mark (Windows Notepad, some .NET writers)', async () => {
      const reply = await call(server, `\uFEFF${JSON.stringify(analysisEnvelope({ encounterId: 'MZ-BOM' }))}`);
      expect(reply.body.infcode).toBe(0);
      expect(reply.body.output.result).toHaveLength(2);
    });

    it('an empty body', async () => {
      expectNationalError(await call(server, ''), /请求体为空/);
    });

    it('a JSON array instead of an object', async () => {
      expectNationalError(await call(server, '[1,2]'), /JSON 对象/);
    });

    it('an unknown infno', async () => {
      expectNationalError(await call(server, { infno: '2201', input: { data: {} } }), /infno "2201" 不支持/);
    });

    it('a missing infno or input', async () => {
      expectNationalError(await call(server, { input: { data: {} } }), /^infno: /);
      expectNationalError(await call(server, { infno: '3101' }), /^input: /);
    });

    it('a schema error names the field path', async () => {
      const envelope = analysisEnvelope({ encounterId: 'MZ-G-4' }) as {
        input: { data: { patient_dtos: Record<string, unknown>[] } };
      };
      delete envelope.input.data.patient_dtos[0]!.fsi_encounter_dtos;
      expectNationalError(await call(server, envelope), /input\.data\.patient_dtos\[0\]\.fsi_encounter_dtos/);
    });

    it('a malformed date names the field path', async () => {
      const envelope = analysisEnvelope({ encounterId: 'MZ-G-5' }) as {
        input: { data: { patient_dtos: Record<string, unknown>[] } };
      };
      envelope.input.data.patient_dtos[0]!.brdy = '21/06/1978';
      expectNationalError(await call(server, envelope), /brdy/);
    });

    it('an oversized body', async () => {
      const big = analysisEnvelope({ encounterId: 'MZ-G-6' }) as Record<string, unknown>;
      big.padding = 'x'.repeat(250_000);
      expectNationalError(await call(server, big), /超过 200000 字节/);
    });

    it('an unsupported charset', async () => {
      const reply = await call(server, analysisEnvelope(), {
        headers: { 'content-type': 'application/json; charset=big5' },
      });
      expectNationalError(reply, /Content-Type 的 charset "big5" 不受支持/);
    });

    // Found by fuzz-gateway.test.ts: the charset was refused before X-Out-Capacity was read, so the refusal came
    // back whole (240 bytes) into a caller's smaller buffer.
    it('an unsupported charset is answered within the buffer the caller declared (X-Out-Capacity)', async () => {
      const reply = await call(server, analysisEnvelope(), {
        headers: { 'content-type': 'application/json; charset=big5', 'x-out-capacity': '200' },
      });
      expect(reply.status).toBe(200);
      expect(reply.raw.length).toBeLessThanOrEqual(200);
      expect(reply.body.infcode).toBe(-1);
      expect(reply.body.err_msg).toMatch(/^Content-Type 的 charset "big5".*…$/);
    });

    it('a body sent without Content-Type, or labelled text/plain or form data, is still read as JSON', async () => {
      const payload = JSON.stringify(analysisEnvelope({ encounterId: 'MZ-G-7' }));
      const url = '/fsi/api/rsfComIfsService/callService';
      // Injected (no socket, so fastify's lane) and counted for the lane check as `call` counts its requests.
      const inject = (headers: Record<string, string> = {}) => {
        made++;
        return server.app.inject({ method: 'POST', url, payload, headers });
      };
      const bare = await inject();
      expect(JSON.parse(bare.payload)).toMatchObject({ infcode: 0, err_msg: '' });
      for (const type of ['text/plain', 'application/x-www-form-urlencoded; charset=UTF-8']) {
        const labelled = await inject({ 'content-type': type });
        expect(JSON.parse(labelled.payload)).toMatchObject({ infcode: 0, err_msg: '' });
      }
    });

    it('an unparseable Content-Type', async () => {
      const reply = await call(server, analysisEnvelope(), { headers: { 'content-type': 'json' } });
      expectNationalError(reply, /Content-Type "json" 无效/);
    });
  });

  describe('the shim route /v1/yb/:infno', () => {
    it('takes only the input and answers in GB18030 when the request is GB18030, 生僻字 intact', async () => {
      const envelope = analysisEnvelope({ encounterId: 'MZ-G-8', deptName: '𠀀科门诊', deptCode: 'RARE01' }) as {
        input: unknown;
      };
      const bytes = iconv.encode(JSON.stringify(envelope.input), 'gb18030');
      const reply = await call(server, bytes, {
        url: '/v1/yb/3101',
        headers: { 'content-type': 'application/json; charset=gb18030' },
      });
      expect(reply.headers['content-type']).toBe('application/json; charset=gb18030');
      const body = JSON.parse(iconv.decode(reply.raw, 'gb18030'));
      expect(body.infcode).toBe(0);
      expect(body.output.result[0].vola_cont).toMatch(/限男性使用/);
      const stats = await server.app.inject({ url: '/v1/stats?by=dept&from=2000-01-01&to=2100-01-01' });
      expect(JSON.parse(stats.payload).rows).toContainEqual(
        expect.objectContaining({ key: 'RARE01', label: '𠀀科门诊' }),
      );
    });

    it('answers UTF-16LE for UTF-16LE', async () => {
      const bytes = iconv.encode(JSON.stringify(analysisEnvelope({ encounterId: 'MZ-G-9' })), 'utf-16le');
      const reply = await call(server, bytes, {
        url: '/v1/yb/3101',
        headers: { 'content-type': 'application/json; charset=utf-16le' },
      });
      const body = JSON.parse(iconv.decode(reply.raw, 'utf-16le'));
      expect(body.infcode).toBe(0);
      expect(body.output.result).toHaveLength(2);
    });

    it('rejects an envelope whose infno contradicts the route', async () => {
      const reply = await call(server, analysisEnvelope(), { url: '/v1/yb/3103' });
      expect(reply.body.infcode).toBe(-1);
      expect(reply.body.err_msg).toMatch(/infno: 报文中的 "3101" 与地址中的 3103 不一致/);
    });

    // Found by fuzz-gateway.test.ts: the infno sent was compared with the route's through String(), which throws
    // for a JSON object with a "toString" key; the HIS got "请求无法读取 (TypeError)" or the internal-error answer.
    it('names an infno sent as a JSON object, on the shim route and on the national route', async () => {
      const odd = { ...analysisEnvelope(), infno: JSON.parse('{"toString":1}') };
      const shim = await call(server, odd, { url: '/v1/yb/3101' });
      expect(shim.status).toBe(200);
      expect(shim.body.infcode).toBe(-1);
      expect(shim.body.err_msg).toBe('infno: 报文中的 JSON 对象 与地址中的 3101 不一致');
      const national = await call(server, odd);
      expect(national.body.infcode).toBe(-1);
      expect(national.body.err_msg).toBe('infno: 类型应为 string (交易编号)');
      const numbered = await call(server, { ...analysisEnvelope(), infno: 3101 }, { url: '/v1/yb/3101' });
      expect(numbered.body.infcode).toBe(0);
    });

    it('fits X-Out-Capacity: trims, keeps the most severe results and the envelope valid', async () => {
      const envelope = analysisEnvelope({ encounterId: 'MZ-G-10', lines: 20, firing: 12 });
      const full = await call(server, envelope, { url: '/v1/yb/3101' });
      const fullSize = full.raw.length;
      expect(full.body.output.result!.length).toBe(12);
      for (const capacity of [Math.floor(fullSize * 0.6), Math.floor(fullSize * 0.3), 900]) {
        const reply = await call(server, envelope, {
          url: '/v1/yb/3101',
          headers: { 'x-out-capacity': String(capacity) },
        });
        expect(reply.raw.length).toBeLessThanOrEqual(capacity);
        expect(reply.body.infcode).toBe(0);
        expect(reply.body.output.truncated).toBe(true);
        expect(reply.body.output.result!.length).toBeGreaterThan(0);
        const fullIds = new Set(full.body.output.result!.map((r) => r.jr_id));
        for (const r of reply.body.output.result!) expect(fullIds.has(r.jr_id)).toBe(true);
      }
      const tiny = await call(server, envelope, { url: '/v1/yb/3101', headers: { 'x-out-capacity': '120' } });
      expect(tiny.raw.length).toBeLessThanOrEqual(120);
      // Not even a skeleton of each fits: a failure, never an empty list (which reads as "no reminders").
      expect(tiny.body.infcode).toBe(-1);
      expect(tiny.body.output.result).toBeUndefined();
    });

    it('records as reminders only the results a small buffer carried, so the figures count what was shown', async () => {
      // The size of the whole answer, from another encounter (answers of one encounter share their jr_ids).
      const sized = await call(server, analysisEnvelope({ encounterId: 'MZ-G-12-SIZE', lines: 20, firing: 12 }), {
        url: '/v1/yb/3101',
      });
      expect(sized.body.output.result).toHaveLength(12);
      // Every warning is shortened before any is dropped, down to the size a too-small buffer's refusal names
      // (output_capacity, the shim's argument: NUL included); two bytes fewer than that drops one.
      const refused = await call(server, analysisEnvelope({ encounterId: 'MZ-G-12-TINY', lines: 20, firing: 12 }), {
        url: '/v1/yb/3101',
        headers: { 'x-out-capacity': '256' },
      });
      expect(refused.body.infcode).toBe(-1);
      const needed = Number(/至少需 (\d+)/.exec(refused.body.err_msg)![1]);
      const cut = await call(server, analysisEnvelope({ encounterId: 'MZ-G-12', lines: 20, firing: 12 }), {
        url: '/v1/yb/3101',
        headers: { 'x-out-capacity': String(needed - 2) },
      });
      const shown = cut.body.output.result!.map((r) => r.jr_id).sort();
      expect(shown.length).toBeGreaterThan(0);
      expect(shown.length).toBeLessThan(12);
      await server.app.inject({ url: '/v1/status' }); // waits for queued records
      const task = (await server.app.inject({ url: '/v1/tasks/T-MZ-G-12' })).json() as { results: { jr_id: string }[] };
      expect(task.results.map((r) => r.jr_id).sort()).toEqual(shown);
      const reminders = server.db.prepare('SELECT jr_id FROM reminders WHERE mdtrt_id = ? ORDER BY jr_id').pluck();
      expect(reminders.all('MZ-G-12')).toEqual(shown);
      expect(reminders.all('MZ-G-12-SIZE')).toHaveLength(12);
      // The refused answer told the HIS of none, and is recorded as no task, no reminder.
      expect(reminders.all('MZ-G-12-TINY')).toEqual([]);
      expect((await server.app.inject({ url: '/v1/tasks/T-MZ-G-12-TINY' })).statusCode).toBe(404);
    });

    it('keeps a refused 3103 refused through a small buffer, its message cut, nothing stored', async () => {
      const first = await call(server, analysisEnvelope({ encounterId: 'MZ-G-11', firing: 8, lines: 12 }));
      const ids = first.body.output.result!.map((r) => r.jr_id);
      expect(ids).toHaveLength(8);
      // Continued without the reason the rule asks for: refused whole, with one line per warning in err_msg.
      const continued = feedbackEnvelope(ids.map((jrId) => ({ jrId, way: '1' as const })));
      const roomy = await call(server, continued, { url: '/v1/yb/3103' });
      expect(roomy.body.infcode).toBe(-1);
      // err_msg holds at most 200 characters (字符 200), so the whole answer is a few hundred bytes.
      expect(roomy.raw.length).toBeGreaterThan(300);
      for (const capacity of [300, 200, 120]) {
        const reply = await call(server, continued, {
          url: '/v1/yb/3103',
          headers: { 'x-out-capacity': String(capacity) },
        });
        expect(reply.raw.length).toBeLessThanOrEqual(capacity);
        expect(reply.body.infcode, `capacity ${capacity}`).toBe(-1);
        expect(roomy.body.err_msg.startsWith(reply.body.err_msg.replace(/…$/, ''))).toBe(true);
      }
      const stored = server.db
        .prepare(`SELECT COUNT(*) FROM dispositions WHERE jr_id IN (${ids.map(() => '?').join(',')})`)
        .pluck()
        .get(...ids);
      expect(stored).toBe(0);
    });

    it('rejects a malformed X-Out-Capacity', async () => {
      const reply = await call(server, analysisEnvelope(), {
        url: '/v1/yb/3101',
        headers: { 'x-out-capacity': 'lots' },
      });
      expect(reply.body.infcode).toBe(-1);
      expect(reply.body.err_msg).toMatch(/X-Out-Capacity/);
    });
  });

  describe('shim token', () => {
    it('is required on /v1/yb/* when configured, and written to the port file', async () => {
      const token = 'shim-token-0123456789abcdef';
      const guarded = await testServer({ shimToken: token });
      try {
        const { port } = await guarded.listen();
        const without = await call(guarded, analysisEnvelope(), { url: '/v1/yb/3101' });
        expect(without.status).toBe(401);
        expect(without.body.infcode).toBe(-1);
        const wrong = await call(guarded, analysisEnvelope(), {
          url: '/v1/yb/3101',
          headers: { 'x-prealert-token': `${token}x` },
        });
        expect(wrong.status).toBe(401);
        const right = await call(guarded, analysisEnvelope(), {
          url: '/v1/yb/3101',
          headers: { 'x-prealert-token': token },
        });
        expect(right.body.infcode).toBe(0);
        const { readPortFile } = await import('../src/port-file');
        expect(readPortFile(guarded.dataDir)).toEqual({ port, token });
      } finally {
        await guarded.close();
      }
    });
  });
});

describe('the direct lane', () => {
  it('answers desktop HIS calls, and leaves browser calls and bodies without a declared type to fastify', async () => {
    logLines.length = 0;
    const envelope = analysisEnvelope({ encounterId: 'MZ-LANE-1' });
    const direct = await callOverHttp(server, envelope);
    const shim = await callOverHttp(server, (envelope as { input: unknown }).input, { url: '/v1/yb/3101' });
    const untyped = await callOverHttp(server, envelope, { headers: { 'content-type': 'text/plain' } });
    const browser = await callOverHttp(server, envelope, { headers: { origin: 'https://his.example.org' } });
    expect([direct, shim, untyped].map((r) => r.body.infcode)).toEqual([0, 0, 0]);
    // An origin not in the CORS list: refused, whichever path answers.
    expect(browser.status).toBe(403);
    // A request's line is written once its answer is out ('finish'), which may be after the client has read it: waited
    // for (a 50 ms sleep was not always enough on a loaded machine).
    const requestLines = () => logLines.filter((l) => l.msg === 'request');
    await until(() => requestLines().length >= 4);
    const lanes = requestLines().map((l) => [l.route, l.lane, l.task_id ?? null]);
    expect(lanes).toEqual([
      ['/fsi/api/rsfComIfsService/callService', 'direct', 'T-MZ-LANE-1'],
      ['/v1/yb/:infno', 'direct', 'T-MZ-LANE-1'],
      ['/fsi/api/rsfComIfsService/callService', 'fastify', 'T-MZ-LANE-1'],
      ['/fsi/api/rsfComIfsService/callService', 'fastify', null],
    ]);
    const ids = logLines.filter((l) => l.msg === 'request').map((l) => l.req_id);
    expect(new Set(ids).size).toBe(4);
  });

  it('goes on when a client goes away mid-body or before its answer, and logs no answer it could not give', async () => {
    const { port } = server.app.server.address() as net.AddressInfo;
    const send = (text: string, keepOpenMs: number) =>
      new Promise<void>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.write(text);
          setTimeout(() => {
            socket.destroy();
            resolve();
          }, keepOpenMs);
        });
        socket.on('error', reject);
      });
    const request = (body: string, declared = Buffer.byteLength(body)) =>
      `POST /fsi/api/rsfComIfsService/callService HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${declared}\r\n\r\n${body}`;
    logLines.length = 0;
    const half = JSON.stringify(analysisEnvelope({ encounterId: 'MZ-GONE-1' }));
    // Half the declared body, then gone: never answered, never recorded.
    await send(request(half.slice(0, half.length / 2), Buffer.byteLength(half)), 50);
    // The whole body, gone at once: whatever happened to it, the sidecar answers the next call.
    await send(request(JSON.stringify(analysisEnvelope({ encounterId: 'MZ-GONE-2' }))), 0);
    const next = await callOverHttp(server, analysisEnvelope({ encounterId: 'MZ-GONE-3' }));
    expect(next.body.infcode).toBe(0);
    expect(next.body.output.result!.some((r) => r.rule_id === SEX_RULE_DRUG)).toBe(true);
    await server.app.inject({ method: 'GET', url: '/v1/status' }); // waits for queued records
    const tasks = server.db.prepare('SELECT task_id FROM tasks WHERE task_id LIKE ?').pluck().all('T-MZ-GONE-%');
    expect(tasks).not.toContain('T-MZ-GONE-1');
    expect(tasks).toContain('T-MZ-GONE-3');
    // Its line is written once its answer is out ('finish'), which may be after the client has read it: waited for.
    const loggedIds = () => logLines.filter((l) => l.msg === 'request').map((l) => l.task_id);
    await until(() => loggedIds().includes('T-MZ-GONE-3')).catch(() => undefined);
    const logged = loggedIds();
    expect(logged).not.toContain('T-MZ-GONE-1');
    expect(logged).toContain('T-MZ-GONE-3');
  });
});
