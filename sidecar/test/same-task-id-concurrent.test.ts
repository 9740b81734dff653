/**
 * HIS that do not make task_id unique (a constant, the day's date, "" with a reused msgid; 3101-3103.md §2.2) send
 * the same one for different patients, and two doctors' 3101s can be in flight at once: on the analysis thread,
 * or on the request thread waiting out a slow provincial gateway's budget. Each call must get only its own
 * patient's warnings, and be recorded under its own encounter with the jr_ids it was answered, so that a 3103 on
 * them settles that patient's reminders. Many pairs at once, over loopback, with real national codes: a woman
 * prescribed a male-only drug, and a man of 45 prescribed a children's drug.
 *
 * What this guards: the analysis thread hands a call's record back through a map keyed by task id
 * (analysis-worker.ts), which holds only while the record is made and taken in the same turn of its event loop;
 * and a call merged with the gateway waits for it between its evaluation and its record. Anything keyed by task
 * id across such a wait gives one patient's warnings or record to the other: this test then fails.
 */
import type http from 'node:http';
import type { KnowledgePoint } from '@prealert/core';
import { loadNationalLibrary } from '@prealert/rules-cache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SidecarServer } from '../src/server';
import { analysisEnvelope, feedbackEnvelope, SEX_RULE_DRUG } from './fixtures/his-requests';
import { analysisStatus, onWorker } from './helpers/analysis-thread-status';
import { type FakeGateway, startFakeGateway } from './helpers/fake-gateway';
import { callOverHttp, type NationalReply, testServer } from './helpers/test-server';

const AGE_RULE_DRUG = 'GZ10000301002000';
const PAIRS = 30;

/** A children's drug (药品限儿童使用, no stated range, no adult dosing) whose code only that point names. */
function childOnlyDrug(): { code: string; name: string } {
  const points = loadNationalLibrary().knowledgePoints;
  const pointsPerCode = new Map<string, number>();
  for (const kp of points) for (const c of kp.codes) pointsPerCode.set(c, (pointsPerCode.get(c) ?? 0) + 1);
  const childOnly = (kp: KnowledgePoint) =>
    kp.ruleId === AGE_RULE_DRUG &&
    kp.itemType === 'drug' &&
    kp.limit.kind === 'age_group' &&
    kp.limit.group === 'child' &&
    kp.limit.min === undefined &&
    kp.limit.max === undefined &&
    kp.limit.adultDosing === undefined;
  for (const kp of points) {
    const code = childOnly(kp) ? kp.codes.find((c) => pointsPerCode.get(c) === 1) : undefined;
    if (code) return { code, name: kp.itemName };
  }
  throw new Error('the national library has no children-only drug');
}

interface Call {
  encounterId: string;
  patientId: string;
  rule: string;
  envelope: Record<string, unknown>;
}

type Data = { task_id: string; patient_dtos: Patient[] };
type Patient = {
  patn_id: string;
  gend: string;
  brdy: string;
  fsi_encounter_dtos: { mdtrt_id: string; fsi_order_dtos: Record<string, string>[] }[];
};
const dataOf = (envelope: Record<string, unknown>) => (envelope.input as { data: Data }).data;

/** Pair i under `taskId`: the woman with one male-only drug among two others, the man with one children's drug. */
function pair(i: number, taskId: string, child: { code: string; name: string }, msgid?: string): [Call, Call] {
  const woman: Call = {
    encounterId: `MZ-SAME-W-${i}`,
    patientId: `P-SAME-W-${i}`,
    rule: SEX_RULE_DRUG,
    envelope: analysisEnvelope({
      taskId,
      encounterId: `MZ-SAME-W-${i}`,
      patientId: `P-SAME-W-${i}`,
      lines: 3,
      firing: 1,
    }),
  };
  const man: Call = {
    encounterId: `MZ-SAME-M-${i}`,
    patientId: `P-SAME-M-${i}`,
    rule: AGE_RULE_DRUG,
    envelope: analysisEnvelope({
      taskId,
      encounterId: `MZ-SAME-M-${i}`,
      patientId: `P-SAME-M-${i}`,
      patientName: '张测试',
      lines: 1,
      firing: 1,
    }),
  };
  const patient = dataOf(man.envelope).patient_dtos[0]!;
  patient.gend = '1';
  patient.brdy = '1981-02-03';
  Object.assign(patient.fsi_encounter_dtos[0]!.fsi_order_dtos[0]!, {
    hilist_code: child.code,
    hilist_name: child.name,
    hosplist_name: child.name,
  });
  if (msgid !== undefined) {
    woman.envelope.msgid = msgid;
    man.envelope.msgid = msgid;
  }
  return [woman, man];
}

/**
 * The call's answer names only its own patient and encounter: the warning its line gives, then (`gateway`) the
 * gateway's, unless the gateway missed the budget and the list is marked incomplete.
 */
function expectOwnAnswer(call: Call, reply: NationalReply, gateway: boolean): void {
  expect(reply.infcode, call.encounterId).toBe(0);
  const results = reply.output.result ?? [];
  expect(results.length, call.encounterId).toBe(gateway && reply.output.truncated !== true ? 2 : 1);
  expect(results[0]!.rule_id, call.encounterId).toBe(call.rule);
  for (const r of results) {
    expect(r.mdtrt_id, call.encounterId).toBe(call.encounterId);
    expect(r.patn_id, call.encounterId).toBe(call.patientId);
    for (const d of r.judge_result_detail_dtos as { mdtrt_id: string; rx_id: string }[]) {
      expect(d.mdtrt_id, call.encounterId).toBe(call.encounterId);
      expect(d.rx_id.startsWith(`${call.encounterId}-`), call.encounterId).toBe(true);
    }
  }
}

/**
 * Every call recorded once, under `recordedAs`, with its own encounter and exactly the jr_ids it was answered; each
 * reminder dated to a task of its own encounter; each 3103 decision on the reminder of the encounter it named.
 */
function expectOwnRecords(server: SidecarServer, recordedAs: string, answered: Map<string, string[]>): void {
  const tasks = server.db
    .prepare<[string], { id: number; encounters: string; results: string }>(
      'SELECT id, encounters, results FROM tasks WHERE task_id = ?',
    )
    .all(recordedAs);
  expect(tasks).toHaveLength(answered.size);
  const taskEncounter = new Map<number, string>();
  const recorded = new Map<string, string[]>();
  for (const task of tasks) {
    const encounters = JSON.parse(task.encounters) as [string, ...unknown[]][];
    expect(encounters).toHaveLength(1);
    const encounterId = encounters[0]![0];
    expect(recorded.has(encounterId), encounterId).toBe(false);
    recorded.set(
      encounterId,
      (JSON.parse(task.results) as [string][]).map((r) => r[0]),
    );
    taskEncounter.set(task.id, encounterId);
  }
  expect(recorded).toEqual(answered);
  const reminders = server.db
    .prepare<[], { jr_id: string; first_task: number; mdtrt_id: string }>(
      'SELECT jr_id, first_task, mdtrt_id FROM reminders',
    )
    .all();
  const reminderOf = new Map(reminders.map((r) => [r.jr_id, r]));
  for (const [encounterId, jrIds] of answered) {
    for (const jrId of jrIds) {
      // A gateway's result is counted under its UP… id (upstream_links).
      const counted =
        server.db
          .prepare<[string], string>('SELECT jr_id FROM upstream_links WHERE gateway_jr_id = ?')
          .pluck()
          .get(jrId) ?? jrId;
      const reminder = reminderOf.get(counted);
      expect(reminder?.mdtrt_id, `${encounterId} ${jrId}`).toBe(encounterId);
      expect(taskEncounter.get(reminder!.first_task), `${encounterId} ${jrId}`).toBe(encounterId);
    }
  }
  const decided = server.db
    .prepare<[], { jr_id: string; dspo_way_rea: string; mdtrt_id: string }>(
      'SELECT d.jr_id, d.dspo_way_rea, r.mdtrt_id FROM dispositions d JOIN reminders r USING (jr_id)',
    )
    .all();
  expect(decided).toHaveLength(answered.size);
  for (const d of decided) expect(d.dspo_way_rea).toBe(`核对 ${d.mdtrt_id}`);
}

/**
 * All calls at once, each answered only for its own patient and under `recordedAs`; then a 3103 per call on its
 * first warning, all at once, its reason naming the encounter. The jr_ids answered, by encounter.
 */
async function callAll(
  server: SidecarServer,
  calls: Call[],
  recordedAs: string,
  gateway: boolean,
): Promise<{ answered: Map<string, string[]>; replies: NationalReply[] }> {
  const replies = await Promise.all(calls.map((call) => callOverHttp(server, call.envelope)));
  const answered = new Map<string, string[]>();
  calls.forEach((call, i) => {
    const reply = replies[i]!;
    expectOwnAnswer(call, reply.body, gateway);
    expect(reply.headers['x-prealert-task-id'], call.encounterId).toBe(recordedAs);
    answered.set(
      call.encounterId,
      reply.body.output.result!.map((r) => r.jr_id),
    );
  });
  const decisions = await Promise.all(
    calls.map((call) =>
      callOverHttp(
        server,
        feedbackEnvelope([{ jrId: answered.get(call.encounterId)![0]!, way: '1', reason: `核对 ${call.encounterId}` }]),
      ),
    ),
  );
  for (const decision of decisions) expect(decision.body.err_msg).toBe('');
  return { answered, replies: replies.map((r) => r.body) };
}

describe('concurrent 3101s of different patients under one task_id', () => {
  const child = childOnlyDrug();

  it('on the analysis thread each gets its own warnings, records and 3103', async () => {
    const server = await testServer();
    try {
      await server.listen();
      const before = (await onWorker(server)).answered_on_worker;
      // The day's date, as some HIS send for every call.
      const calls = Array.from({ length: PAIRS }, (_, i) => pair(i, '20260315', child)).flat();
      const { answered } = await callAll(server, calls, '20260315', false);
      expect((await analysisStatus(server))!.answered_on_worker - before).toBe(calls.length);
      expectOwnRecords(server, '20260315', answered);
    } finally {
      await server.close();
    }
  });

  describe('merged with a slow provincial gateway', () => {
    let gateway: FakeGateway;
    let gatewayCalls = 0;

    beforeAll(async () => {
      // Answers each call late, in a shuffled order, with a warning on the encounter it was sent; every tenth never
      // within the budget. A result of the wrong patient would show in the merge.
      gateway = await startFakeGateway<Record<string, unknown>>((body, res: http.ServerResponse) => {
        const call = ++gatewayCalls;
        const patient = (body.input as { data: Data }).data.patient_dtos[0]!;
        const encounterId = patient.fsi_encounter_dtos[0]!.mdtrt_id;
        const answer = () => {
          res.setHeader('content-type', 'application/json');
          res.end(
            JSON.stringify({
              infcode: 0,
              err_msg: '',
              output: {
                result: [
                  {
                    jr_id: `GW-SAME-${call}`,
                    rule_id: 'R01',
                    rule_name: '配伍禁忌',
                    vola_cont: '患者处方中存在配伍禁忌的药品【A药】、【B药】。',
                    patn_id: patient.patn_id,
                    mdtrt_id: encounterId,
                    judge_result_detail_dtos: [
                      {
                        jrd_id: `GWD-${call}`,
                        patn_id: patient.patn_id,
                        mdtrt_id: encounterId,
                        rx_id: `${encounterId}-001`,
                        vola_item_type: '1',
                        vola_amt: 12,
                      },
                    ],
                    vola_amt: 12,
                    vola_amt_stas: '1',
                    sev_deg: '2',
                    vola_evid: '',
                    vola_bhvr_type: '1',
                    task_id: (body.input as { data: Data }).data.task_id,
                  },
                ],
              },
            }),
          );
        };
        setTimeout(answer, call % 10 === 0 ? 5_000 : 20 + ((call * 37) % 130));
      });
    });
    afterAll(async () => {
      await gateway.close();
    });

    it('each gets its own warnings and the gateway’s on its own encounter, its own records and 3103', async () => {
      const server = await testServer({ upstream: { url: gateway.url, timeoutMs: 1_000 } });
      try {
        await server.listen();
        // task_id left blank and one msgid reused for every call: both stand for the task (recordedTaskId).
        const msgid = 'H440106001232026031509300099';
        const calls = Array.from({ length: PAIRS }, (_, i) => pair(100 + i, '', child, msgid)).flat();
        const { answered, replies } = await callAll(server, calls, msgid, true);
        // Both ways were taken: gateway answers merged, and some missing the budget (those it held, and those
        // queued behind them for one of the 8 connections to it).
        const merged = replies.filter((r) => r.output.truncated !== true).length;
        expect(merged).toBeGreaterThan(0);
        expect(merged).toBeLessThan(calls.length);
        expectOwnRecords(server, msgid, answered);
      } finally {
        await server.close();
      }
    });
  });
});
