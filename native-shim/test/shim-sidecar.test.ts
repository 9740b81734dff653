// The shim against the real sidecar (sidecar/dist/cli.js serve, real SQLite, the bundled national
// library), found through the port file the sidecar writes, with real national drug codes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  maleOnlyDrugs,
  type OrderLine,
  type ResponseEnvelope,
  request3101,
  request3103,
} from './support/national-requests';
import { type CallOutcome, type Flavour, loadShim, loadShimCopy, RC, type ShimLibrary } from './support/shim-addon';
import { type RunningSidecar, startSidecar } from './support/sidecar-process';
import { encodeFor, parseAnswer, unitsOf } from './support/text-codec';

const SEX_RULE = 'GZ10000301004000'; // 药品区分性别使用
const RARE = '\u{20000}'; // 𠀀, outside GBK, inside GB18030 (95 32 82 36)

let shim: ShimLibrary;
let sidecar: RunningSidecar;
let drugs: OrderLine[];

function call(flavour: Flavour, infno: string, body: unknown, capacity = 65536): Promise<CallOutcome> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return shim.call(flavour, encodeFor(flavour, infno), encodeFor(flavour, text), capacity);
}

function answered(flavour: Flavour, outcome: CallOutcome): ResponseEnvelope {
  expect(outcome.guardIntact).toBe(true);
  expect(outcome.terminated).toBe(true);
  const answer = parseAnswer<ResponseEnvelope>(flavour, outcome);
  expect(answer.shim, `the shim failed open: ${JSON.stringify(answer.shim)}`).toBeUndefined();
  expect(outcome.rc).toBe(RC.ok);
  return answer;
}

beforeAll(async () => {
  shim = loadShim();
  drugs = maleOnlyDrugs();
  sidecar = await startSidecar();
});

afterAll(async () => {
  await sidecar?.stop();
});

beforeEach(() => {
  // No port is set: the shim reads <data_dir>/port, which the sidecar wrote.
  expect(shim.setOption('reset', 'all')).toBe(RC.ok);
  expect(shim.setOption('data_dir', sidecar.dataDir)).toBe(RC.ok);
});

describe('a doctor station calling through the shim', () => {
  it('3101 returns the national warnings, and 3103 records the decision', async () => {
    const apalutamide = drugs.find((d) => d.code === 'XL02BBA326A001010102180');
    expect(apalutamide?.name).toBe('阿帕他胺片');
    const outcome = await call('utf8', '3101', request3101([apalutamide!]));
    const answer = answered('utf8', outcome);
    expect(String(answer.infcode)).toBe('0');
    const sexWarning = answer.output.result?.find((r) => r.rule_id === SEX_RULE);
    expect(sexWarning?.vola_cont).toContain('限男性使用');
    expect(sexWarning?.patn_id).toBe('P0001');
    expect(sexWarning?.jr_id).toMatch(/\S/);

    const jrIds = (answer.output.result ?? []).map((r) => r.jr_id);
    const feedback = answered('utf8', await call('utf8', '3103', request3103(jrIds, '1')));
    expect(String(feedback.infcode)).toBe('0');
    expect(feedback.err_msg).toBe('');
  });

  it('the body may be only the envelope’s input', async () => {
    const { input } = request3101([drugs[1]!]);
    const answer = answered('utf8', await call('utf8', '3101', input));
    expect(answer.output.result?.some((r) => r.rule_id === SEX_RULE)).toBe(true);
  });

  it('a man gets no sex warning for the same drug', async () => {
    const answer = answered('utf8', await call('utf8', '3101', request3101([drugs[0]!], { gend: '1' })));
    expect(answer.output.result?.some((r) => r.rule_id === SEX_RULE)).toBe(false);
  });

  it('a request the sidecar rejects comes back as its infcode -1 envelope (rc 0: the sidecar answered)', async () => {
    const broken = request3101([drugs[0]!]) as { input: { data: Record<string, unknown> } };
    delete broken.input.data.patient_dtos;
    const answer = answered('utf8', await call('utf8', '3101', broken));
    expect(String(answer.infcode)).toBe('-1');
    expect(answer.err_msg).toContain('patient_dtos');

    const notJson = answered('gbk', await call('gbk', '3101', '{"infno":"3101",'));
    expect(String(notJson.infcode)).toBe('-1');
    expect(notJson.err_msg).toMatch(/JSON/);
  });
});

describe('encodings: the shim moves bytes, the sidecar converts', () => {
  it.each(['gbk', 'w', 'utf8'] as const)(
    '%s round trip with 𠀀 (U+20000) in patn_name and patn_id',
    async (flavour) => {
      const patnId = `P${RARE}01`;
      const request = request3101([drugs[2]!], { patnId, patnName: `${RARE}丽`, rxIdPrefix: `RX${RARE}` });
      const bytes = encodeFor(flavour, JSON.stringify(request));
      if (flavour === 'gbk') expect(bytes.includes(Buffer.from([0x95, 0x32, 0x82, 0x36]))).toBe(true);

      const outcome = await shim.call(flavour, encodeFor(flavour, '3101'), bytes, 65536);
      // parseAnswer decodes strictly (ICU, fatal): a mangled byte anywhere fails here.
      const answer = answered(flavour, outcome);
      const warning = answer.output.result?.find((r) => r.rule_id === SEX_RULE);
      expect(warning?.patn_id).toBe(patnId);
      expect(warning?.vola_cont).toContain(`【${drugs[2]!.name}】限男性使用`);
      expect(warning?.judge_result_detail_dtos?.some((d) => d.rx_id === `RX${RARE}-1`)).toBe(true);
      // GBK-labelled answers reach CP936 callers too: 𠀀 comes back as a JSON escape, pure ASCII (the parse above
      // restored it), never as four GB18030 bytes those callers would mangle.
      if (flavour === 'gbk') expect(outcome.output.toString('latin1')).toContain('\\ud840\\udc00');
    },
  );
});

describe('output buffers', () => {
  const many = () => request3101(maleOnlyDrugs().slice(0, 12));

  it.each(['utf8', 'gbk', 'w'] as const)(
    '%s: too small for the full answer, the sidecar trims it to fit, keeping every jr_id',
    async (flavour) => {
      const full = answered(flavour, await call(flavour, '3101', many()));
      const fullUnits = (await call(flavour, '3101', many())).output.length / (flavour === 'w' ? 2 : 1);
      expect(full.output.result?.length).toBeGreaterThanOrEqual(12);

      const capacity = Math.floor(fullUnits / 4);
      const trimmed = await call(flavour, '3101', many(), capacity);
      const answer = answered(flavour, trimmed);
      expect(unitsOf(flavour, trimmed.output)).toBeLessThanOrEqual(capacity - 1);
      expect(answer.output.truncated).toBe(true);
      expect(answer.output.result?.map((r) => r.jr_id)).toEqual(full.output.result!.map((r) => r.jr_id));
    },
  );

  // Warnings never come back as rc 0 with an empty list ("no reminders"): from the 256-unit minimum up, either
  // every jr_id comes back (as a skeleton if need be) or the call is an infcode -1 naming the output_capacity needed.
  it.each(['utf8', 'gbk', 'w'] as const)(
    '%s: a small buffer keeps every warning or says which size it needs, never an empty list',
    async (flavour) => {
      const five = () => request3101(maleOnlyDrugs().slice(0, 5));
      const full = answered(flavour, await call(flavour, '3101', five()));
      const count = full.output.result?.length ?? 0;
      expect(count).toBeGreaterThanOrEqual(5);
      let needed: number | undefined;
      for (const capacity of [256, 300, 400, 600, 720, 1000, 1024]) {
        const outcome = await call(flavour, '3101', five(), capacity);
        const answer = answered(flavour, outcome);
        expect(unitsOf(flavour, outcome.output)).toBeLessThanOrEqual(capacity - 1);
        if (String(answer.infcode) === '-1') {
          expect(answer.output).toEqual({});
          const named = /output_capacity 至少需 (\d+)/.exec(answer.err_msg ?? '');
          expect(named, answer.err_msg).not.toBeNull();
          needed = Number(named![1]);
          expect(needed).toBeGreaterThan(capacity);
          continue;
        }
        expect(String(answer.infcode), `capacity ${capacity}`).toBe('0');
        expect(answer.output.truncated).toBe(true);
        const skeletons = answer.output.result ?? [];
        expect(skeletons.length, `capacity ${capacity}`).toBeGreaterThan(0);
        for (const r of skeletons) {
          expect(r.wf_impact).toMatch(/^(notice|confirm|reason|block)$/);
          expect(r.sev_deg).toMatch(/^[123]$/);
          expect(r.vola_cont).toMatch(/【/);
        }
      }
      // The size the failure names is enough: called with it, all five come back.
      expect(needed, 'no capacity from 256 on was too small: the test proves nothing').toBeDefined();
      const enough = answered(flavour, await call(flavour, '3101', five(), needed!));
      expect(String(enough.infcode)).toBe('0');
      expect(enough.output.result).toHaveLength(count);
      // Their jr_ids are answerable: the 3103 for the skeletons is accepted.
      const jrIds = (enough.output.result ?? []).map((r) => r.jr_id);
      const feedback = answered(flavour, await call(flavour, '3103', request3103(jrIds, '2')));
      expect(String(feedback.infcode), feedback.err_msg).toBe('0');
    },
  );

  it('below the minimum the call is refused before anything is sent', async () => {
    const outcome = await call('utf8', '3101', many(), 200);
    expect(outcome.rc).toBe(RC.capacity);
    expect(outcome.guardIntact).toBe(true);
  });
});

describe('a hospital that makes a rule block (prealert.config.json ruleOverrides)', () => {
  let blocking: RunningSidecar;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-shim-block-'));
    // sidecar/README.md's example, plus a local severity that makes the reason-rule the more severe one.
    fs.writeFileSync(
      path.join(dataDir, 'prealert.config.json'),
      JSON.stringify({
        evaluator: { ruleOverrides: { [SEX_RULE]: { impact: 'block' }, GZ10000101008000: { severity: 1 } } },
      }),
    );
    blocking = await startSidecar({}, { dataDir });
  });
  afterAll(async () => {
    await blocking?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('a buffer too small for both warnings keeps the block one, and one too small for it says so', async () => {
    expect(shim.setOption('data_dir', blocking.dataDir)).toBe(RC.ok);
    const apalutamide = { code: 'XL02BBA326A001010102180', name: '阿帕他胺片' };
    const full = answered('utf8', await call('utf8', '3101', request3101([apalutamide])));
    const impacts = Object.fromEntries((full.output.result ?? []).map((r) => [r.rule_id, [r.wf_impact, r.sev_deg]]));
    expect(impacts).toEqual({ [SEX_RULE]: ['block', '2'], GZ10000101008000: ['reason', '1'] });

    const byCapacity = new Map<number, ResponseEnvelope>();
    for (let capacity = 256; capacity <= 1024; capacity += 16) {
      byCapacity.set(capacity, answered('utf8', await call('utf8', '3101', request3101([apalutamide]), capacity)));
    }
    const kinds = new Set<string>();
    for (const [capacity, answer] of byCapacity) {
      if (String(answer.infcode) === '-1') {
        expect(answer.err_msg).toMatch(/output_capacity 至少需 \d+/);
        kinds.add('refused');
        continue;
      }
      const rules = (answer.output.result ?? []).map((r) => r.wf_impact);
      // Never the reason warning without the block one.
      expect(rules, `capacity ${capacity}`).toContain('block');
      kinds.add(rules.length === 1 ? 'block only' : 'both');
    }
    // The range crossed every case: refused, then the block warning alone, then both.
    expect([...kinds].sort()).toEqual(['block only', 'both', 'refused']);
  });
});

describe('GBK callers (CP936: VB6, PowerBuilder ;ansi, Delphi 7)', () => {
  it('national texts with characters GBK lacks (䓬, ⼉) come back readable through CP936', async () => {
    const lines = [
      { code: 'XL04ADT002N001010183516', name: '他克莫司颗粒' },
      // The HIS writes 卓: GBK has no 䓬.
      { code: 'XR01ADD361L025010181450', name: '氮卓斯汀氟替卡松鼻喷雾剂' },
    ];
    for (const flavour of ['gbk', 'utf8'] as const) {
      const body = request3101(lines, { gend: '1' });
      // Through the UTF-8 entry as GBK bytes: an unlabelled GBK body is answered in GBK.
      const outcome = await shim.call(
        flavour,
        encodeFor(flavour, '3101'),
        encodeFor('gbk', JSON.stringify(body)),
        65536,
      );
      expect(outcome.rc).toBe(RC.ok);
      // No GB18030 four-byte sequence (lead byte, then 0x30-0x39): every byte pair is one CP936 knows.
      const bytes = outcome.output;
      for (let i = 0; i < bytes.length; i++) {
        if (bytes[i]! < 0x80) continue;
        expect(bytes[i + 1]! >= 0x30 && bytes[i + 1]! <= 0x39, `four-byte sequence at ${i}`).toBe(false);
        i++;
      }
      const answer = parseAnswer<ResponseEnvelope>('gbk', outcome);
      const texts = (answer.output.result ?? []).map((r) => `${r.vola_cont} ${r.vola_evid ?? ''}`).join('\n');
      // 䓬 has no GBK form: escaped (\u44ec), which the JSON parser restores.
      expect(texts).toContain('氮䓬斯汀氟替卡松鼻喷雾剂');
      expect(bytes.toString('latin1')).toContain('\\u44ec');
      // ⼉ (the Kangxi radical U+2F09 in the national text) folded to 儿.
      expect(texts).toContain('预防儿童');
      expect(texts).not.toContain('\u2f09');
      // Full-width punctuation is left as it is (NFKC would have made it ASCII).
      expect(texts).toMatch(/，|（|：/);
    }
  });
});

describe('many threads', () => {
  it('8 threads × 200 calls: every one answered, none failed open', { timeout: 180_000 }, async () => {
    const body = Buffer.from(JSON.stringify(request3101([drugs[3]!])));
    const started = performance.now();
    const outcomes = await shim.hammer('utf8', Buffer.from('3101'), body, 65536, 8, 200);
    const seconds = (performance.now() - started) / 1000;
    expect(outcomes).toHaveLength(1600);
    const failures = outcomes.filter((o) => o.rc !== RC.ok || !o.guardIntact || !o.terminated);
    expect(failures.map((f) => f.output.toString().slice(0, 200))).toEqual([]);
    for (const outcome of outcomes) {
      const answer = JSON.parse(outcome.output.toString()) as ResponseEnvelope;
      expect(answer.output.result?.some((r) => r.rule_id === SEX_RULE)).toBe(true);
    }
    const sorted = outcomes.map((o) => o.elapsedMs).sort((a, b) => a - b);
    console.log(
      `8x200 shim calls: ${seconds.toFixed(2)} s, ${(1600 / seconds).toFixed(0)} calls/s, ` +
        `p50 ${sorted[800]!.toFixed(1)} ms, p99 ${sorted[1584]!.toFixed(1)} ms, max ${sorted[1599]!.toFixed(1)} ms`,
    );
  });
});

describe('cold start', () => {
  it('8 threads making the very first calls race through the one-time initialisation', async () => {
    // A fresh copy of the library: nothing has initialised it. It finds the sidecar through
    // PREALERT_DATA_DIR, read during that initialisation.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-shim-cold-'));
    process.env.PREALERT_DATA_DIR = sidecar.dataDir;
    try {
      const fresh = loadShimCopy(dir);
      const body = Buffer.from(JSON.stringify(request3101([drugs[4]!])));
      const outcomes = await fresh.hammer('utf8', Buffer.from('3101'), body, 65536, 8, 5);
      expect(outcomes.map((o) => o.rc)).toEqual(new Array(40).fill(RC.ok));
      for (const outcome of outcomes) {
        const answer = JSON.parse(outcome.output.toString()) as ResponseEnvelope;
        expect(answer.output.result?.some((r) => r.rule_id === SEX_RULE)).toBe(true);
      }
    } finally {
      delete process.env.PREALERT_DATA_DIR;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a sidecar that requires the shim token', () => {
  let guarded: RunningSidecar;
  beforeAll(async () => {
    guarded = await startSidecar({ PREALERT_SHIM_TOKEN: 'shim-token-2f9c1e7a40b3' });
  });
  afterAll(async () => {
    await guarded?.stop();
  });

  it('the token from its port file is sent, and the call goes through', async () => {
    expect(shim.setOption('data_dir', guarded.dataDir)).toBe(RC.ok);
    const answer = answered('utf8', await call('utf8', '3101', request3101([drugs[0]!])));
    expect(answer.output.result?.some((r) => r.rule_id === SEX_RULE)).toBe(true);
  });

  it('a wrong token fails open with bad_response 401: the doctor is never blocked', async () => {
    expect(shim.setOption('data_dir', guarded.dataDir)).toBe(RC.ok);
    expect(shim.setOption('token', 'not-the-right-token-0000')).toBe(RC.ok);
    const outcome = await call('utf8', '3101', request3101([drugs[0]!]));
    expect(outcome.rc).toBe(RC.failOpen);
    expect(parseAnswer<ResponseEnvelope>('utf8', outcome).shim).toEqual({
      failopen: true,
      reason: 'bad_response',
      code: 401,
    });
  });
});

/**
 * How late a deadline may be observed: the shim's own overshoot is under 1 ms (poll returns at the deadline);
 * the rest is the OS scheduling a runnable thread on a shared 2-core machine (see shim-faults.test.ts).
 */
const DEADLINE_SLACK_MS = 100;

describe('the real sidecar hangs (SIGSTOP)', () => {
  it('fails open at the deadline, not later, and answers normally once the sidecar runs again', async () => {
    const lines = [drugs[0]!];
    const warm = answered('utf8', await call('utf8', '3101', request3101(lines, { patnId: 'P-HUNG' })));
    const jrId = warm.output.result?.find((r) => r.rule_id === SEX_RULE)?.jr_id ?? '';
    expect(jrId).not.toBe('');
    const spoolDir = path.join(sidecar.dataDir, 'spool');
    const decisionFiles = () =>
      fs.existsSync(spoolDir) ? fs.readdirSync(spoolDir).filter((f) => f.endsWith('-3103.req')) : [];
    const spooledBefore = decisionFiles().length;

    // A frozen process still has its listening socket: the kernel accepts the connection, nobody answers.
    sidecar.child.kill('SIGSTOP');
    let analysis: CallOutcome;
    let decision: CallOutcome;
    try {
      analysis = await call('gbk', '3101', request3101(lines, { patnId: 'P-HUNG' }));
      decision = await call('w', '3103', request3103([jrId], '2'));
      // Read while the sidecar is frozen: once thawed it replays (and empties) the spool on its own.
      expect(decisionFiles().length).toBe(spooledBefore + 1);
    } finally {
      sidecar.child.kill('SIGCONT');
    }
    // The default deadlines: 1.5 s for 3101, 0.8 s for 3103 (its spool write included).
    for (const [flavour, outcome, budget] of [
      ['gbk', analysis, 1500],
      ['w', decision, 800],
    ] as const) {
      expect(outcome.rc).toBe(RC.failOpen);
      expect(outcome.guardIntact).toBe(true);
      const answer = parseAnswer<ResponseEnvelope>(flavour, outcome);
      expect(answer).toMatchObject({ infcode: 0, output: { result: [] } });
      expect(answer.shim).toMatchObject({ failopen: true, reason: 'sidecar_timeout', code: budget });
      expect(outcome.elapsedMs).toBeGreaterThanOrEqual(budget - 1);
      expect(outcome.elapsedMs).toBeLessThan(budget + DEADLINE_SLACK_MS);
    }
    // Answered infcode 0 without reaching the sidecar, so the doctor's 3103 went to the (default) spool.
    expect(parseAnswer<{ shim: { spooled?: boolean } }>('w', decision).shim.spooled).toBe(true);

    // Thawed: the next call gets the real warnings (two timeouts do not open the breaker; three would).
    const after = answered('utf8', await call('utf8', '3101', request3101(lines, { patnId: 'P-THAWED' })));
    expect(after.output.result?.some((r) => r.rule_id === SEX_RULE && r.patn_id === 'P-THAWED')).toBe(true);
    // And the decision made during the hang reaches the task through the sidecar's spool replay.
    const deadline = Date.now() + 20_000;
    let dispositions: Record<string, { dspo_way: string }> = {};
    while (dispositions[jrId] === undefined && Date.now() < deadline) {
      const task = await fetch(`http://127.0.0.1:${sidecar.port}/v1/tasks/T-P-HUNG`);
      dispositions = ((await task.json()) as { dispositions?: typeof dispositions }).dispositions ?? {};
      if (dispositions[jrId] === undefined) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(dispositions[jrId], sidecar.log()).toMatchObject({ dspo_way: '2' });
  });
});
