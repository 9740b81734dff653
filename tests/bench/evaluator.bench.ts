/**
 * pnpm bench — the evaluator in process. Prints, for 10/50/200-line 3101 requests against the national library and a
 * synthetic 200,000-point library: JSON.parse time, then per request the time of validation + evaluation as one span
 * (p50/p99 µs, with the validation share), and requests/s measured as requests over wall-clock time; the load time
 * and heap of the 200k library, from JSON and from its library image (what a sidecar start reads: write, then read +
 * HMAC check + unpack, heap and ArrayBuffer memory after, and the 50-line p50 on it); and json-rules-engine on the
 * same sex + age + visit-type checks, warmed up and timed over many runs. Run with --expose-gc for the heap figure
 * (the root script does).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  type AnalysisInput,
  analyze,
  type CompiledLibrary,
  compileLibrary,
  type LibraryData,
  validateAnalysisInput,
} from '@prealert/core';
import {
  LibraryReader,
  libraryImage,
  libraryLines,
  libraryText,
  loadNationalLibrary,
  type PackedReadResult,
  unpackLibrary,
} from '@prealert/rules-cache';
import { Engine } from 'json-rules-engine';
import { readImageFileSync, writeImageFileSync } from '../../sidecar/src/sync/library-image-file';
import { fmt, summarize } from './stats';
import { rng, syntheticDrugCode, syntheticLibrary } from './synthetic-library';

const gc = (globalThis as { gc?: () => void }).gc;
const NOW = new Date('2026-11-20T06:00:00Z');

/** hilist_type as a HIS sends it for a national code: 西药/中成药 101, 饮片 102, 耗材 301, services 201. */
function listTypeOf(code: string): string {
  const first = code.charAt(0);
  return first === 'X' || first === 'Z' ? '101' : first === 'T' ? '102' : first === 'C' ? '301' : '201';
}

function requestBody(lines: number, hitCodes: readonly string[], seed: number, hitShare = 0.2): string {
  const random = rng(seed);
  const orders = [];
  for (let i = 0; i < lines; i++) {
    const hit = random() < hitShare;
    const code = hit
      ? hitCodes[Math.floor(random() * hitCodes.length)]!
      : syntheticDrugCode(900_000_000 + Math.floor(random() * 1e6));
    // Amounts differ from line to line as in a real prescription (a request of identical amounts would let the
    // validator's repeated-value shortcut answer every line).
    const price = (5 + Math.floor(random() * 9000) / 100).toFixed(2);
    const count = 1 + Math.floor(random() * 3);
    const sum = (Number(price) * count).toFixed(2);
    orders.push({
      rx_id: `RX${seed}-${i}`,
      rxno: `CF${Math.floor(i / 5)}`,
      long_drord_flag: '0',
      hilist_type: listTypeOf(code),
      chrg_type: '09',
      drord_bhvr: '0',
      hilist_code: code,
      hilist_name: `药品${i}`,
      hilist_lv: '1',
      hilist_pric: price,
      hosplist_code: `H${i}`,
      hosplist_name: `药品${i}`,
      cnt: String(count),
      pric: price,
      sumamt: sum,
      ownpay_amt: '0.00',
      selfpay_amt: (Number(sum) * 0.1).toFixed(2),
      spec: '10mg',
      spec_unt: listTypeOf(code) === '102' ? 'g' : '盒',
      drord_begn_date: '2026-11-20 09:00:00',
      drord_stop_date: '',
      drord_dept_codg: 'A03',
      drord_dept_name: '内科',
      drord_dr_codg: 'D001',
      drord_dr_name: '王医生',
      drord_dr_profttl: '234',
      curr_drord_flag: i % 10 === 9 ? '0' : '1',
    });
  }
  return JSON.stringify({
    data: {
      syscode: 'HIS',
      task_id: `T${seed}`,
      trig_scen: '2',
      rule_ids: [],
      patient_dtos: [
        {
          patn_id: 'P1',
          patn_name: '患者',
          gend: '2',
          brdy: '1986-03-02',
          poolarea: '110100',
          curr_mdtrt_id: 'M1',
          fsi_his_data_dto: '',
          fsi_encounter_dtos: [
            {
              mdtrt_id: 'M1',
              medins_id: 'H1',
              medins_name: '医院',
              medins_admdvs: '110101',
              medins_type: '1',
              medins_lv: '1',
              adm_date: '2026-11-20 08:30:00',
              dscg_date: '2026-11-20 08:30:00',
              dscg_main_dise_codg: 'J06.900',
              dscg_main_dise_name: '上感',
              fsi_diagnose_dtos: [
                {
                  dise_id: '1',
                  inout_dise_type: '1',
                  maindise_flag: '1',
                  dias_srt_no: '1',
                  dise_codg: 'J06.900',
                  dise_name: '上感',
                  dise_date: '2026-11-20 08:40:00',
                },
              ],
              dr_codg: 'D001',
              adm_dept_codg: 'A03',
              adm_dept_name: '内科',
              dscg_dept_codg: 'A03',
              dscg_dept_name: '内科',
              med_mdtrt_type: '1',
              med_type: '11',
              fsi_order_dtos: orders,
              matn_stas: '0',
              medfee_sumamt: '100',
              ownpay_amt: '0',
              selfpay_amt: '0',
              setl_totlnum: '1',
              insutype: '310',
              reim_flag: '0',
              out_setl_flag: '0',
              fsi_operation_dtos: [],
            },
          ],
        },
      ],
    },
  });
}

type Summary = ReturnType<typeof summarize>;

interface Figures {
  parse: Summary;
  validate: Summary;
  /** Validation + evaluation of one request, timed as one span. */
  total: Summary;
  /** Requests over wall-clock time, validation + evaluation only (inputs parsed beforehand, outside the clock). */
  reqPerSec: number;
  results: number;
}

function analyzeOnce(library: CompiledLibrary, input: unknown): number {
  const v = validateAnalysisInput(input);
  if (!v.ok) throw new Error(v.message);
  const out = analyze(library, v.value, { infno: '3101', now: NOW });
  if (!out.ok) throw new Error(out.message);
  return out.output.result.length;
}

function measure(library: CompiledLibrary, body: string, iterations: number): Figures {
  const parse = new Float64Array(iterations);
  const validate = new Float64Array(iterations);
  const total = new Float64Array(iterations);
  let results = 0;
  for (let i = -Math.min(2000, iterations); i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    const input: unknown = JSON.parse(body);
    const t1 = process.hrtime.bigint();
    const v = validateAnalysisInput(input);
    const t2 = process.hrtime.bigint();
    if (!v.ok) throw new Error(v.message);
    const out = analyze(library, v.value, { infno: '3101', now: NOW });
    const t3 = process.hrtime.bigint();
    if (!out.ok) throw new Error(out.message);
    if (i < 0) continue;
    results = out.output.result.length;
    parse[i] = Number(t1 - t0) / 1000;
    validate[i] = Number(t2 - t1) / 1000;
    total[i] = Number(t3 - t1) / 1000;
  }
  // Throughput: validation mutates its input, so each request gets its own parsed copy, made before the clock runs.
  const batch = 200;
  let done = 0;
  let elapsedNs = 0n;
  while (done < iterations) {
    const inputs: unknown[] = [];
    for (let i = 0; i < batch; i++) inputs.push(JSON.parse(body));
    const t0 = process.hrtime.bigint();
    for (const input of inputs) analyzeOnce(library, input);
    elapsedNs += process.hrtime.bigint() - t0;
    done += batch;
  }
  return {
    parse: summarize(parse),
    validate: summarize(validate),
    total: summarize(total),
    reqPerSec: done / (Number(elapsedNs) / 1e9),
    results,
  };
}

function report(label: string, lines: number, f: Figures): void {
  console.log(
    `${label.padEnd(10)} lines=${String(lines).padStart(3)}  json_parse p50=${fmt(f.parse.p50)}µs` +
      `  validate+evaluate p50=${fmt(f.total.p50)}µs p99=${fmt(f.total.p99)}µs (validate p50=${fmt(f.validate.p50)}µs)` +
      `  req/s=${fmt(f.reqPerSec, 0)}  results=${f.results}`,
  );
}

function heapMb(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed / 1048576;
}

/** Memory of ArrayBuffers and SharedArrayBuffers (a library image's arrays), after a collection. */
function arrayBuffersMb(): number {
  gc?.();
  return process.memoryUsage().arrayBuffers / 1048576;
}

/**
 * The library image of `data` as the sidecar has it: the library file read and packed (as the library worker does on
 * activation, untimed), its image written (timed: what the worker does once the version is stored), then read back,
 * HMAC-checked and unpacked into the evaluator's library (timed: what a start does), with the memory that takes and
 * the 50-line p50 on it.
 */
function imageFigures(data: LibraryData, hitCodes: readonly string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-bench-image-'));
  try {
    const file = path.join(dir, 'library.image');
    const key = randomBytes(32);
    let read: PackedReadResult | undefined = (() => {
      const bytes = Buffer.from(libraryText(libraryLines(data)));
      const reader = new LibraryReader('library.ndjson', bytes.length, { packed: true, shared: true });
      reader.write(bytes);
      return reader.endPacked();
    })();
    const sha256 = read.sha256;
    const tWrite = process.hrtime.bigint();
    const size = writeImageFileSync(file, libraryImage(read, key), () => undefined);
    const writeMs = Number(process.hrtime.bigint() - tWrite) / 1e6;
    read = undefined;
    const heapBefore = heapMb();
    const buffersBefore = arrayBuffersMb();
    const tLoad = process.hrtime.bigint();
    let library: CompiledLibrary | undefined = unpackLibrary(
      readImageFileSync(file, key, sha256, () => undefined, true).packed,
    );
    const loadMs = Number(process.hrtime.bigint() - tLoad) / 1e6;
    const heap = heapMb() - heapBefore;
    const buffers = arrayBuffersMb() - buffersBefore;
    const f = measure(library, requestBody(50, hitCodes, 1050), 20000);
    library = undefined;
    return (
      `synthetic library image: ${(size / 1048576).toFixed(1)} MB, write ${fmt(writeMs, 0)} ms;` +
      ` load = read + HMAC check + unpack ${fmt(loadMs, 0)} ms; heap ${fmt(heap, 1)} MB, ArrayBuffers ${fmt(buffers, 1)} MB;` +
      ` 50 lines validate+evaluate p50=${fmt(f.total.p50)}µs (points decoded on first use, in the warm-up)`
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function jsonRulesEngineRatio(
  national: LibraryData,
): Promise<{ jreUs: number; prealertUs: number; ratio: number; points: number }> {
  const kinds = new Set(['sex', 'age_group', 'visit_type']);
  const points = national.knowledgePoints.filter((kp) => kinds.has(kp.limit.kind));
  // The points' own rules: a visit-type point may sit in a rule of another kind (住院方可支付 in 药品限支付疗程).
  const ruleIds = new Set(points.map((kp) => kp.ruleId));
  const subset: LibraryData = {
    meta: { ...national.meta, version: 'subset' },
    rules: national.rules.filter((r) => ruleIds.has(r.id)),
    knowledgePoints: points,
  };
  const engine = new Engine([], { allowUndefinedFacts: true });
  for (const kp of subset.knowledgePoints) {
    const limit = kp.limit;
    const condition =
      limit.kind === 'sex'
        ? { fact: 'sex', operator: 'equal', value: limit.sex === 'male' ? 'female' : 'male' }
        : limit.kind === 'age_group'
          ? {
              fact: 'ageYears',
              operator: 'greaterThan',
              value: limit.group === 'child' ? 14 : limit.group === 'infant' ? 2 : 0,
            }
          : { fact: 'outpatient', operator: 'equal', value: true };
    engine.addRule({
      conditions: { all: [{ fact: 'code', operator: 'in', value: kp.codes }, condition] },
      event: { type: kp.ruleId, params: { kp: kp.id } },
    });
  }
  const hitCodes = subset.knowledgePoints.flatMap((kp) => kp.codes);
  const body = requestBody(50, hitCodes, 7);
  const parsed = JSON.parse(body) as AnalysisInput;
  const orders = parsed.data.patient_dtos[0]!.fsi_encounter_dtos[0]!.fsi_order_dtos;
  const request = async (): Promise<number> => {
    let events = 0;
    for (const o of orders) {
      if (o.curr_drord_flag === '0') continue;
      const run = await engine.run({ code: o.hilist_code, sex: 'female', ageYears: 40, outpatient: true });
      events += run.events.length;
    }
    return events;
  };
  // Warm up (JIT, engine caches), then time whole requests for at least 5 runs and 5 s; the median is compared.
  for (let r = 0; r < 3; r++) await request();
  const runs: number[] = [];
  let jreEvents = 0;
  const started = process.hrtime.bigint();
  while (runs.length < 5 || process.hrtime.bigint() - started < 5_000_000_000n) {
    const t0 = process.hrtime.bigint();
    jreEvents = await request();
    runs.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  const jreUs = summarize(Float64Array.from(runs)).p50;
  const lib = compileLibrary(subset);
  const f = measure(lib, body, 5000);
  const prealertUs = f.total.p50;
  if (jreEvents !== f.results) {
    console.log(`note: json-rules-engine found ${jreEvents} events, prealert ${f.results} results on the same request`);
  }
  console.log(`json-rules-engine: ${runs.length} timed runs after 3 warm-up runs`);
  return { jreUs, prealertUs, ratio: jreUs / prealertUs, points: subset.knowledgePoints.length };
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${gc ? 'gc exposed' : 'run with --expose-gc for exact heap figures'}`);
  const national = loadNationalLibrary();
  const nationalLib = compileLibrary(national);
  const nationalHits = national.knowledgePoints
    .filter((kp) => kp.limit.kind !== 'indication')
    .flatMap((kp) => kp.codes);
  console.log(`national library: ${nationalLib.knowledgePointCount} points, ${nationalLib.codeCount} codes`);
  for (const lines of [10, 50, 200])
    report(
      'national',
      lines,
      measure(nationalLib, requestBody(lines, nationalHits, lines), lines === 200 ? 5000 : 20000),
    );

  const synthetic = syntheticLibrary(200_000);
  const serialized = JSON.stringify(synthetic);
  const before = heapMb();
  const tLoad = process.hrtime.bigint();
  const loaded = JSON.parse(serialized) as LibraryData;
  const tParsed = process.hrtime.bigint();
  let syntheticLib: CompiledLibrary | undefined = compileLibrary(loaded);
  const tCompiled = process.hrtime.bigint();
  const after = heapMb();
  const parseMs = Number(tParsed - tLoad) / 1e6;
  const compileMs = Number(tCompiled - tParsed) / 1e6;
  console.log(
    `synthetic library: ${syntheticLib.knowledgePointCount} points, ${syntheticLib.codeCount} codes, ${(serialized.length / 1048576).toFixed(1)} MB JSON;` +
      ` load = JSON.parse ${fmt(parseMs, 0)} ms + compile ${fmt(compileMs, 0)} ms = ${fmt(parseMs + compileMs, 0)} ms; heap ${fmt(after - before, 1)} MB`,
  );
  const syntheticHits = loaded.knowledgePoints.slice(0, 5000).flatMap((kp) => kp.codes);
  console.log(imageFigures(synthetic, syntheticHits));
  let fifty: Figures | undefined;
  const kps = syntheticLib.knowledgePointCount;
  for (const lines of [10, 50, 200]) {
    const f = measure(syntheticLib, requestBody(lines, syntheticHits, 1000 + lines), lines === 200 ? 5000 : 20000);
    if (lines === 50) fifty = f;
    report('synth-200k', lines, f);
  }
  syntheticLib = undefined;

  const jre = await jsonRulesEngineRatio(national);
  console.log(
    `json-rules-engine (${jre.points} sex/age/visit points as rules, 50 lines): ${fmt(jre.jreUs, 0)} µs/request; prealert validate+evaluate ${fmt(jre.prealertUs)} µs; ratio ${fmt(jre.ratio, 0)}×`,
  );
  const p50 = fifty!.total.p50;
  const p99 = fifty!.total.p99;
  console.log(
    `(p50/p99 below = schema validation + evaluation of a 50-line request on the 200k library, JSON.parse excluded: p50 ${fmt(fifty!.parse.p50)} µs)`,
  );
  console.log(
    `bench-evaluator: p50_us=${fmt(p50)} p99_us=${fmt(p99)} lines=50 kps=${kps} jre_ratio=${fmt(jre.ratio, 0)}`,
  );
}

await main();
