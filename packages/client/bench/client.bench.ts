/**
 * Round trips of @prealert/client against the real built sidecar on loopback, printed as figures:
 * the SDK's keep-alive pool against a new connection per call, and how fast each fail-open path answers.
 * Compare the ratios within one run (shared 2-core machines make absolute numbers noisy).
 *
 *   pnpm build && npx tsx packages/client/bench/client.bench.ts [calls]
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { CATALOGUE, PATIENTS } from '../../../examples/web-his/public/demo-data.js';
import { buildAnalysisInput } from '../../../examples/web-his/public/his-request.js';
import { startSidecar } from '../../../examples/web-his/sidecar-process.mjs';
import { EnvelopeBuilder, PrealertClient } from '../src/index';

const calls = Number(process.argv[2] ?? 300);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function percentiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
  return { p50: at(50), p95: at(95), p99: at(99), mean };
}

const fmt = (ms: number) => `${ms.toFixed(2).padStart(7)} ms`;
function report(label: string, samples: number[]) {
  const p = percentiles(samples);
  console.log(
    `${label.padEnd(44)} n=${String(samples.length).padStart(4)}  p50 ${fmt(p.p50)}  p95 ${fmt(p.p95)}  p99 ${fmt(p.p99)}  mean ${fmt(p.mean)}`,
  );
  return p;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

const input = (taskId: string) =>
  buildAnalysisInput({
    patient: PATIENTS[0]!,
    visit: 'outpatient',
    orders: [
      'XG04BET001A001010100299',
      'XM01AEX094D001010101792',
      'XB05BAF150B002010100269',
      '003102050010100',
      '002503020010000',
    ].map((code, i) => ({ rxId: `BENCH-${i}`, item: CATALOGUE.find((c) => c.code === code)!, cnt: 1 })),
    taskId,
    now: new Date(),
  });

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-client-bench-'));
const sidecar = await startSidecar({
  cli: path.join(repoRoot, 'sidecar/dist/cli.js'),
  port: '0',
  dataDir,
  corsOrigins: [],
});
const client = new PrealertClient({ baseUrl: sidecar.url, analyzeTimeoutMs: 5000 });
try {
  console.log(
    `prealert client bench — ${calls} sequential 3101 calls (5 lines, 4 warnings each), Node ${process.version}`,
  );
  for (let i = 0; i < 30; i += 1) await client.analyze(input(`WARM-${i}`));

  const pooled: number[] = [];
  for (let i = 0; i < calls; i += 1) {
    pooled.push(
      await time(async () => {
        const answer = await client.analyze(input(`POOL-${i}`));
        if (answer.status !== 'ok' || answer.results.length !== 4)
          throw new Error(`unexpected answer ${answer.status}`);
      }),
    );
  }
  const envelopes = new EnvelopeBuilder();
  const fresh: number[] = [];
  for (let i = 0; i < calls; i += 1) {
    fresh.push(
      await time(async () => {
        // The same request over a new TCP connection each time (what a HIS without keep-alive pays).
        const response = await request(`${sidecar.url}/fsi/api/rsfComIfsService/callService`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', connection: 'close' },
          body: JSON.stringify(envelopes.build('3101', input(`FRESH-${i}`))),
          reset: true,
        });
        await response.body.json();
      }),
    );
  }
  const a = report('SDK analyze(), keep-alive pool', pooled);
  const b = report('same request, new connection per call', fresh);
  console.log(`ratio new-connection / keep-alive (p50): ${(b.p50 / a.p50).toFixed(2)}`);

  const closed = net.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address() as net.AddressInfo;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const unreachable: number[] = [];
  for (let i = 0; i < 50; i += 1) {
    const down = new PrealertClient({ baseUrl: `http://127.0.0.1:${port}`, breaker: false });
    unreachable.push(await time(() => down.analyze(input('DOWN'))));
    await down.close();
  }
  report('fail-open: nothing listens (new client)', unreachable);
  const open = new PrealertClient({ baseUrl: `http://127.0.0.1:${port}` });
  await open.analyze(input('DOWN'));
  const breaker: number[] = [];
  for (let i = 0; i < 200; i += 1) breaker.push(await time(() => open.analyze(input('DOWN'))));
  await open.close();
  report('fail-open: breaker open', breaker);

  sidecar.child.kill('SIGSTOP');
  const hung: number[] = [];
  const slow = new PrealertClient({ baseUrl: sidecar.url, analyzeTimeoutMs: 200, breaker: false });
  try {
    for (let i = 0; i < 10; i += 1) hung.push(await time(() => slow.analyze(input('HUNG'))));
  } finally {
    sidecar.child.kill('SIGCONT');
  }
  await slow.close();
  report('fail-open: hung sidecar, 200 ms budget', hung);
} finally {
  await client.close();
  await sidecar.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
