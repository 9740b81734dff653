/**
 * A 3101 without task_id (optional in the spec, N). Recorded under "" every such answer replaced the last, so
 * /v1/tasks/ and /ui/reminder/ showed whichever patient was analysed last, to anyone asking for "no task". Each is
 * now recorded under the envelope's msgid (what S-13 sends as task_id anyway), else a generated id, and the answer
 * says which in the X-Prealert-Task-Id header; its results still echo the request's task_id. The body carries no
 * field a gateway would not send: Java HIS reading it with Jackson's default FAIL_ON_UNKNOWN_PROPERTIES refuse one.
 * Against the built sidecar, over both lanes (a desktop HIS's call, and a page's with an Origin).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_SERVICE_ROUTE } from '../src/national/national-routes';
import { analysisEnvelope, feedbackEnvelope } from './fixtures/his-requests';
import { postWithHeaders, type RunningSidecar, spawnSidecar } from './helpers/spawn-sidecar';

const PAGE_ORIGIN = 'https://his.example';

let sidecar: RunningSidecar;

beforeAll(async () => {
  sidecar = await spawnSidecar(fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-notask-')), [], {
    PREALERT_CORS_ORIGINS: PAGE_ORIGIN,
  });
});
afterAll(async () => {
  await sidecar?.stop();
});

interface Answer {
  infcode: number;
  err_msg: string;
  output: { result?: { jr_id: string; mdtrt_id: string; task_id: string }[] };
  /** The X-Prealert-Task-Id header, decoded; not part of the body. */
  recordedAs: string | undefined;
  /** The body's top-level fields. */
  fields: string[];
}

/** The national answer's top-level fields, as a gateway sends them: a Jackson class of these must read every answer. */
const NATIONAL_FIELDS = ['err_msg', 'inf_refmsgid', 'infcode', 'output', 'refmsg_time', 'respond_time'];

interface Task {
  task_id: string;
  results: { jr_id: string; mdtrt_id: string; task_id: string }[];
  dispositions: Record<string, { dspo_way: string }>;
}

/** A 3101 for its own patient and encounter, with its data.task_id set as given (undefined: left out). */
function withoutTaskId(encounterId: string, patientId: string, taskId?: string): Record<string, unknown> {
  const envelope = analysisEnvelope({ encounterId, patientId });
  const data = (envelope.input as { data: Record<string, unknown> }).data;
  if (taskId === undefined) delete data.task_id;
  else data.task_id = taskId;
  return envelope;
}

/** A desktop HIS's call (the direct lane), or with `origin` a page's (fastify's route, with CORS). */
async function post(body: unknown, origin?: string): Promise<Answer> {
  const { body: parsed, headers } = await postWithHeaders<Omit<Answer, 'recordedAs' | 'fields'>>(
    `${sidecar.url}${CALL_SERVICE_ROUTE}`,
    body,
    origin ? { origin } : {},
  );
  const header = headers.get('x-prealert-task-id');
  return {
    ...parsed,
    recordedAs: header === null ? undefined : decodeURIComponent(header),
    fields: Object.keys(parsed).sort(),
  };
}

async function task(id: string): Promise<{ status: number; body: Task }> {
  const response = await fetch(`${sidecar.url}/v1/tasks/${encodeURIComponent(id)}`);
  return { status: response.status, body: (await response.json()) as Task };
}

describe('a 3101 without task_id', () => {
  it('is recorded under its msgid, and never shown to whoever asks for the empty task id', async () => {
    const first = withoutTaskId('MZ-NT-A', '44010000000000000001');
    const second = withoutTaskId('MZ-NT-B', '44010000000000000002');
    const a = await post(first);
    const b = await post(second);
    // The defect: "no task" showed the last patient analysed.
    const empty = await fetch(`${sidecar.url}/v1/tasks/`);
    expect(JSON.stringify(await empty.json())).not.toContain('MZ-NT-');
    expect(empty.status).toBe(404);

    expect(a.infcode).toBe(0);
    expect(a.output.result).toHaveLength(2);
    // The spec's echo: the request had no task_id, so neither have its results.
    expect(a.output.result!.every((r) => r.task_id === '')).toBe(true);
    expect(a.recordedAs).toBe(first.msgid);
    expect(b.recordedAs).toBe(second.msgid);
    expect(a.fields).toEqual(NATIONAL_FIELDS);

    const taskA = await task(String(first.msgid));
    expect(taskA.status).toBe(200);
    expect(taskA.body.task_id).toBe(first.msgid);
    expect(taskA.body.results.map((r) => r.jr_id)).toEqual(a.output.result!.map((r) => r.jr_id));
    expect(taskA.body.results.every((r) => r.mdtrt_id === 'MZ-NT-A')).toBe(true);
    expect((await task(String(second.msgid))).body.results.every((r) => r.mdtrt_id === 'MZ-NT-B')).toBe(true);
  });

  it('under a msgid a buggy HIS reuses, shows the patient analysed last: the one in front of the doctor now', async () => {
    // A body-only HIS (the native shim) finds its task by the msgid it sent. Right after the second patient's 3101
    // that must be the second patient, on both lanes: filing the second answer under an id of its own showed the
    // first patient's reminders to the second patient's doctor.
    const first = withoutTaskId('MZ-RE-A', '44010000000000000011');
    const second = withoutTaskId('MZ-RE-B', '44010000000000000012');
    second.msgid = first.msgid;
    for (const origin of [undefined, PAGE_ORIGIN]) {
      const a = await post(first, origin);
      expect((await task(String(first.msgid))).body.results.every((r) => r.mdtrt_id === 'MZ-RE-A')).toBe(true);
      const b = await post(second, origin);
      expect(b.recordedAs).toBe(first.msgid);
      const shown = await task(String(first.msgid));
      expect(shown.status).toBe(200);
      expect(shown.body.results.map((r) => r.mdtrt_id)).toEqual(b.output.result!.map(() => 'MZ-RE-B'));
      expect(a.recordedAs).toBe(first.msgid);
    }
  });

  it('counts an empty or blank task_id as none', async () => {
    for (const [i, blank] of ['', '   '].entries()) {
      const envelope = withoutTaskId(`MZ-NT-E${i}`, `4401000000000000001${i}`, blank);
      const answer = await post(envelope);
      expect(answer.recordedAs).toBe(envelope.msgid);
      expect(answer.fields).toEqual(NATIONAL_FIELDS);
      expect(answer.output.result!.every((r) => r.task_id === blank)).toBe(true);
      expect((await task(String(envelope.msgid))).body.results[0]?.mdtrt_id).toBe(`MZ-NT-E${i}`);
    }
  });

  it('without a msgid either, gets an id of its own that finds it', async () => {
    const envelope = withoutTaskId('MZ-NT-C', '44010000000000000003');
    delete envelope.msgid;
    const answer = await post(envelope);
    const id = answer.recordedAs ?? '';
    expect(id).not.toBe('');
    const again = await post(envelope);
    // Two calls are two tasks: one id per call, not one per missing msgid.
    expect(again.recordedAs).not.toBe(id);
    const found = await task(id);
    expect(found.status).toBe(200);
    expect(found.body.results.map((r) => r.jr_id)).toEqual(answer.output.result!.map((r) => r.jr_id));
  });

  it('is answered with 3103 and shows the decision under the id the answer named', async () => {
    const envelope = withoutTaskId('MZ-NT-D', '44010000000000000004');
    const answer = await post(envelope);
    const jrId = answer.output.result![0]!.jr_id;
    const feedback = await post(feedbackEnvelope([{ jrId, way: '2' }]));
    expect(feedback.infcode).toBe(0);
    const found = await task(answer.recordedAs ?? '');
    expect(found.body.dispositions[jrId]?.dspo_way).toBe('2');
    const page = await fetch(`${sidecar.url}/ui/reminder/${encodeURIComponent(answer.recordedAs ?? '')}`);
    expect(page.status).toBe(200);
  });

  it("names the id to a page on another origin through an exposed header, the body a gateway's", async () => {
    const envelope = withoutTaskId('MZ-NT-G', '44010000000000000006');
    const answer = await post(envelope, PAGE_ORIGIN);
    expect(answer.recordedAs).toBe(envelope.msgid);
    expect(answer.fields).toEqual(NATIONAL_FIELDS);
    const { headers } = await postWithHeaders(
      `${sidecar.url}${CALL_SERVICE_ROUTE}`,
      withoutTaskId('MZ-NT-G', '44010000000000000006'),
      { origin: PAGE_ORIGIN },
    );
    expect(headers.get('access-control-expose-headers')?.toLowerCase()).toContain('x-prealert-task-id');
  });

  it('a 3101 with task_id is answered and recorded as before, the header naming its own task_id', async () => {
    const envelope = withoutTaskId('MZ-NT-F', '44010000000000000005', 'T-NT-F 门诊');
    const answer = await post(envelope);
    expect(answer.recordedAs).toBe('T-NT-F 门诊');
    expect(answer.fields).toEqual(NATIONAL_FIELDS);
    expect(answer.output.result!.every((r) => r.task_id === 'T-NT-F 门诊')).toBe(true);
    expect((await task('T-NT-F 门诊')).body.results).toHaveLength(2);
  });
});
