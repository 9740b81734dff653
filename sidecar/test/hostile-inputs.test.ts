/**
 * Inputs a robustness review found mishandled (/tmp/review-fuzz.md F3, F6, F7, F10, F11), each sent to a real
 * sidecar (real SQLite file) over loopback HTTP: a UTF-8 body labelled GBK, a label the sidecar does not know, a
 * big-endian UTF-16 body under a plain UTF-16 label, a 继续执行 reason of invisible characters, a task_id longer than
 * the router took, and booleans where amounts belong.
 */
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatsReport } from '../src/stats/compliance-figures';
import { analysisEnvelope, feedbackEnvelope } from './fixtures/his-requests';
import { callOverHttp, testServer } from './helpers/test-server';

let server: Awaited<ReturnType<typeof testServer>>;
let base: string;

beforeAll(async () => {
  server = await testServer();
  await server.listen();
  const address = server.app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('not listening');
  base = `http://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  await server.close();
});

async function figuresBy(by: 'dept' | 'doctor', code: string): Promise<StatsReport['rows'][number] | undefined> {
  const response = await fetch(`${base}/v1/stats?by=${by}&from=0001-01-01&to=9999-12-31`);
  expect(response.status).toBe(200);
  return ((await response.json()) as StatsReport).rows.find((row) => row.key === code);
}

async function taskLineNames(taskId: string): Promise<Record<string, string>> {
  const response = await fetch(`${base}/v1/tasks/${encodeURIComponent(taskId)}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { line_names: Record<string, string> }).line_names;
}

describe('a UTF-8 body labelled GBK (F3)', () => {
  for (const label of ['GBK', 'gb2312', 'GB18030']) {
    it(`labelled charset=${label}: read as UTF-8, names stored intact, answered in UTF-8`, async () => {
      const encounterId = `MZ-LIE-${label}`;
      const envelope = analysisEnvelope({ encounterId, deptCode: `LIE-${label}`, deptName: '外科门诊', firing: 1 });
      const reply = await callOverHttp(server, Buffer.from(JSON.stringify(envelope), 'utf8'), {
        headers: { 'content-type': `application/json; charset=${label}` },
      });
      expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(reply.body.infcode, reply.body.err_msg).toBe(0);
      expect(reply.raw.toString('utf8')).not.toContain('\ufffd');
      expect((await figuresBy('dept', `LIE-${label}`))?.label).toBe('外科门诊');
      const sentNames = JSON.stringify(envelope);
      const names = Object.values(await taskLineNames(`T-${encounterId}`));
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) expect(sentNames).toContain(`"hilist_name":"${name}"`);
    });
  }

  it('GBK bytes labelled GBK are still read as GBK and answered in GBK', async () => {
    const envelope = analysisEnvelope({ encounterId: 'MZ-TRUE-GBK', deptCode: 'TRUE-GBK', deptName: '外科门诊' });
    const reply = await callOverHttp(server, iconv.encode(JSON.stringify(envelope), 'gbk'), {
      headers: { 'content-type': 'application/json; charset=GBK' },
    });
    expect(reply.headers['content-type']).toBe('application/json; charset=gbk');
    expect((JSON.parse(iconv.decode(reply.raw, 'gb18030')) as { infcode: number }).infcode).toBe(0);
    expect((await figuresBy('dept', 'TRUE-GBK'))?.label).toBe('外科门诊');
  });

  it('the figures name a department and a doctor by the name sent last, not the highest one ever stored', async () => {
    // 澶栫 and 鍐呯 are what 外科 and 内科 become when UTF-8 is read as GBK; both sort above the real names.
    const sent = [
      { deptName: '澶栫', doctorName: '鍐呯' },
      { deptName: '外科', doctorName: '王医生' },
    ];
    for (const [i, names] of sent.entries()) {
      const envelope = analysisEnvelope({
        encounterId: `MZ-NAME-${i}`,
        deptCode: 'NAME-DEPT',
        doctorCode: 'NAME-DR',
        ...names,
      });
      expect((await callOverHttp(server, envelope)).body.infcode).toBe(0);
    }
    const dept = await figuresBy('dept', 'NAME-DEPT');
    expect(dept).toMatchObject({ label: '外科', reminders: 4 });
    expect((await figuresBy('doctor', 'NAME-DR'))?.label).toBe('王医生');
  });
});

describe('charset labels (F7)', () => {
  it('an unknown charset is refused in Chinese, naming it', async () => {
    const reply = await callOverHttp(server, analysisEnvelope({ encounterId: 'MZ-LATIN1' }), {
      headers: { 'content-type': 'application/json; charset=iso-8859-1' },
    });
    expect(reply.body.infcode).toBe(-1);
    expect(reply.body.err_msg).toContain('"iso-8859-1"');
    expect(reply.body.err_msg).toMatch(/不受支持/);
    expect(reply.body.err_msg).not.toMatch(/is not supported/);
  });

  it('charset=UTF-16 with a big-endian BOM (Java getBytes("UTF-16")) is read as UTF-16BE and answered so', async () => {
    const envelope = analysisEnvelope({ encounterId: 'MZ-UTF16BE', deptCode: 'UTF16BE', deptName: '泌尿外科门诊' });
    const bytes = Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(JSON.stringify(envelope), 'utf-16be')]);
    const reply = await callOverHttp(server, bytes, {
      headers: { 'content-type': 'application/json; charset=UTF-16' },
    });
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-16be');
    const answer = JSON.parse(iconv.decode(reply.raw, 'utf-16be')) as { infcode: number; err_msg: string };
    expect(answer.infcode, answer.err_msg).toBe(0);
    expect((await figuresBy('dept', 'UTF16BE'))?.label).toBe('泌尿外科门诊');
  });

  it('charset=UTF-16 without a BOM, or with the little-endian one, stays UTF-16LE', async () => {
    const json = JSON.stringify(analysisEnvelope({ encounterId: 'MZ-UTF16LE' }));
    for (const bytes of [
      Buffer.from(json, 'utf16le'),
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json, 'utf16le')]),
    ]) {
      const reply = await callOverHttp(server, bytes, {
        headers: { 'content-type': 'application/json; charset=UTF-16' },
      });
      expect(reply.headers['content-type']).toBe('application/json; charset=utf-16le');
      expect((JSON.parse(iconv.decode(reply.raw, 'utf-16le')) as { infcode: number }).infcode).toBe(0);
    }
  });
});

describe('a 继续执行 reason with no visible character (F6)', () => {
  it('is refused like an empty one, naming the field; a reason with text next to a zero-width space is kept', async () => {
    const analysed = await callOverHttp(server, analysisEnvelope({ encounterId: 'MZ-INVISIBLE', firing: 1 }));
    const jrId = analysed.body.output.result![0]!.jr_id;
    for (const reason of ['\u200b', '\u0000', '\u200c\u200d\u2060', ' \u0007\t\u200b\u3000']) {
      const reply = await callOverHttp(server, feedbackEnvelope([{ jrId, way: '1', reason }]));
      expect(reply.body.infcode, JSON.stringify(reason)).toBe(-1);
      expect(reply.body.err_msg).toContain('input.data.warns[0].dspo_way_rea: 继续执行(dspo_way=1)须填写理由');
    }
    expect(server.db.prepare('SELECT COUNT(*) AS n FROM dispositions WHERE jr_id = ?').get(jrId)).toEqual({ n: 0 });
    const kept = await callOverHttp(server, feedbackEnvelope([{ jrId, way: '1', reason: '\u200b病情需要' }]));
    expect(kept.body.infcode, kept.body.err_msg).toBe(0);
  });
});

describe('task_id length (F10)', () => {
  it('a task_id of 200 characters, astral ones included, reaches /v1/tasks and /ui/reminder', async () => {
    // 200 code points of 4 UTF-8 bytes: 2,400 characters once percent-encoded in the path, the most there can be.
    for (const taskId of ['T'.repeat(200), '𠀀'.repeat(200), `{${'A'.repeat(36)}}|H44010600123202603150930000001|x`]) {
      const envelope = analysisEnvelope({ encounterId: `MZ-LONG-${taskId.length}`, taskId });
      const reply = await callOverHttp(server, envelope);
      expect(reply.body.infcode, reply.body.err_msg).toBe(0);
      const task = await fetch(`${base}/v1/tasks/${encodeURIComponent(taskId)}`);
      expect(task.status).toBe(200);
      expect(((await task.json()) as { task_id: string }).task_id).toBe(taskId);
      expect((await fetch(`${base}/ui/reminder/${encodeURIComponent(taskId)}`)).status).toBe(200);
    }
  });

  it('a longer task_id is refused by the 3101, naming the field, and records nothing', async () => {
    const taskId = 'T'.repeat(201);
    const reply = await callOverHttp(server, analysisEnvelope({ encounterId: 'MZ-TOO-LONG', taskId }));
    expect(reply.body.infcode).toBe(-1);
    expect(reply.body.err_msg).toContain('input.data.task_id: 长度超过 200');
    const task = await fetch(`${base}/v1/tasks/${taskId}`);
    expect(task.status).toBe(404);
  });

  it('a path the router refuses gets a message saying why, never an FST_ERR code', async () => {
    const long = await fetch(`${base}/v1/tasks/${'x'.repeat(2401)}`);
    expect(long.status).toBe(414);
    const longText = await long.text();
    expect(longText).not.toMatch(/FST_ERR/);
    expect((JSON.parse(longText) as { error: string }).error).toMatch(/task_id is at most 200 characters/);
    const page = await fetch(`${base}/ui/reminder/${'x'.repeat(2401)}`);
    expect(page.status).toBe(414);
    expect(await page.text()).not.toMatch(/FST_ERR/);
    const badEscape = await fetch(`${base}/v1/tasks/%E4%B8`);
    expect(badEscape.status).toBe(400);
    const badText = await badEscape.text();
    expect(badText).not.toMatch(/FST_ERR/);
    expect((JSON.parse(badText) as { error: string }).error).toMatch(/not a valid URL/);
    // An escape of no UTF-8 text is an escape all the same: the message must not say it is missing.
    const notText = await fetch(`${base}/v1/tasks/%ff`);
    expect(notText.status).toBe(400);
    expect((JSON.parse(await notText.text()) as { error: string }).error).toMatch(/escape of UTF-8 bytes/);
    // Only a task_id's path speaks of task_ids.
    const asset = await fetch(`${base}/ui/assets/${'x'.repeat(2401)}`);
    expect(asset.status).toBe(414);
    const assetError = (JSON.parse(await asset.text()) as { error: string }).error;
    expect(assetError).toMatch(/path segment too long: at most 2400 characters/);
    expect(assetError).not.toMatch(/task_id/);
  });
});

describe('booleans in amounts and counts (F11)', () => {
  type Order = Record<string, unknown>;
  const orderOf = (envelope: Record<string, unknown>) =>
    (envelope as { input: { data: { patient_dtos: { fsi_encounter_dtos: { fsi_order_dtos: Order[] }[] }[] } } }).input
      .data.patient_dtos[0]!.fsi_encounter_dtos[0]!;

  for (const [field, value] of [
    ['sumamt', true],
    ['cnt', true],
    ['pric', false],
  ] as const) {
    it(`"${field}": ${value} is refused naming the field, and records nothing`, async () => {
      const encounterId = `MZ-BOOL-${field}`;
      const envelope = analysisEnvelope({ encounterId, firing: 1 });
      orderOf(envelope).fsi_order_dtos[0]![field] = value;
      const reply = await callOverHttp(server, envelope);
      expect(reply.body.infcode).toBe(-1);
      expect(reply.body.err_msg).toContain(
        `input.data.patient_dtos[0].fsi_encounter_dtos[0].fsi_order_dtos[0].${field}: 类型应为 number，不能是布尔值 ${value}`,
      );
      expect((await fetch(`${base}/v1/tasks/T-${encounterId}`)).status).toBe(404);
    });
  }

  it('an encounter amount too (medfee_sumamt), while amounts as text stay accepted', async () => {
    const envelope = analysisEnvelope({ encounterId: 'MZ-BOOL-ENC', firing: 1 });
    (orderOf(envelope) as unknown as Order).medfee_sumamt = true;
    const reply = await callOverHttp(server, envelope);
    expect(reply.body.infcode).toBe(-1);
    expect(reply.body.err_msg).toContain('fsi_encounter_dtos[0].medfee_sumamt: 类型应为 number，不能是布尔值 true');
    const text = analysisEnvelope({ encounterId: 'MZ-TEXT-AMOUNT', firing: 1 });
    orderOf(text).fsi_order_dtos[0]!.sumamt = '51.00';
    const accepted = await callOverHttp(server, text);
    expect(accepted.body.infcode, accepted.body.err_msg).toBe(0);
    expect(accepted.body.output.result![0]!.vola_amt).toBe(51);
  });
});
