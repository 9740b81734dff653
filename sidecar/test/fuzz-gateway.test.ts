/**
 * Property-based test of the national route over real HTTP: a real sidecar (testServer: a fresh data dir, the
 * national library, an ephemeral port) gets mutated real HIS envelopes (3101, 3102, 3103; packages/core/test/
 * support/fuzz.ts), raw broken bodies, and odd transports (charsets, labels, the shim route, X-Out-Capacity).
 *
 * Every answer is HTTP 200 JSON in the charset it names, infcode 0 or -1; a -1 has an err_msg that is neither a
 * stack trace nor the sidecar's own internal error (a throw inside it); a refused 3101/3102 records nothing and a
 * refused 3103 stores no decision; and a good 3101 is still answered afterwards.
 *
 * Defaults: a fixed seed and 300 runs (about 2 s); FUZZ_RUNS / FUZZ_SEED override them (support/fuzz.ts).
 */
import fs from 'node:fs';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fuzzParameters,
  fuzzTimeout,
  mutate,
  Nested,
  type Plan,
  plans,
  sparse,
  toJsonText,
} from '../../packages/core/test/support/fuzz';
import { encodedLength } from '../src/national/body-charset';
import { TINY_ENVELOPE, TINY_ERROR_ENVELOPE } from '../src/national/capacity-fit';
import type { SidecarServer } from '../src/server';
import { analysisEnvelope, feedbackEnvelope } from './fixtures/his-requests';
import { callOverHttp, testServer } from './helpers/test-server';

type Json = Record<string, unknown>;

let server: SidecarServer & { dataDir: string };
/** jr_ids of a real 3101 answer, for the 3103 bases. */
let jrIds: string[] = [];

const GOOD = () => analysisEnvelope({ encounterId: 'MZ-FUZZ-GOOD', firing: 2 });

beforeAll(async () => {
  server = await testServer();
  await server.listen();
  const reply = await callOverHttp(server, analysisEnvelope({ encounterId: 'MZ-FUZZ-JR', firing: 3 }));
  jrIds = (reply.body.output.result ?? []).map((r) => r.jr_id);
  expect(jrIds).toHaveLength(3);
});
afterAll(async () => {
  await server?.close();
  if (server) fs.rmSync(server.dataDir, { recursive: true, force: true });
});

const ANALYSIS: Json[] = [
  analysisEnvelope({ encounterId: 'MZ-FUZZ-H1' }),
  analysisEnvelope({ encounterId: 'MZ-FUZZ-H2', infno: '3102', singleObjects: true, lines: 3, firing: 1 }),
  analysisEnvelope({ encounterId: 'MZ-FUZZ-H3', lines: 10, firing: 3 }),
];
const ANALYSIS_BASES: Json[] = [...ANALYSIS, ...ANALYSIS.map(sparse)];

/** 3103 envelopes answering the real jr_ids (made once they are known). */
function feedbackBases(): Json[] {
  const [a, b, c] = jrIds as [string, string, string];
  const single = feedbackEnvelope([{ jrId: c, way: '2' }]);
  ((single.input as Json).data as Json).warns = (((single.input as Json).data as Json).warns as Json[])[0];
  return [
    feedbackEnvelope([
      { jrId: a, way: '1', reason: '患者已知情，坚持用药' },
      { jrId: b, way: '2' },
    ]),
    feedbackEnvelope([{ jrId: c, way: '1', reason: '同意' }], '1'),
    single,
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Transports and raw bodies

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json;charset=UTF-8',
  'application/json; charset=gbk',
  'application/json; charset=GB18030',
  'application/json; charset=utf-16le',
  'application/json; charset="utf-8"',
  'application/json; charset=big5',
  'text/plain',
  'text/plain; charset=gbk',
  'application/x-www-form-urlencoded',
  'application/jsonx',
] as const;

interface Transport {
  contentType: (typeof CONTENT_TYPES)[number];
  /** The bytes' real encoding: as labelled, or another. */
  bytes: 'labelled' | 'utf-8' | 'gbk' | 'utf-16le';
  bom: boolean;
  /** The national route, or the native shim's /v1/yb/:infno (there the body may be the input alone). */
  route: 'national' | 'shim' | 'shimInputOnly';
  capacity: number | undefined;
}

const transport: fc.Arbitrary<Transport> = fc.record({
  contentType: fc.oneof(
    { arbitrary: fc.constant('application/json' as const), weight: 6 },
    { arbitrary: fc.constantFrom(...CONTENT_TYPES), weight: 4 },
  ),
  bytes: fc.oneof(
    { arbitrary: fc.constant('labelled' as const), weight: 8 },
    { arbitrary: fc.constantFrom('utf-8' as const, 'gbk' as const, 'utf-16le' as const), weight: 2 },
  ),
  bom: fc.boolean(),
  route: fc.oneof(
    { arbitrary: fc.constant('national' as const), weight: 8 },
    { arbitrary: fc.constantFrom('shim' as const, 'shimInputOnly' as const), weight: 2 },
  ),
  capacity: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 8 },
    { arbitrary: fc.oneof(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 400, max: 20_000 })), weight: 2 },
  ),
});

function labelledCharset(contentType: string): string {
  const label = /charset="?([^";\s]+)/i.exec(contentType)?.[1]?.toLowerCase() ?? 'utf-8';
  return label === 'utf-16le' ? 'utf-16le' : label === 'gbk' || label === 'gb18030' ? 'gb18030' : 'utf-8';
}

function encode(text: string, t: Transport): Buffer {
  const charset = t.bytes === 'labelled' ? labelledCharset(t.contentType) : t.bytes;
  const body = t.bom ? `\uFEFF${text}` : text;
  return charset === 'utf-8' ? Buffer.from(body, 'utf8') : iconv.encode(body, charset);
}

interface RawBody {
  label: string;
  bytes: Buffer;
}

/** Printed by its label in a counterexample (the bytes may be 200 kB). */
function raw(label: string, bytes: Buffer): RawBody {
  return { label, bytes, [fc.toStringMethod]: () => `raw(${label}, ${bytes.length} bytes)` } as RawBody;
}

/** Bodies that are not an envelope at all. */
const rawBody: fc.Arbitrary<RawBody> = fc.oneof(
  fc.tuple(fc.nat({ max: ANALYSIS.length - 1 }), fc.double({ min: 0, max: 1, noNaN: true })).map(([i, at]) => {
    const text = JSON.stringify(ANALYSIS[i]);
    return raw(`base ${i} truncated at ${at}`, Buffer.from(text.slice(0, Math.floor(text.length * at))));
  }),
  fc
    .constantFrom(
      '',
      '[]',
      '[1,2]',
      '[{"infno":"3101"}]',
      '42',
      '-0',
      '1e400',
      '"3101"',
      'null',
      'true',
      '{}',
      '{"infno":3101}',
      '{"infno":"3101","input":null}',
      '{"infno":"3101","input":"{\\"data\\":{}}"}',
      '{"infno":"3103","input":[]}',
      '{"infno":"3101","input":{"data":{"patient_dtos":[]}}}',
      '{"infno":"3101","input":{"data":{"patient_dtos":{}}}}',
      '{"infno":"3101","infno":"3103","input":{"data":{"warn_type":"1","warns":[]}}}',
      '{"__proto__":{"infno":"3101"},"input":{}}',
      '{"infno":{"toString":1},"input":{}}',
      '\uFEFF',
      '\uFEFF\uFEFF{}',
      '{"infno":"3101"',
      "{'infno':'3101'}",
      '{"infno":"3101",}',
      'NaN',
      '\u0000',
    )
    .map((text) => raw(JSON.stringify(text), Buffer.from(text))),
  fc.uint8Array({ maxLength: 300 }).map((a) => raw(`bytes ${Buffer.from(a).toString('hex')}`, Buffer.from(a))),
  // Valid GBK, or bytes that are neither UTF-8 nor GBK, around an envelope.
  fc
    .constantFrom(Buffer.from([0x81, 0x30]), Buffer.from([0xff, 0xfe, 0xfd]), Buffer.from([0xc3, 0x28]))
    .map((junk) =>
      raw(
        `bytes ${junk.toString('hex')} in a string`,
        Buffer.concat([Buffer.from('{"infno":"3101","msgid":"'), junk, Buffer.from('","input":{"data":{}}}')]),
      ),
    ),
  fc
    .integer({ min: 1_000, max: 200_000 })
    .map((depth) =>
      raw(
        `nested ${depth} deep`,
        Buffer.from(`{"infno":"3101","input":{"data":{"x":${toJsonText(new Nested('array', depth))}}}}`),
      ),
    ),
);

type Case =
  | { kind: 'analysis' | 'feedback'; plan: Plan; transport: Transport }
  | { kind: 'raw'; body: RawBody; transport: Transport };

function caseArbitrary(feedbackCount: number): fc.Arbitrary<Case> {
  return fc.oneof(
    {
      arbitrary: fc.record({ kind: fc.constant('analysis' as const), plan: plans(ANALYSIS_BASES.length), transport }),
      weight: 6,
    },
    {
      arbitrary: fc.record({ kind: fc.constant('feedback' as const), plan: plans(feedbackCount), transport }),
      weight: 3,
    },
    { arbitrary: fc.record({ kind: fc.constant('raw' as const), body: rawBody, transport }), weight: 2 },
  );
}

// ---------------------------------------------------------------------------------------------------------------
// The answer

const STACK_TRACE = /\n\s*at |\bat [\w$.<>]+ \(|node_modules|[\w-]+\.(?:ts|js|mjs|cjs):\d+|file:\/\/|\/tmp\/|\/work\//;

interface Reply {
  status: number;
  contentType: string;
  raw: Buffer;
  body: Json;
}

async function send(bytes: Buffer, t: Transport, infno: string): Promise<Reply> {
  const url =
    t.route === 'national'
      ? '/fsi/api/rsfComIfsService/callService'
      : `/v1/yb/${/^\w{1,20}$/.test(infno) ? infno : 'x'}`;
  const headers: Record<string, string> = { 'content-type': t.contentType };
  if (t.capacity !== undefined) headers['x-out-capacity'] = String(t.capacity);
  const reply = await callOverHttp(server, bytes, { url, headers });
  const contentType = String(reply.headers['content-type'] ?? '');
  const charset = /charset=([^;\s]+)/i.exec(contentType)?.[1] ?? 'utf-8';
  let body: Json;
  try {
    body = JSON.parse(iconv.decode(reply.raw, charset === 'gbk' ? 'gb18030' : charset)) as Json;
  } catch {
    throw new Error(`HTTP ${reply.status} ${contentType}: not JSON: ${reply.raw.toString('utf8').slice(0, 300)}`);
  }
  return { status: reply.status, contentType, raw: reply.raw, body };
}

function expectNationalAnswer(reply: Reply, t: Transport): void {
  const label = JSON.stringify(reply.body).slice(0, 500);
  expect(reply.status, label).toBe(200);
  expect(reply.contentType, label).toMatch(/^application\/json; charset=/);
  expect(typeof reply.body === 'object' && reply.body !== null && !Array.isArray(reply.body), label).toBe(true);
  expect([0, -1], label).toContain(reply.body.infcode);
  // Within the caller's buffer; below the smallest envelope the sidecar still answers that one (capacity-fit.ts).
  if (t.capacity !== undefined) {
    const charset = /charset=([^;\s]+)/i.exec(reply.contentType)?.[1] ?? 'utf-8';
    const smallest = Math.max(encodedLength(TINY_ENVELOPE, charset), encodedLength(TINY_ERROR_ENVELOPE, charset));
    expect(reply.raw.length, label).toBeLessThanOrEqual(Math.max(t.capacity, smallest));
  }
  if (reply.body.infcode !== -1) return;
  const message = reply.body.err_msg;
  expect(typeof message, label).toBe('string');
  // Cut to the caller's buffer, an error may lose its message (capacity-fit.ts); otherwise it always has one.
  if (t.capacity === undefined) expect((message as string).trim(), label).not.toBe('');
  expect(message, label).not.toMatch(STACK_TRACE);
  // At most 20 field errors are spelled out, each quoting at most 40 characters of a value: never a whole body.
  expect((message as string).length, label).toBeLessThanOrEqual(6_000);
  // The sidecar's own failure (a throw inside it, national-answerer.ts): never the answer to a bad request.
  expect(message, label).not.toMatch(/内部错误|请求无法读取/);
  expect(reply.body.output, label).toEqual({});
}

/** Whether the sidecar took the request for a 3101/3102 (as national-answerer.ts reads the infno). */
function isAnalysis(text: string | undefined, t: Transport, routeInfno: string): boolean {
  let body: unknown;
  try {
    body = JSON.parse(text ?? '');
  } catch {
    return false;
  }
  if (typeof body !== 'object' || body === null) return false;
  const record = body as Json;
  let infno = record.infno;
  if (t.route !== 'national' && (!('input' in record) || infno === undefined)) infno = routeInfno;
  return infno === '3101' || infno === '3102' || infno === 3101 || infno === 3102;
}

function dispositions(): unknown[] {
  return server.db.prepare('SELECT jr_id, dspo_way, dspo_way_rea, warn_type, revision FROM dispositions').all();
}

/** Tasks recorded, once the recorder has written what it holds (a task lookup flushes it first). */
async function recordedTasks(): Promise<number> {
  await server.app.inject({ method: 'GET', url: '/v1/tasks/none' });
  return (server.db.prepare('SELECT COUNT(*) AS n FROM tasks').get() as { n: number }).n;
}

describe('fuzz: the national route over HTTP answers every mutated or broken request as the gateway would', () => {
  const RUNS = 300;
  it(
    'HTTP 200 JSON, infcode 0 or -1, a named error without a stack trace, nothing half-written, and still serving',
    async () => {
      const FEEDBACK_BASES = feedbackBases();
      const seen = { ok: 0, refused: 0, analysisOk: 0, feedbackOk: 0 };
      await fc.assert(
        fc.asyncProperty(caseArbitrary(FEEDBACK_BASES.length), async (c) => {
          let bytes: Buffer;
          let text: string | undefined;
          let infno = '3101';
          if (c.kind === 'raw') {
            bytes = c.body.bytes;
            text = bytes.toString('utf8').replace(/^\uFEFF/, '');
          } else {
            const bases = c.kind === 'analysis' ? ANALYSIS_BASES : FEEDBACK_BASES;
            const base = bases[c.plan.base]!;
            infno = String(base.infno);
            const envelope = mutate(base, c.plan.mutations);
            const sent = c.transport.route === 'shimInputOnly' ? (envelope.input ?? envelope) : envelope;
            text = toJsonText(sent);
            bytes = encode(text, c.transport);
          }
          const tasks = await recordedTasks();
          const before = dispositions();
          const reply = await send(bytes, c.transport, infno);
          expectNationalAnswer(reply, c.transport);
          expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);

          const ok = reply.body.infcode === 0;
          if (ok) seen.ok++;
          else seen.refused++;
          // A refused 3103 stores none of its decisions (all or nothing).
          if (!ok) expect(dispositions()).toEqual(before);
          // Exactly the 3101/3102 answered with infcode 0 are recorded: a refused one leaves no task behind.
          const answeredAnalysis = ok && isAnalysis(text, c.transport, infno);
          if (answeredAnalysis) seen.analysisOk++;
          else if (ok) seen.feedbackOk++;
          const now = await recordedTasks();
          expect(now - tasks).toBe(answeredAnalysis ? 1 : 0);

          // And the sidecar still answers a good 3101.
          const good = await send(
            Buffer.from(JSON.stringify(GOOD())),
            { contentType: 'application/json', bytes: 'labelled', bom: false, route: 'national', capacity: undefined },
            '3101',
          );
          expect(good.body.infcode, JSON.stringify(good.body).slice(0, 300)).toBe(0);
          expect((good.body.output as { result: unknown[] }).result).toHaveLength(2);
        }),
        fuzzParameters(RUNS),
      );
      expect(seen.ok).toBeGreaterThan(0);
      expect(seen.refused).toBeGreaterThan(0);
      expect(seen.analysisOk).toBeGreaterThan(0);
      expect(seen.feedbackOk).toBeGreaterThan(0);
    },
    fuzzTimeout(RUNS, 200),
  );
});
