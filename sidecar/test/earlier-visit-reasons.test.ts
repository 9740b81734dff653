/**
 * A 门诊慢特病 patient's monthly visit (review F5): the doctor continued (3103 dspo_way 1) a sev 3 药品限适应症 confirm
 * for 阿利沙坦酯片 with a reason in visit SETL-1; the next visit (SETL-2, the earlier one sent as history) raises the
 * same reminder under a new jr_id, which is right (a new encounter is a new question), and now carries the earlier
 * reason and its day (prior_visit_rea, prior_visit_date) without being answered for the doctor (no prior_dspo, no
 * dspo_way). The reviewer's own requests, the national library, a real sidecar with a real SQLite file over loopback
 * HTTP, on the analysis thread and on the request thread (PREALERT_ANALYSIS_THREAD=off).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_CONFIRM_REASON } from '@prealert/core';
import { loadNationalLibrary } from '@prealert/rules-cache';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { AnalysisThreadStatus } from '../src/analysis/analysis-thread';
import { shanghaiDay } from '../src/stats/days';
import { DATABASE_FILE_NAME } from '../src/store/database';
import type { DispositionStore } from '../src/store/dispositions';
import { feedbackEnvelope } from './fixtures/his-requests';
import { callOverHttp, type NationalReply, testServer } from './helpers/test-server';

type Server = Awaited<ReturnType<typeof testServer>>;
type Result = NonNullable<NationalReply['output']['result']>[number] & {
  patn_id: string;
  mdtrt_id: string;
  kp_id: string;
  prior_dspo?: boolean;
  dspo_way?: string;
  dspo_way_rea?: string;
  prior_visit_rea?: string;
  prior_visit_date?: string;
};

const INDICATION_RULE = 'GZ10000101008000';
const REASON = '患者轻度原发性高血压，长期服用，血压控制稳定';
const fixture = (name: string): string => fs.readFileSync(path.join(__dirname, 'fixtures', name), 'utf8');

/** The reviewer's request, for another patient id where given (the same drug, diagnosis and mdtrt_ids). */
function visit(name: 'chronic-visit-1.json' | 'chronic-visit-2.json', patientId = 'P-SETL-1'): unknown {
  const envelope = JSON.parse(fixture(name)) as {
    input: { data: { patient_dtos: { patn_id: string }[] } };
  };
  envelope.input.data.patient_dtos[0]!.patn_id = patientId;
  return envelope;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function start(analysisThread: boolean, dataDir?: string): Promise<Server> {
  const server = await testServer(
    { analysisThread, ...(dataDir ? { dataDir } : {}) },
    { replacedLibraryDecisionsMs: 50 },
  );
  servers.push(server);
  await server.listen();
  if (analysisThread) await onWorker(server);
  return server;
}

async function restart(server: Server, analysisThread: boolean, beforeStart?: (dataDir: string) => void) {
  const { dataDir } = server;
  await server.close();
  servers.splice(servers.indexOf(server), 1);
  beforeStart?.(dataDir);
  return start(analysisThread, dataDir);
}

/** Waits until the analysis thread holds the library (it builds its copy after the request thread). */
async function onWorker(server: Server): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const response = await server.app.inject({ method: 'GET', url: '/v1/status' });
    const status = (response.json() as { analysis: AnalysisThreadStatus | null }).analysis;
    if (status?.evaluating_on === 'worker') return;
    if (Date.now() > deadline) throw new Error(`still not evaluating on the worker: ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function indication(server: Server, envelope: unknown, analysisThread: boolean): Promise<Result> {
  const reply = await callOverHttp(server, envelope);
  expect(reply.body.infcode, reply.body.err_msg).toBe(0);
  const results = (reply.body.output.result as Result[]).filter((r) => r.rule_id === INDICATION_RULE);
  expect(results, '药品限适应症 fires once').toHaveLength(1);
  if (analysisThread) {
    const response = await server.app.inject({ method: 'GET', url: '/v1/status' });
    expect((response.json() as { analysis: AnalysisThreadStatus }).analysis.answered_on_worker).toBeGreaterThan(0);
  }
  return results[0]!;
}

/**
 * jr_id → the Asia/Shanghai days its latest decision was given on or after: the clock's day before and after the
 * 3103. One day, but two when midnight in Shanghai came in between (CI at 23:59).
 */
const decidedOn = new Map<string, string[]>();

async function decide(server: Server, jrId: string, way: '1' | '2', reason: string): Promise<void> {
  const before = shanghaiDay(Date.now());
  const answered = await callOverHttp(server, feedbackEnvelope([{ jrId, way, reason }], '1'));
  expect(answered.body.infcode, answered.body.err_msg).toBe(0);
  decidedOn.set(jrId, [before, shanghaiDay(Date.now())]);
}

/** The hint, and that it answers nothing for the doctor: a question of this visit, under its own jr_id. */
function expectHint(result: Result, firstJrId: string): void {
  expect(result.mdtrt_id).toBe('SETL-2');
  expect(result.jr_id, 'a new encounter is a new question').not.toBe(firstJrId);
  expect(result.prior_visit_rea).toBe(REASON);
  // The day the reason was given on, not the clock's day now: a later one when midnight in Shanghai came since.
  expect(decidedOn.get(firstJrId)).toContain(result.prior_visit_date);
  expect(result.prior_dspo).toBeUndefined();
  expect(result.dspo_way).toBeUndefined();
  expect(result.dspo_way_rea).toBeUndefined();
  expect(result.sev_deg).toBe('3');
  expect(result.wf_impact).toBe('confirm');
}

function expectNoHint(result: Result): void {
  expect(result.prior_visit_rea).toBeUndefined();
  expect(result.prior_visit_date).toBeUndefined();
}

describe.each([
  ['on the analysis thread', true],
  ['on the request thread (PREALERT_ANALYSIS_THREAD=off)', false],
])("an earlier visit's 继续执行 reason, %s", (_name, analysisThread) => {
  it("the next month's visit carries last visit's reason, and keeps it over a restart", async () => {
    let server = await start(analysisThread);
    const first = await indication(server, visit('chronic-visit-1.json'), analysisThread);
    expect(first.sev_deg).toBe('3');
    expectNoHint(first);
    await decide(server, first.jr_id, '1', REASON);

    // The same encounter again is decided by its own jr_id (prior_dspo), not offered a hint.
    const again = await indication(server, visit('chronic-visit-1.json'), analysisThread);
    expect(again.prior_dspo).toBe(true);
    expectNoHint(again);

    expectHint(await indication(server, visit('chronic-visit-2.json'), analysisThread), first.jr_id);
    // Recorded without it: the dispositions hold the reason, and a copy here would outlive a pruned decision.
    await server.app.inject({ url: '/v1/stats' }); // everything queued is written
    const recorded = server.db
      .prepare("SELECT COUNT(*) FROM result_bodies WHERE json_extract(json, '$.prior_visit_rea') IS NOT NULL")
      .pluck()
      .get();
    expect(recorded).toBe(0);

    server = await restart(server, analysisThread);
    expectHint(await indication(server, visit('chronic-visit-2.json'), analysisThread), first.jr_id);
  });

  it("the widget's fixed wording (no reason typed) is not offered as last visit's reason, also over a restart", async () => {
    let server = await start(analysisThread);
    const first = await indication(server, visit('chronic-visit-1.json'), analysisThread);
    await decide(server, first.jr_id, '1', DEFAULT_CONFIRM_REASON);
    expectNoHint(await indication(server, visit('chronic-visit-2.json'), analysisThread));
    // A reason typed on the same jr_id is offered; the fixed wording given on it since takes it back.
    await decide(server, first.jr_id, '1', REASON);
    expectHint(await indication(server, visit('chronic-visit-2.json'), analysisThread), first.jr_id);
    await decide(server, first.jr_id, '1', DEFAULT_CONFIRM_REASON);
    expectNoHint(await indication(server, visit('chronic-visit-2.json'), analysisThread));

    server = await restart(server, analysisThread);
    expectNoHint(await indication(server, visit('chronic-visit-2.json'), analysisThread));
  });

  it('a 返回修改 on the earlier visit takes its reason back', async () => {
    const server = await start(analysisThread);
    const first = await indication(server, visit('chronic-visit-1.json'), analysisThread);
    await decide(server, first.jr_id, '1', REASON);
    expectHint(await indication(server, visit('chronic-visit-2.json'), analysisThread), first.jr_id);

    await decide(server, first.jr_id, '2', '');
    expectNoHint(await indication(server, visit('chronic-visit-2.json'), analysisThread));
  });

  it("another patient with the same drug and the same mdtrt_ids is not offered the first patient's reason", async () => {
    const server = await start(analysisThread);
    const first = await indication(server, visit('chronic-visit-1.json'), analysisThread);
    await decide(server, first.jr_id, '1', REASON);

    expectNoHint(await indication(server, visit('chronic-visit-2.json', 'P-OTHER-2'), analysisThread));
    // Nor in the other patient's own first visit, though it has the same mdtrt_id as the decided one.
    expectNoHint(await indication(server, visit('chronic-visit-1.json', 'P-OTHER-2'), analysisThread));
    expectHint(await indication(server, visit('chronic-visit-2.json'), analysisThread), first.jr_id);
  });

  it('a patn_id that is an ID number is one patient whether its check character came as x or X', async () => {
    const server = await start(analysisThread);
    // One HIS module fills 身份证号 with x, the other with X (GB 11643's form).
    const first = await indication(server, visit('chronic-visit-1.json', '44010619850312004x'), analysisThread);
    await decide(server, first.jr_id, '1', REASON);
    expectHint(
      await indication(server, visit('chronic-visit-2.json', '44010619850312004X'), analysisThread),
      first.jr_id,
    );
    expect(
      server.db.prepare("SELECT COUNT(DISTINCT patient_key) FROM reminders WHERE mdtrt_id LIKE 'SETL-%'").pluck().get(),
    ).toBe(1);
    // A patient number of another HIS that ends in x but is no ID number (no region starts with 0) keeps its case.
    const other = await indication(server, visit('chronic-visit-1.json', '04010619850312004x'), analysisThread);
    await decide(server, other.jr_id, '1', REASON);
    expectNoHint(await indication(server, visit('chronic-visit-2.json', '04010619850312004X'), analysisThread));
  });

  it('a decision older than 180 days is not offered', async () => {
    let server = await start(analysisThread);
    const first = await indication(server, visit('chronic-visit-1.json'), analysisThread);
    await decide(server, first.jr_id, '1', REASON);
    expectHint(await indication(server, visit('chronic-visit-2.json'), analysisThread), first.jr_id);

    // The decision dated 181 days back, as if given then: read back from the database at the next start.
    server = await restart(server, analysisThread, (dataDir) => {
      const db = new Database(path.join(dataDir, DATABASE_FILE_NAME));
      try {
        const moved = db
          .prepare('UPDATE dispositions SET at = at - ? WHERE jr_id = ?')
          .run(181 * 24 * 60 * 60 * 1000, first.jr_id);
        expect(moved.changes).toBe(1);
      } finally {
        db.close();
      }
    });
    expectNoHint(await indication(server, visit('chronic-visit-2.json'), analysisThread));
  });

  it('outlives a library update, and goes when its reminder is pruned', async () => {
    const server = await start(analysisThread);
    const first = await indication(server, visit('chronic-visit-1.json'), analysisThread);
    await decide(server, first.jr_id, '1', REASON);

    // The same points under another version: this visit's decisions are no longer held (they cover nothing there),
    // but last visit's reason is as good a suggestion.
    const national = loadNationalLibrary();
    server.holder.load(
      () => ({ ...national, meta: { ...national.meta, version: `${national.meta.version}-u` } }),
      'sync',
    );
    if (analysisThread) await onWorker(server);
    for (let i = 0; i < 100 && server.dispositions.heldContinued() > 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(server.dispositions.heldContinued()).toBe(0);
    expectHint(await indication(server, visit('chronic-visit-2.json'), analysisThread), first.jr_id);

    // What retention.ts does with the decisions of the reminders it prunes (its own pass holds the cutoff back to the
    // window of the latest task, so a test cannot age these by the clock): the real store, as the server holds it.
    (server.dispositions as unknown as Pick<DispositionStore, 'forget'>).forget([first.jr_id]);
    expectNoHint(await indication(server, visit('chronic-visit-2.json'), analysisThread));
  });
});
