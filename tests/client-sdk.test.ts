/**
 * @prealert/client against the real built sidecar (spawned on an ephemeral loopback port with a temp data dir):
 * 3101/3102 answers mapped back to order lines, 3103 recorded, and fail-open when the sidecar is down or hung.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  type AnalyzeResult,
  attachWarnings,
  linesOf,
  PrealertClient,
  unmatchedLines,
  warningsByLine,
  worstSeverityByLine,
} from '@prealert/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE, PATIENTS } from '../examples/web-his/public/demo-data.js';
import { buildAnalysisInput } from '../examples/web-his/public/his-request.js';
import { type RunningSidecar, startSidecar } from '../examples/web-his/sidecar-process.mjs';
import { taskDispositions } from './support/task-dispositions';

const repoRoot = path.resolve(import.meta.dirname, '..');
const sidecarCli = path.join(repoRoot, 'sidecar', 'dist', 'cli.js');

const item = (code: string) => {
  const found = CATALOGUE.find((c) => c.code === code);
  if (!found) throw new Error(`demo catalogue lacks ${code}`);
  return found;
};

/** 李秀梅 (female, 36, outpatient): one line for each published limit the demo shows, with real national codes. */
function demoRequest(taskId: string, extra: { rxId: string; code: string; cnt?: number }[] = []) {
  const lines = [
    { rxId: 'RX-TADALAFIL', code: 'XG04BET001A001010100299' },
    { rxId: 'RX-CHILD-IBUPROFEN', code: 'XM01AEX094D001010101792' },
    { rxId: 'RX-AMINO-ACIDS', code: 'XB05BAF150B002010100269', cnt: 2 },
    { rxId: 'RX-OGTT', code: '003102050010100' },
    { rxId: 'RX-GLUCOSE', code: '002503020010000' },
    ...extra,
  ];
  return buildAnalysisInput({
    patient: PATIENTS[0]!,
    visit: 'outpatient',
    orders: lines.map((l) => ({ rxId: l.rxId, item: item(l.code), cnt: l.cnt ?? 1 })),
    taskId,
    now: new Date(),
  });
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let sidecar: RunningSidecar;
let dataDir: string;
let client: PrealertClient;

beforeAll(async () => {
  if (!fs.existsSync(sidecarCli)) throw new Error('sidecar/dist/cli.js missing: run `pnpm build` first');
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-client-'));
  sidecar = await startSidecar({ cli: sidecarCli, port: '0', dataDir, corsOrigins: [] });
  client = new PrealertClient({
    baseUrl: sidecar.url,
    envelope: {
      fixmedins_code: 'H11010500001',
      fixmedins_name: '示范人民医院（演示）',
      opter: 'D0001',
      opter_name: '王医生',
    },
  });
});

afterAll(async () => {
  await client?.close();
  if (sidecar?.child.signalCode === null) sidecar.child.kill('SIGCONT');
  await sidecar?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

const task = async (taskId: string) => ({ dispositions: await taskDispositions(sidecar.url, taskId) });

describe('analyze (3101/3102) against the real sidecar', () => {
  let answer: AnalyzeResult;

  beforeAll(async () => {
    answer = await client.analyze(demoRequest('CLIENT-T1'));
  });

  it('returns the four warnings the real national data gives for this prescription', () => {
    expect(answer.status).toBe('ok');
    expect(answer.failOpen).toBeUndefined();
    expect(answer.taskId).toBe('CLIENT-T1');
    expect(answer.warnType).toBe('1');
    const byRule = Object.fromEntries(answer.results.map((r) => [r.rule_name, r]));
    expect(Object.keys(byRule).sort()).toEqual([
      '医疗服务项目重复收费',
      '药品儿童专用',
      '药品区分性别使用',
      '药品限就医方式',
    ]);
    expect(byRule.药品区分性别使用?.vola_cont).toContain('他达拉非片');
    expect(byRule.药品限就医方式?.sev_deg).toBe('1');
    for (const result of answer.results) expect(result.task_id).toBe('CLIENT-T1');
  });

  it('maps every warning back to the order lines by rx_id', () => {
    const byLine = warningsByLine(answer.results);
    expect(byLine.get('RX-TADALAFIL')?.map((w) => [w.role, w.result.rule_name])).toEqual([
      ['violation', '药品区分性别使用'],
    ]);
    // The duplicate charge flags B (葡萄糖测定) and names A (the OGTT that includes it) as 涉及项.
    expect(byLine.get('RX-GLUCOSE')?.[0]?.role).toBe('violation');
    expect(byLine.get('RX-OGTT')?.[0]?.role).toBe('involved');
    const duplicate = answer.results.find((r) => r.rule_name === '医疗服务项目重复收费')!;
    expect(linesOf(duplicate, 'violation')).toEqual(['RX-GLUCOSE']);
    expect(linesOf(duplicate, 'involved')).toEqual(['RX-OGTT']);

    const worst = worstSeverityByLine(answer.results);
    expect(worst.get('RX-AMINO-ACIDS')).toBe('1');
    expect(worst.get('RX-TADALAFIL')).toBe('2');
    expect(worst.has('RX-OGTT')).toBe(false);

    const orders = demoRequest('x').data.patient_dtos[0]!.fsi_encounter_dtos[0]!.fsi_order_dtos;
    const rows = attachWarnings(orders, answer.results);
    expect(rows.map((r) => r.order.rx_id)).toEqual(orders.map((o) => o.rx_id));
    expect(rows.find((r) => r.order.rx_id === 'RX-CHILD-IBUPROFEN')?.warnings[0]?.result.rule_name).toBe(
      '药品儿童专用',
    );
    expect(unmatchedLines(orders, answer.results)).toEqual([]);
  });

  it('generates a task_id when the HIS sends none, and answers 3102 with warn_type 2', async () => {
    const input = demoRequest('');
    delete input.data.task_id;
    const result = await client.analyze(input, { infno: '3102' });
    expect(result.status).toBe('ok');
    expect(result.taskId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.warnType).toBe('2');
    expect(result.results[0]?.task_id).toBe(result.taskId);
  });

  it('resolves a malformed request as rejected with the sidecar naming the field, never a throw', async () => {
    const input = demoRequest('CLIENT-BAD');
    input.data.patient_dtos[0]!.brdy = '1990-13-45';
    const result = await client.analyze(input);
    expect(result.status).toBe('rejected');
    expect(result.error).toContain('brdy');
    expect(result.results).toEqual([]);
    expect(result.failOpen).toBeUndefined();
  });
});

describe('feedback (3103) against the real sidecar', () => {
  it('records 继续执行 with a reason and 返回修改, visible in the task', async () => {
    const answer = await client.analyze(demoRequest('CLIENT-T2'));
    const amino = answer.results.find((r) => r.rule_name === '药品限就医方式')!;
    const child = answer.results.find((r) => r.rule_name === '药品儿童专用')!;
    const sent = await client.decide(answer, [
      { jrId: amino.jr_id, disposition: 'continue', reason: '临床必需' },
      { jrId: child.jr_id, disposition: 'modify' },
    ]);
    expect(sent).toMatchObject({ status: 'ok', sent: 2, queued: false });
    const { dispositions } = await task('CLIENT-T2');
    expect(dispositions[amino.jr_id]).toMatchObject({ dspo_way: '1', dspo_way_rea: '临床必需' });
    expect(dispositions[child.jr_id]).toMatchObject({ dspo_way: '2' });
  });

  it('passes on the sidecar refusing 继续执行 without a reason', async () => {
    const answer = await client.analyze(demoRequest('CLIENT-T3'));
    const sex = answer.results.find((r) => r.rule_name === '药品区分性别使用')!;
    const result = await client.decide(answer, [{ jrId: sex.jr_id, disposition: 'continue' }]);
    expect(result.status).toBe('rejected');
    expect(result.error).toContain('dspo_way_rea');
    expect(result.queued).toBe(false);
  });

  it('names the bad field of a malformed 3103 without sending it', async () => {
    const result = await client.feedback({
      warn_type: '1',
      warns: [{ warn_rslt_id: 'JR1', dspo_way: '3' as '1' }],
    });
    expect(result).toMatchObject({ status: 'rejected', sent: 0 });
    expect(result.error).toBe('input.data.warns[0].dspo_way: must be "1" or "2"');
  });

  it("refuses a too-long reason in the sidecar's Chinese words, and takes one the sidecar takes", async () => {
    const answer = await client.analyze(demoRequest('CLIENT-T5'));
    const sex = answer.results.find((r) => r.rule_name === '药品区分性别使用')!;
    const warns = [{ warn_rslt_id: sex.jr_id, dspo_way: '1' as const, dspo_way_rea: '临'.repeat(501) }];
    const refused = await client.feedback({ warn_type: '1', warns });
    expect(refused).toMatchObject({ status: 'rejected', sent: 0, queued: false });
    expect(refused.error).toBe('input.data.warns[0].dspo_way_rea: 长度超过 500');
    // The same 3103 sent past the SDK: the sidecar refuses it with these words too.
    const raw = await fetch(`${sidecar.url}/fsi/api/rsfComIfsService/callService`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        infno: '3103',
        msgid: 'H11010500001202611300000001',
        fixmedins_code: 'H11010500001',
        opter: 'D0001',
        opter_name: '王医生',
        input: { data: { warn_type: '1', warns } },
      }),
    });
    const envelope = (await raw.json()) as { infcode: number; err_msg: string };
    expect(envelope.infcode).toBe(-1);
    expect(envelope.err_msg).toContain(refused.error);
    // 500 生僻字 are 1000 UTF-16 units but 500 characters to the sidecar: the SDK sends them and they are recorded.
    const rare = '𠀀'.repeat(500);
    const taken = await client.decide(answer, [{ jrId: sex.jr_id, disposition: 'continue', reason: rare }]);
    expect(taken).toMatchObject({ status: 'ok', sent: 1 });
    const { dispositions } = await task('CLIENT-T5');
    expect(dispositions[sex.jr_id]).toMatchObject({ dspo_way: '1', dspo_way_rea: rare });
  });
});

describe('fail-open', () => {
  it('resolves quickly with no warnings when nothing listens, then short-circuits while the breaker is open', async () => {
    const port = await closedPort();
    const down = new PrealertClient({ baseUrl: `http://127.0.0.1:${port}` });
    try {
      const first = await down.analyze(demoRequest('DOWN-1'));
      expect(first).toMatchObject({ status: 'fail_open', results: [], failOpen: { reason: 'sidecar_unreachable' } });
      expect(first.elapsedMs).toBeLessThan(1000);
      const second = await down.analyze(demoRequest('DOWN-2'));
      expect(second.failOpen?.reason).toBe('breaker_open');
      // breaker_open says no connection was tried; the bound only catches a wait (5 ms left no room for a stalled
      // event loop on the two shared CI cores).
      expect(second.elapsedMs).toBeLessThan(50);
      const feedback = await down.feedback({ warn_type: '1', warns: [{ warn_rslt_id: 'JR-x', dspo_way: '2' }] });
      expect(feedback).toMatchObject({ status: 'fail_open', queued: true });
      expect(down.queuedFeedback).toBe(1);
    } finally {
      await down.close();
    }
  });

  it('keeps every fail-open reason without a breaker when it is disabled', async () => {
    const port = await closedPort();
    const events: string[] = [];
    const down = new PrealertClient({
      baseUrl: `http://127.0.0.1:${port}`,
      breaker: false,
      onFailOpen: ({ failOpen }) => events.push(failOpen.reason),
    });
    try {
      await down.analyze(demoRequest('DOWN-3'));
      await down.analyze(demoRequest('DOWN-4'));
      expect(events).toEqual(['sidecar_unreachable', 'sidecar_unreachable']);
    } finally {
      await down.close();
    }
  });

  it('times out on a hung sidecar within the budget, and delivers the queued 3103 once it answers again', async () => {
    const hungClient = new PrealertClient({ baseUrl: sidecar.url, analyzeTimeoutMs: 300, feedbackTimeoutMs: 300 });
    try {
      const warm = await hungClient.analyze(demoRequest('HUNG-0'));
      expect(warm.status).toBe('ok');
      const sex = warm.results.find((r) => r.rule_name === '药品区分性别使用')!;

      // SIGSTOP freezes the real sidecar: the kernel still accepts connections but nothing answers.
      sidecar.child.kill('SIGSTOP');
      let timedOut: AnalyzeResult;
      let queuedFeedback: Awaited<ReturnType<PrealertClient['feedback']>>;
      let queuedWhileFrozen: number;
      try {
        timedOut = await hungClient.analyze(demoRequest('HUNG-1'));
        queuedFeedback = await hungClient.decide(warm, [
          { jrId: sex.jr_id, disposition: 'continue', reason: '已知情同意' },
        ]);
        // Counted while the sidecar is still frozen: once it answers, the client's own resend timer (2 s after this
        // second failure) may deliver the 3103 before the test asks, as it did once in a loaded CI run.
        queuedWhileFrozen = hungClient.queuedFeedback;
      } finally {
        sidecar.child.kill('SIGCONT');
      }
      expect(timedOut).toMatchObject({ status: 'fail_open', results: [], failOpen: { reason: 'sidecar_timeout' } });
      expect(timedOut.elapsedMs).toBeGreaterThanOrEqual(295);
      expect(timedOut.elapsedMs).toBeLessThan(600);
      expect(queuedFeedback).toMatchObject({ status: 'fail_open', queued: true });
      expect(queuedWhileFrozen).toBe(1);

      // Delivered by the flush, or by the resend timer just before it: either way once, and recorded.
      await hungClient.flushFeedback();
      expect(hungClient.queuedFeedback).toBe(0);
      const { dispositions } = await task('HUNG-0');
      expect(dispositions[sex.jr_id]).toMatchObject({ dspo_way: '1', dspo_way_rea: '已知情同意' });
    } finally {
      await hungClient.close();
    }
  });

  it('sends a new decision first while older ones are queued, resends those in the background, never over it', async () => {
    // A sidecar of its own on a fixed port, restarted on the same port and data dir: "down, then back".
    const port = await closedPort();
    const ownDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-client-queue-'));
    const start = () => startSidecar({ cli: sidecarCli, port: String(port), dataDir: ownDir, corsOrigins: [] });
    let own = await start();
    const queueing = new PrealertClient({ baseUrl: own.url, breaker: false });
    try {
      const warm = await queueing.analyze(demoRequest('QUEUE-1'));
      expect(warm.status).toBe('ok');
      const jr = (rule: string) => warm.results.find((r) => r.rule_name === rule)!.jr_id;
      const [amino, child, sex] = [jr('药品限就医方式'), jr('药品儿童专用'), jr('药品区分性别使用')];

      await own.stop();
      const whileDown = [
        await queueing.decide(warm, [{ jrId: amino, disposition: 'continue', reason: '临床必需' }]),
        await queueing.decide(warm, [{ jrId: child, disposition: 'modify' }]),
        await queueing.decide(warm, [{ jrId: sex, disposition: 'continue', reason: '已知情同意' }]),
      ];
      for (const result of whileDown) expect(result).toMatchObject({ status: 'fail_open', queued: true });
      expect(queueing.queuedFeedback).toBe(3);

      own = await start();
      // The doctor changes their mind on the first warning. This answer goes out at once: feedback() resolves
      // before any queued 3103 has been answered (they need I/O, which cannot run before this continuation).
      const changed = await queueing.decide(warm, [{ jrId: amino, disposition: 'modify' }]);
      expect(changed).toMatchObject({ status: 'ok', queued: false });
      // The older answer to the same warning was dropped from the queue; the other two are being resent.
      expect(queueing.queuedFeedback).toBe(2);

      expect(await queueing.flushFeedback()).toBe(2);
      expect(queueing.queuedFeedback).toBe(0);
      const response = await fetch(`${own.url}/v1/tasks/QUEUE-1`);
      const { dispositions } = (await response.json()) as {
        dispositions: Record<string, { dspo_way: string; dspo_way_rea: string }>;
      };
      expect(dispositions[amino]).toMatchObject({ dspo_way: '2' }); // not overwritten by the queued 继续执行
      expect(dispositions[child]).toMatchObject({ dspo_way: '2' });
      expect(dispositions[sex]).toMatchObject({ dspo_way: '1', dspo_way_rea: '已知情同意' });
    } finally {
      await queueing.close();
      await own.stop();
      fs.rmSync(ownDir, { recursive: true, force: true });
    }
  }, 60_000);

  it("never lets an older queued answer reach the sidecar after the doctor's newer one", async () => {
    // A sidecar of its own on a fixed port: down while the first decision is made, so that one is queued without
    // ever reaching it.
    const port = await closedPort();
    const ownDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-client-order-'));
    const start = () => startSidecar({ cli: sidecarCli, port: String(port), dataDir: ownDir, corsOrigins: [] });
    let own = await start();
    const ordered = new PrealertClient({ baseUrl: own.url, feedbackTimeoutMs: 3000, breaker: false });
    try {
      const warm = await ordered.analyze(demoRequest('ORDER-1'));
      const sex = warm.results.find((r) => r.rule_name === '药品区分性别使用')!.jr_id;
      await own.stop();
      const first = await ordered.decide(warm, [{ jrId: sex, disposition: 'continue', reason: '已知情同意' }]);
      expect(first).toMatchObject({ status: 'fail_open', queued: true });

      own = await start();
      // The doctor changes their mind just as the queue is resent (as after any 3101 that reaches the sidecar).
      // The sidecar is frozen for a moment so both wait in its sockets; it records what it reads last.
      own.child.kill('SIGSTOP');
      let newer: ReturnType<PrealertClient['feedback']>;
      let resent: Promise<number>;
      try {
        newer = ordered.decide(warm, [{ jrId: sex, disposition: 'modify' }]);
        resent = ordered.flushFeedback();
        await new Promise((resolve) => setTimeout(resolve, 200));
      } finally {
        own.child.kill('SIGCONT');
      }
      expect(await newer).toMatchObject({ status: 'ok' });
      await resent;
      await ordered.flushFeedback();
      expect(ordered.queuedFeedback).toBe(0);
      const response = await fetch(`${own.url}/v1/tasks/ORDER-1`);
      const { dispositions } = (await response.json()) as { dispositions: Record<string, { dspo_way: string }> };
      expect(dispositions[sex]).toMatchObject({ dspo_way: '2' });
    } finally {
      await ordered.close();
      if (own.child.signalCode === null) own.child.kill('SIGCONT');
      await own.stop();
      fs.rmSync(ownDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('treats a response that is not a national envelope, or too large, as fail-open', async () => {
    const bodies = new Map<string, { status: number; body: string }>([
      ['/html/fsi/api/rsfComIfsService/callService', { status: 502, body: '<html>Bad Gateway</html>' }],
      ['/json/fsi/api/rsfComIfsService/callService', { status: 200, body: '{"ok":true}' }],
      [
        '/big/fsi/api/rsfComIfsService/callService',
        { status: 200, body: JSON.stringify({ infcode: 0, pad: 'x'.repeat(4096) }) },
      ],
    ]);
    // A faulty peer on loopback (the real sidecar never answers like this; a proxy or another program might).
    const faulty = net.createServer((socket) => {
      socket.once('data', (chunk) => {
        const target = /^POST (\S+)/.exec(chunk.toString('latin1'))?.[1] ?? '';
        const reply = bodies.get(target) ?? { status: 404, body: 'no' };
        socket.end(
          `HTTP/1.1 ${reply.status} X\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(reply.body)}\r\nconnection: close\r\n\r\n${reply.body}`,
        );
      });
    });
    await new Promise<void>((resolve) => faulty.listen(0, '127.0.0.1', resolve));
    const { port } = faulty.address() as net.AddressInfo;
    const reasons: Record<string, string | undefined> = {};
    try {
      for (const prefix of ['html', 'json', 'big']) {
        const c = new PrealertClient({ baseUrl: `http://127.0.0.1:${port}/${prefix}`, maxResponseBytes: 1024 });
        const result = await c.analyze(demoRequest(`FAULT-${prefix}`));
        expect(result.results).toEqual([]);
        reasons[prefix] = result.failOpen?.reason;
        await c.close();
      }
    } finally {
      faulty.close();
    }
    expect(reasons).toEqual({ html: 'bad_response', json: 'bad_response', big: 'response_too_large' });
  });

  it('resolves as aborted when the HIS cancels the call', async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await client.analyze(demoRequest('ABORTED'), { signal: controller.signal });
    expect(result).toMatchObject({ status: 'fail_open', failOpen: { reason: 'aborted' }, results: [] });
  });
});
