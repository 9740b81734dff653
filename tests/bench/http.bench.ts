/**
 * pnpm bench:http — the sidecar under load beside the floor of a bare node:http server that reads and JSON-parses
 * the same request and answers the same bytes, in the same run (a 2-core shared machine: only ratios within one
 * run mean anything). Parsing is in the floor because no server can answer a 3101 without it; the ratio is the
 * price of validation, evaluation, recording, logging and metrics on top.
 *
 * Both servers run in their own processes; autocannon runs here. Each is driven with the same 50-line 3101
 * request (real national codes, 5 firing lines) over 10 keep-alive connections, alternating bare / sidecar for
 * several rounds; the figures are the medians over rounds. The sidecar runs as shipped: records on, request
 * log on (to a file), metrics on. Latency percentiles are computed from every response's own timing
 * (autocannon's histogram has 1 ms resolution, too coarse for loopback).
 *
 * The requests cycle through BENCH_ENCOUNTERS different encounters (a doctor station's day of patients), so the
 * sidecar records new reminders and re-analyses known ones, as it does in a clinic, instead of one repeated
 * request whose records are all known after the first.
 *
 * Env: BENCH_SECONDS (per measured run, default 8), BENCH_ROUNDS (default 3), BENCH_CONNECTIONS (default 10),
 * BENCH_ENCOUNTERS (default 100), BENCH_BARE_DECODE (default "tostring": the floor decodes the body with
 * Buffer#toString, as a plain server does; "transcode": with ICU's converter, as the sidecar does, 4× faster for a
 * body with Chinese names, which shows how much of the ratio that decode is).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { analysisEnvelope } from '../../sidecar/test/fixtures/his-requests';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const encounters = Number(process.env.BENCH_ENCOUNTERS ?? 100);
const bareDecode = process.env.BENCH_BARE_DECODE === 'transcode' ? 'transcode' : 'tostring';
const ROUTE = '/fsi/api/rsfComIfsService/callService';

interface RunFigures {
  /** CPU time the server process spent per answered request, in µs: robust to other load on the machine. */
  cpuUs: number;
  /**
   * The sidecar's request-thread garbage collection per 1,000 answered requests, in ms (prom-client's
   * nodejs_gc_duration_seconds on /metrics; NaN for the bare server). Steadier than the ratios from run to run: an
   * answer's data held past two scavenges shows here as three times the figure (see national/direct-lane.ts).
   */
  gcMsPer1k: number;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
}

const BARE_SERVER = `
import http from 'node:http';
import fs from 'node:fs';
import { transcode } from 'node:buffer';
const decode = process.argv[2] === 'transcode'
  ? (bytes) => transcode(bytes, 'utf8', 'ucs2').toString('ucs2')
  : (bytes) => bytes.toString('utf8');
const answer = fs.readFileSync(process.argv[1]);
const server = http.createServer((req, res) => {
  if (req.url === '/cpu') {
    const { user, system } = process.cpuUsage();
    res.end(JSON.stringify({ cpu_s: (user + system) / 1e6 }));
    return;
  }
  // The floor is what any server answering 3101 must do: read the whole envelope and parse it as JSON.
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const envelope = JSON.parse(decode(Buffer.concat(chunks)));
    if (typeof envelope.infno !== 'string') res.statusCode = 400;
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': answer.length });
    res.end(answer);
  });
});
server.keepAliveTimeout = 72_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-bench-'));
  const children: ChildProcess[] = [];
  const stopAll = () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  };
  process.on('exit', stopAll);
  try {
    const bodies = Array.from({ length: encounters }, (_, i) =>
      JSON.stringify(
        analysisEnvelope({ encounterId: `MZ-BENCH-${String(i + 1).padStart(4, '0')}`, lines: 50, firing: 5 }),
      ),
    );
    const body = bodies[0]!;

    const sidecarLog = fs.openSync(path.join(work, 'sidecar.log'), 'a');
    const sidecar = spawn(
      process.execPath,
      [path.join(root, 'sidecar/dist/cli.js'), 'serve', '--port', '0', '--data-dir', work],
      {
        stdio: ['ignore', sidecarLog, sidecarLog],
        env: { ...process.env, PREALERT_LOG_LEVEL: 'info' },
      },
    );
    children.push(sidecar);
    const sidecarPort = await waitForPortFile(path.join(work, 'port'), sidecar);
    const sidecarUrl = `http://127.0.0.1:${sidecarPort}`;

    const first = await fetch(`${sidecarUrl}${ROUTE}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    const answer = Buffer.from(await first.arrayBuffer());
    const parsed = JSON.parse(answer.toString('utf8')) as { infcode: number; output: { result: unknown[] } };
    if (parsed.infcode !== 0) throw new Error(`sidecar answered ${answer.toString('utf8').slice(0, 300)}`);
    const answerFile = path.join(work, 'answer.json');
    fs.writeFileSync(answerFile, answer);

    const bare = spawn(process.execPath, ['--input-type=module', '-e', BARE_SERVER, answerFile, bareDecode], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(bare);
    const barePort = await firstLine(bare);
    const bareUrl = `http://127.0.0.1:${barePort}`;

    console.log(
      `request ${body.length} bytes (50 lines, ${encounters} encounters in turn), answer ${answer.length} bytes ` +
        `(${parsed.output.result.length} results); ${connections} connections, ${rounds} rounds × ${seconds} s each, node ${process.version}, ${os.cpus().length} cpus, floor decodes with ${bareDecode}`,
    );
    await load(bareUrl, bodies, 2);
    await load(sidecarUrl, bodies, 2);
    const bareRuns: RunFigures[] = [];
    const sidecarRuns: RunFigures[] = [];
    for (let round = 1; round <= rounds; round++) {
      const b = await load(bareUrl, bodies, seconds, () => bareUsage(bareUrl));
      const s = await load(sidecarUrl, bodies, seconds, () => sidecarUsage(sidecarUrl));
      bareRuns.push(b);
      sidecarRuns.push(s);
      console.log(`round ${round}: bare    ${describe(b)}`);
      console.log(`round ${round}: sidecar ${describe(s)}`);
    }
    const bareMedian = medianOf(bareRuns);
    const sidecarMedian = medianOf(sidecarRuns);
    console.log(`bare node:http (median): ${describe(bareMedian)}`);
    console.log(`sidecar        (median): ${describe(sidecarMedian)}`);

    const status = (await (await fetch(`${sidecarUrl}/v1/status`)).json()) as { counts: { tasks: number } };
    const answered = sidecarRuns.reduce((n, r) => n + r.requests, 0);
    console.log(
      `sidecar recorded ${status.counts.tasks} tasks for ${answered + 1} measured+first answers (plus warm-up)`,
    );

    const floorRatio = sidecarMedian.rps / bareMedian.rps;
    const p99Ratio = sidecarMedian.p99 / bareMedian.p99;
    console.log(
      `bench-sidecar: p50_ms=${sidecarMedian.p50.toFixed(3)} p99_ms=${sidecarMedian.p99.toFixed(3)} rps=${Math.round(sidecarMedian.rps)} ` +
        `floor_ratio=${floorRatio.toFixed(3)} p99_ratio=${p99Ratio.toFixed(3)}`,
    );
  } finally {
    stopAll();
    await new Promise((resolve) => setTimeout(resolve, 300));
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** A server process's CPU seconds and its request thread's GC seconds so far. */
interface Usage {
  cpuS: number;
  gcS: number;
}

async function bareUsage(url: string): Promise<Usage> {
  const cpuS = ((await (await fetch(`${url}/cpu`)).json()) as { cpu_s: number }).cpu_s;
  return { cpuS, gcS: Number.NaN };
}

async function sidecarUsage(url: string): Promise<Usage> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = /^prealert_process_cpu_seconds_total (\S+)$/m.exec(text);
  if (!match) throw new Error('no prealert_process_cpu_seconds_total in /metrics');
  let gcS = 0;
  for (const gc of text.matchAll(/^prealert_nodejs_gc_duration_seconds_sum\{kind="(?:minor|major)"\} (\S+)$/gm))
    gcS += Number(gc[1]);
  return { cpuS: Number(match[1]), gcS };
}

async function load(
  url: string,
  bodies: readonly string[],
  durationSeconds: number,
  usage: () => Promise<Usage> = async () => ({ cpuS: 0, gcS: Number.NaN }),
): Promise<RunFigures> {
  const latencies: number[] = [];
  let next = -1;
  const before = await usage();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${url}${ROUTE}`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        requests: [
          {
            setupRequest: (request) => {
              next = (next + 1) % bodies.length;
              return { ...request, body: bodies[next] };
            },
          },
        ],
        connections,
        pipelining: 1,
        duration: durationSeconds,
      },
      (error, finished) => (error ? reject(error) : resolve(finished)),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode === 200) latencies.push(responseTime);
    });
  });
  const after = await usage();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? Number.NaN;
  return {
    cpuUs: ((after.cpuS - before.cpuS) * 1e6) / Math.max(1, latencies.length),
    gcMsPer1k: ((after.gcS - before.gcS) * 1e6) / Math.max(1, latencies.length),
    rps: latencies.length / durationSeconds,
    p50: pct(50),
    p99: pct(99),
    requests: latencies.length,
    errors: result.errors + result.non2xx + result.timeouts,
  };
}

function medianOf(runs: RunFigures[]): RunFigures {
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };
  return {
    cpuUs: median(runs.map((r) => r.cpuUs)),
    gcMsPer1k: median(runs.map((r) => r.gcMsPer1k)),
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    requests: runs.reduce((n, r) => n + r.requests, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
  };
}

function describe(r: RunFigures): string {
  const gc = Number.isFinite(r.gcMsPer1k) ? ` gc_ms_per_1k=${r.gcMsPer1k.toFixed(1)}` : '';
  return `rps=${Math.round(r.rps)} cpu_us_per_req=${r.cpuUs.toFixed(0)}${gc} p50_ms=${r.p50.toFixed(3)} p99_ms=${r.p99.toFixed(3)} requests=${r.requests} errors=${r.errors}`;
}

async function waitForPortFile(file: string, child: ChildProcess): Promise<number> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`sidecar exited with ${child.exitCode}`);
    try {
      const port = Number(fs.readFileSync(file, 'utf8').split('\n')[0]);
      if (port > 0) return port;
    } catch {
      // not yet written
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('sidecar did not write its port file within 30 s');
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const newline = buffered.indexOf('\n');
      if (newline >= 0) resolve(buffered.slice(0, newline).trim());
    });
    child.once('exit', (code) => reject(new Error(`bare server exited with ${code}`)));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
