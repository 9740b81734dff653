import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisEnvelope, feedbackEnvelope } from './fixtures/his-requests';
import { type FakeGateway, gatewayResult, startFakeGateway } from './helpers/fake-gateway';
import { type LoggedServer, loggedServer } from './helpers/logged-server';
import { type PlatformReceiver, startPlatformReceiver } from './helpers/platform-receiver';
import { callOverHttp, callService, testServer } from './helpers/test-server';
import { until } from './helpers/until';

const NAME = '张三丰';
const OTHER_NAME = '李四光';

let platform: PlatformReceiver;
beforeAll(async () => {
  platform = await startPlatformReceiver();
});
afterAll(() => platform.close());

/**
 * One 3101 for two patients of one ward round: 张三丰 (encounter MZ-REA-NAME-A) and 李四光 (MZ-REA-NAME-B), each
 * ordered male-only items though female, so each gets reminders.
 */
function twoPatientAnalysis(): Record<string, unknown> {
  const a = analysisEnvelope({ encounterId: 'MZ-REA-NAME-A', taskId: 'T-REA-NAME-1', patientName: NAME });
  const b = analysisEnvelope({
    encounterId: 'MZ-REA-NAME-B',
    patientName: OTHER_NAME,
    patientId: '44010000000007654321',
  });
  const patients = (e: Record<string, unknown>) => (e.input as { data: { patient_dtos: unknown[] } }).data.patient_dtos;
  patients(a).push(...patients(b));
  return a;
}

interface Decided {
  sidecar: LoggedServer;
  envelope: Record<string, unknown>;
  jrIds: { a1: string; a2: string; b1: string };
}

/**
 * The two patients answered, then two 3103s: the patient's own reminder, named in its reason; another of his, not
 * named; and the other patient's reminder, whose reason names 张三丰 (and 李四光, its own patient).
 */
async function decided(): Promise<Decided> {
  // Short retry times: the test awaits the platform's deliveries.
  const sidecar = await loggedServer(true, { url: platform.url, retryMinMs: 50, retryMaxMs: 200 });
  const { server } = sidecar;
  const envelope = twoPatientAnalysis();
  const results = (await callOverHttp(server, envelope)).body.output.result!;
  const of = (encounter: string) => results.filter((r) => JSON.stringify(r).includes(encounter)).map((r) => r.jr_id);
  const [a1, a2] = of('MZ-REA-NAME-A');
  const [b1] = of('MZ-REA-NAME-B');
  if (a1 === undefined || a2 === undefined || b1 === undefined) throw new Error('expected reminders for both patients');
  const first = await callOverHttp(
    server,
    feedbackEnvelope([
      { jrId: a1, way: '1', reason: `${NAME}家属要求继续` },
      { jrId: a2, way: '1', reason: '家属要求继续，已告知自费' },
    ]),
  );
  const second = await callOverHttp(
    server,
    feedbackEnvelope([{ jrId: b1, way: '1', reason: `同病房${NAME}之子代${OTHER_NAME}签字 ` }]),
  );
  if (first.body.infcode !== 0 || second.body.infcode !== 0) throw new Error('3103 refused');
  await until(() => platform.deliveries.length === 3);
  return { sidecar, envelope, jrIds: { a1, a2, b1 } };
}

describe('a patient name typed into a 3103 reason (the names its reminders’ 3101 carried)', () => {
  let d: Decided;
  let closed = false;
  beforeAll(async () => {
    platform.deliveries.length = 0;
    d = await decided();
  });
  afterAll(async () => {
    if (!closed) await d.sidecar.server.close();
  });

  it('is masked in the dispositions rows; a reason without it is stored as typed', () => {
    const stored = d.sidecar.server.db.prepare('SELECT jr_id, dspo_way_rea FROM dispositions').all() as {
      jr_id: string;
      dspo_way_rea: string;
    }[];
    const reasonOf = (jrId: string) => stored.find((row) => row.jr_id === jrId)?.dspo_way_rea;
    expect(reasonOf(d.jrIds.a1)).toBe('[redacted]家属要求继续');
    expect(reasonOf(d.jrIds.a2)).toBe('家属要求继续，已告知自费');
    expect(reasonOf(d.jrIds.b1)).toBe('同病房[redacted]之子代[redacted]签字');
  });

  it('is masked in the outbox and in what the 数据归集 platform receives', () => {
    const outbox = (d.sidecar.server.db.prepare('SELECT payload FROM outbox').pluck().all() as string[]).join('\n');
    expect(outbox).toContain('[redacted]家属要求继续');
    expect(outbox).not.toContain(NAME);
    const delivered = JSON.stringify(platform.deliveries);
    expect(delivered).toContain('同病房[redacted]之子代[redacted]签字');
    expect(delivered).not.toContain(NAME);
    expect(delivered).not.toContain(OTHER_NAME);
  });

  it('is masked in /v1/tasks and in the prior_dspo of a later answer', async () => {
    const task = await d.sidecar.server.app.inject({ url: '/v1/tasks/T-REA-NAME-1' });
    expect(task.statusCode).toBe(200);
    expect(task.payload).toContain('[redacted]家属要求继续');
    expect(task.payload).not.toContain(NAME);
    const again = (await callOverHttp(d.sidecar.server, d.envelope)).body.output.result!;
    expect(again.filter((r) => r.prior_dspo === true)).toHaveLength(3);
    expect(JSON.stringify(again)).toContain('[redacted]家属要求继续');
    expect(JSON.stringify(again)).not.toContain(NAME);
  });

  it('is in no byte of the database file, its WAL or the log', async () => {
    await d.sidecar.server.close();
    closed = true;
    const onDisk = d.sidecar.storedBytes();
    expect(onDisk.includes(Buffer.from(NAME, 'utf8'))).toBe(false);
    expect(onDisk.includes(Buffer.from(OTHER_NAME, 'utf8'))).toBe(false);
    // The unnamed reason is there as typed, and the log was written: the search looked at the right bytes.
    expect(onDisk.includes(Buffer.from('家属要求继续，已告知自费', 'utf8'))).toBe(true);
    expect(fs.readdirSync(d.sidecar.logDir).length).toBeGreaterThan(0);
  });
});

describe('a patient name in a 3103 reason on a provincial gateway result', () => {
  let gateway: FakeGateway;
  const sent: string[] = [];
  beforeAll(async () => {
    gateway = await startFakeGateway<{ infno: string; input: { data: { task_id?: string } } }>((body, res) => {
      res.setHeader('content-type', 'application/json');
      if (body.infno === '3103') {
        sent.push(JSON.stringify(body));
        res.end(JSON.stringify({ infcode: 0, err_msg: '', output: {} }));
        return;
      }
      const result = gatewayResult('GW-REA-NAME-1', 'R-GW-1', 'MZ-REA-NAME-GW', 'T-REA-NAME-GW');
      res.end(JSON.stringify({ infcode: 0, err_msg: '', output: { result: [result] } }));
    });
  });
  afterAll(() => gateway.close());

  it('is masked in the 3103 queued for the gateway and in what the gateway receives', async () => {
    const server = await testServer({ upstream: { url: gateway.url, timeoutMs: 2_000 } });
    try {
      await server.listen();
      const envelope = analysisEnvelope({ encounterId: 'MZ-REA-NAME-GW', taskId: 'T-REA-NAME-GW', patientName: NAME });
      const results = (await callService(server, envelope)).body.output.result!;
      expect(results.map((r) => r.jr_id)).toContain('GW-REA-NAME-1');
      const fb = await callService(
        server,
        feedbackEnvelope([{ jrId: 'GW-REA-NAME-1', way: '1', reason: `${NAME}本人要求继续` }]),
      );
      expect(fb.body.infcode).toBe(0);
      await until(() => sent.length === 1);
      const queued = server.db.prepare("SELECT payload FROM outbox WHERE kind = 'upstream_feedback'").pluck().all();
      expect(queued).toHaveLength(1);
      expect(String(queued[0])).toContain('[redacted]本人要求继续');
      expect(String(queued[0])).not.toContain(NAME);
      expect(sent[0]).toContain('[redacted]本人要求继续');
      expect(sent[0]).not.toContain(NAME);
    } finally {
      await server.close();
    }
  });
});

describe('masking a name in a reason, at the edges', () => {
  /** One 3101 for a patient named `patientName`, then a 3103 on its first reminder with `reason`: what is stored. */
  async function storedReason(patientName: string, encounterId: string, reason: string): Promise<string> {
    const server = await testServer();
    try {
      await server.listen();
      const envelope = analysisEnvelope({ encounterId, taskId: `T-${encounterId}`, patientName });
      const [first] = (await callService(server, envelope)).body.output.result!;
      const fb = await callService(server, feedbackEnvelope([{ jrId: first!.jr_id, way: '1', reason }]));
      expect(fb.body.infcode).toBe(0);
      return server.db
        .prepare('SELECT dspo_way_rea FROM dispositions WHERE jr_id = ?')
        .pluck()
        .get(first!.jr_id) as string;
    } finally {
      await server.close();
    }
  }

  it('keeps a reason typed to the 500 characters within them once the name is masked', async () => {
    // The mask is longer than the name: 3 + 497 characters typed would be 507 stored, and sent to the gateway.
    const stored = await storedReason(NAME, 'MZ-REA-NAME-500', `${NAME}${'继'.repeat(497)}`);
    expect(stored.startsWith('[redacted]继')).toBe(true);
    expect(stored).toHaveLength(500);
  });

  it('leaves a placeholder a HIS writes for an unnamed patient (新生儿) in the reason', async () => {
    const stored = await storedReason('新生儿', 'MZ-REA-NAME-NB', '新生儿黄疸，需继续光疗');
    expect(stored).toBe('新生儿黄疸，需继续光疗');
  });
});
