import path from 'node:path';
import { loadNationalLibrary } from '@prealert/rules-cache';
import Database from 'better-sqlite3';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RETRY_FIELD } from '../src/national/national-answerer';
import { DATABASE_FILE_NAME } from '../src/store/database';
import { analysisEnvelope, feedbackEnvelope, SEX_RULE_DRUG } from './fixtures/his-requests';
import { analysisStatus, onWorker } from './helpers/analysis-thread-status';
import { callOverHttp, type NationalReply, testServer } from './helpers/test-server';

type Server = Awaited<ReturnType<typeof testServer>>;

/** 3,000 order lines: large enough that the worker is still at it a few milliseconds after it was handed over. */
function bigEnvelope(encounterId: string): Record<string, unknown> {
  const big = analysisEnvelope({ encounterId, lines: 50 }) as {
    input: { data: { patient_dtos: { fsi_encounter_dtos: { fsi_order_dtos: Record<string, unknown>[] }[] }[] } };
  };
  const encounter = big.input.data.patient_dtos[0]!.fsi_encounter_dtos[0]!;
  encounter.fsi_order_dtos = Array.from({ length: 60 }, (_, copy) =>
    encounter.fsi_order_dtos.map((order) => ({ ...order, rx_id: `${String(order.rx_id)}-${copy}` })),
  ).flat();
  return big;
}

/** The reply without what differs between any two answers (message id and times). */
function comparable(reply: NationalReply): unknown {
  const { inf_refmsgid: _id, refmsg_time: _t1, respond_time: _t2, ...rest } = reply;
  return rest;
}

describe('3101/3102 on the analysis thread', () => {
  let server: Server;
  let onRequestThread: Server;

  beforeAll(async () => {
    [server, onRequestThread] = await Promise.all([testServer(), testServer({ analysisThread: false })]);
    await Promise.all([server.listen(), onRequestThread.listen()]);
    await onWorker(server);
  });
  afterAll(async () => {
    await Promise.all([server.close(), onRequestThread.close()]);
  });

  it('answers on the worker exactly what the request thread answers, and records it there', async () => {
    const before = (await analysisStatus(server))!.answered_on_worker;
    for (const shape of [
      { encounterId: 'MZ-AT-1', lines: 50, firing: 5 },
      { encounterId: 'MZ-AT-2', singleObjects: true },
      { encounterId: 'MZ-AT-3', infno: '3102' as const, firing: 0 },
    ]) {
      const [worker, own] = await Promise.all([
        callOverHttp(server, analysisEnvelope(shape)),
        callOverHttp(onRequestThread, analysisEnvelope(shape)),
      ]);
      expect(worker.body.infcode).toBe(0);
      expect(comparable(worker.body)).toEqual(comparable(own.body));
      expect(worker.headers['content-type']).toBe(own.headers['content-type']);
    }
    // A body the worker cannot parse gets the same named error as on the request thread.
    const [badWorker, badOwn] = await Promise.all([
      callOverHttp(server, '{"infno":"3101","input":'),
      callOverHttp(onRequestThread, '{"infno":"3101","input":'),
    ]);
    expect(badWorker.body.infcode).toBe(-1);
    expect(badWorker.body.err_msg).toBe(badOwn.body.err_msg);
    // Other charsets: labelled GBK, GBK labelled UTF-8, and one this sidecar does not read (the worker names the
    // charset). Same bytes back either way.
    const gbk = iconv.encode(JSON.stringify(analysisEnvelope({ encounterId: 'MZ-AT-G' })), 'gb18030');
    for (const [body, type] of [
      [gbk, 'application/json; charset=gbk'],
      [gbk, 'application/json; charset=utf-8'],
      [gbk, 'application/json; charset=big5'],
    ] as const) {
      const [worker, own] = await Promise.all([
        callOverHttp(server, body, { headers: { 'content-type': type } }),
        callOverHttp(onRequestThread, body, { headers: { 'content-type': type } }),
      ]);
      expect(worker.headers['content-type'], type).toBe(own.headers['content-type']);
      const decode = (raw: Buffer) =>
        JSON.parse(iconv.decode(raw, String(own.headers['content-type']).includes('gbk') ? 'gb18030' : 'utf8'));
      expect(comparable(decode(worker.raw)), type).toEqual(comparable(decode(own.raw)));
    }

    const after = (await analysisStatus(server))!;
    expect(after.answered_on_worker - before).toBe(7);
    expect(await analysisStatus(onRequestThread)).toBeNull();
    const task = server.db.prepare('SELECT infno, results FROM tasks WHERE task_id = ?');
    await server.app.inject({ method: 'GET', url: '/v1/status' }); // waits for queued records
    const recorded = task.get('T-MZ-AT-1') as { infno: string; results: string } | undefined;
    expect(recorded?.infno).toBe('3101');
    expect(JSON.parse(recorded!.results)).toHaveLength(5);
  });

  it('hands 3103 back to the request thread, and follows the doctor’s decisions for the next 3101', async () => {
    const first = await callOverHttp(server, analysisEnvelope({ encounterId: 'MZ-AT-4' }));
    const [a, b] = first.body.output.result!;
    const before = (await analysisStatus(server))!.handed_back;
    const decided = await callOverHttp(server, feedbackEnvelope([{ jrId: a!.jr_id, way: '1', reason: '已核实' }]));
    expect(decided.body.infcode).toBe(0);
    expect((await analysisStatus(server))!.handed_back).toBe(before + 1);

    const again = await callOverHttp(server, analysisEnvelope({ encounterId: 'MZ-AT-4', taskId: 'T-MZ-AT-4b' }));
    expect(again.body.output.result!.find((r) => r.jr_id === a!.jr_id)).toMatchObject({
      dspo_way: '1',
      dspo_way_rea: '已核实',
      prior_dspo: true,
    });
    expect(again.body.output.result!.find((r) => r.jr_id === b!.jr_id)!.prior_dspo).toBeUndefined();
    // Returned to modify after all: no longer settled.
    await callOverHttp(server, feedbackEnvelope([{ jrId: a!.jr_id, way: '2' }]));
    const third = await callOverHttp(server, analysisEnvelope({ encounterId: 'MZ-AT-4', taskId: 'T-MZ-AT-4c' }));
    expect(third.body.output.result!.find((r) => r.jr_id === a!.jr_id)!.prior_dspo).toBeUndefined();
  });

  it('follows a library swap: the next call is evaluated on the new library', async () => {
    const envelope = analysisEnvelope({ encounterId: 'MZ-AT-5' });
    const before = await callOverHttp(server, envelope);
    expect(before.body.output.result!.some((r) => r.rule_id === SEX_RULE_DRUG)).toBe(true);
    // The national library without its sex checks on drugs.
    const national = loadNationalLibrary();
    const withoutSexDrugs = {
      ...national,
      meta: { ...national.meta, version: `${national.meta.version}-nosex` },
      knowledgePoints: national.knowledgePoints.filter((kp) => kp.ruleId !== SEX_RULE_DRUG),
    };
    server.holder.load(() => withoutSexDrugs, 'test');
    // Until the worker has its copy, the request thread answers on the new library; after, the worker does.
    const during = await callOverHttp(server, envelope);
    expect(during.body.output.result!.some((r) => r.rule_id === SEX_RULE_DRUG)).toBe(false);
    const status = await onWorker(server);
    const after = await callOverHttp(server, envelope);
    expect(after.body.output.result!.some((r) => r.rule_id === SEX_RULE_DRUG)).toBe(false);
    expect((await analysisStatus(server))!.answered_on_worker).toBe(status.answered_on_worker + 1);
    server.holder.load(() => national, 'bundled');
    await onWorker(server);
  });

  it('keeps answering when the worker stops, and restarts it', async () => {
    const before = (await analysisStatus(server))!;
    await server.analysis!.crashForTest();
    // Answered by the request thread meanwhile.
    const meanwhile = await callOverHttp(server, analysisEnvelope({ encounterId: 'MZ-AT-6' }));
    expect(meanwhile.body.infcode).toBe(0);
    expect(meanwhile.body.output.result).toHaveLength(2);
    const back = await onWorker(server);
    expect(back.restarts).toBe(before.restarts + 1);
    expect(back.last_error).toMatch(/exited with code/);
    const after = await callOverHttp(server, analysisEnvelope({ encounterId: 'MZ-AT-7' }));
    expect(after.body.output.result).toHaveLength(2);
    expect((await analysisStatus(server))!.answered_on_worker).toBe(back.answered_on_worker + 1);
  }, 20_000);

  it('answers a call the worker held when it stopped with an error the HIS can go on from', async () => {
    await onWorker(server);
    const before = (await analysisStatus(server))!;
    const calling = callOverHttp(server, bigEnvelope('MZ-AT-8'));
    while (server.analysis!.waiting === 0) await new Promise((resolve) => setImmediate(resolve));
    await server.analysis!.crashForTest();
    const lost = await calling;
    expect(lost.status).toBe(200);
    expect(lost.body.infcode).toBe(-1);
    expect(lost.body.err_msg).toMatch(/分析线程中断，请重试/);
    expect((lost.body as unknown as Record<string, unknown>)[RETRY_FIELD]).toBe(true);
    expect((await analysisStatus(server))!.lost).toBe(before.lost + 1);
    // Nothing was recorded for it: the HIS was told it failed.
    expect(server.db.prepare('SELECT COUNT(*) AS n FROM tasks WHERE task_id = ?').get('T-MZ-AT-8')).toEqual({ n: 0 });
    await onWorker(server);
  }, 20_000);
});

describe('closing while the analysis thread holds a call', () => {
  it('answers it, tells the HIS to reconnect (Connection: close), records it, and only then stops the thread', async () => {
    const server = await testServer();
    await server.listen();
    await onWorker(server);
    const calling = callOverHttp(server, bigEnvelope('MZ-AT-9'));
    while (server.analysis!.waiting === 0) await new Promise((resolve) => setImmediate(resolve));
    const closing = server.close();
    const answer = await calling;
    await closing;
    expect(answer.status).toBe(200);
    expect(answer.body.infcode).toBe(0);
    expect(answer.headers.connection).toBe('close');
    expect(server.analysis!.status().lost).toBe(0);
    const db = new Database(path.join(server.dataDir, DATABASE_FILE_NAME), { readonly: true });
    try {
      expect(db.prepare('SELECT COUNT(*) AS n FROM tasks WHERE task_id = ?').get('T-MZ-AT-9')).toEqual({ n: 1 });
    } finally {
      db.close();
    }
  }, 20_000);
});
