/**
 * A 3101 without task_id (optional in the spec, N). Recorded under "" every such answer replaced the last, so
 * /v1/tasks/ and /ui/reminder/ showed whichever patient was analysed last, to anyone asking for "no task". Each is
 * now recorded under the envelope's msgid (what S-13 sends as task_id anyway), else a generated id, and the answer
 * says which in `prealert_task_id`; its results still echo the request's task_id. Against the built sidecar.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisEnvelope, feedbackEnvelope } from './fixtures/his-requests';
import { type RunningSidecar, spawnSidecar } from './helpers/spawn-sidecar';

const GATEWAY = '/fsi/api/rsfComIfsService/callService';

let sidecar: RunningSidecar;

beforeAll(async () => {
  sidecar = await spawnSidecar(fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-notask-')));
});
afterAll(async () => {
  await sidecar?.stop();
});

interface Answer {
  infcode: number;
  err_msg: string;
  prealert_task_id?: string;
  output: { result?: { jr_id: string; mdtrt_id: string; task_id: string }[] };
}

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

async function post(body: unknown): Promise<Answer> {
  const response = await fetch(`${sidecar.url}${GATEWAY}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Answer;
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
    expect(a.prealert_task_id).toBe(first.msgid);
    expect(b.prealert_task_id).toBe(second.msgid);

    const taskA = await task(String(first.msgid));
    expect(taskA.status).toBe(200);
    expect(taskA.body.task_id).toBe(first.msgid);
    expect(taskA.body.results.map((r) => r.jr_id)).toEqual(a.output.result!.map((r) => r.jr_id));
    expect(taskA.body.results.every((r) => r.mdtrt_id === 'MZ-NT-A')).toBe(true);
    expect((await task(String(second.msgid))).body.results.every((r) => r.mdtrt_id === 'MZ-NT-B')).toBe(true);
  });

  it('counts an empty or blank task_id as none', async () => {
    for (const [i, blank] of ['', '   '].entries()) {
      const envelope = withoutTaskId(`MZ-NT-E${i}`, `4401000000000000001${i}`, blank);
      const answer = await post(envelope);
      expect(answer.prealert_task_id).toBe(envelope.msgid);
      expect(answer.output.result!.every((r) => r.task_id === blank)).toBe(true);
      expect((await task(String(envelope.msgid))).body.results[0]?.mdtrt_id).toBe(`MZ-NT-E${i}`);
    }
  });

  it('without a msgid either, gets an id of its own that finds it', async () => {
    const envelope = withoutTaskId('MZ-NT-C', '44010000000000000003');
    delete envelope.msgid;
    const answer = await post(envelope);
    const id = answer.prealert_task_id ?? '';
    expect(id).not.toBe('');
    const again = await post(envelope);
    // Two calls are two tasks: one id per call, not one per missing msgid.
    expect(again.prealert_task_id).not.toBe(id);
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
    const found = await task(answer.prealert_task_id ?? '');
    expect(found.body.dispositions[jrId]?.dspo_way).toBe('2');
    const page = await fetch(`${sidecar.url}/ui/reminder/${encodeURIComponent(answer.prealert_task_id ?? '')}`);
    expect(page.status).toBe(200);
  });

  it('a 3101 with task_id is answered and recorded as before, without the extension field', async () => {
    const envelope = withoutTaskId('MZ-NT-F', '44010000000000000005', 'T-NT-F');
    const answer = await post(envelope);
    expect(answer.prealert_task_id).toBeUndefined();
    expect(answer.output.result!.every((r) => r.task_id === 'T-NT-F')).toBe(true);
    expect((await task('T-NT-F')).body.results).toHaveLength(2);
  });
});
