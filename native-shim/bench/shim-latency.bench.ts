// What the native shim adds to a call: the same 3101 request to the same real sidecar, once through
// the shim (prealert_call, timed in C++ around the call) and once as a direct HTTP POST from Node,
// interleaved so both see the same machine load. Also the fail-open paths. Prints p50/p99; compare
// the ratios within one run (the machine is shared). Then what keeping a failed-open 3103 on the disk
// (the spool: write, fsync, rename, fsync of the directory) adds to the doctor's wait.
//   npx tsx native-shim/bench/shim-latency.bench.ts [calls]
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { maleOnlyDrugs, request3101, request3103 } from '../test/support/national-requests';
import { loadShim, RC } from '../test/support/shim-addon';
import { closedPort, startSidecar } from '../test/support/sidecar-process';

const CALLS = Number(process.argv[2] ?? 400);
const WARMUP = 50;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(name: string, samples: number[]): { p50: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const p50 = percentile(sorted, 50);
  const p99 = percentile(sorted, 99);
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  console.log(
    `${name.padEnd(44)} n=${String(samples.length).padStart(4)}  p50 ${p50.toFixed(3).padStart(8)} ms  p99 ${p99.toFixed(3).padStart(8)} ms  mean ${mean.toFixed(3).padStart(8)} ms`,
  );
  return { p50, p99 };
}

function directPost(port: number, body: Buffer, agent: http.Agent | false): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v1/yb/3101',
        agent,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'content-length': body.length,
          'x-out-capacity': 65535,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const elapsed = performance.now() - started;
          const text = Buffer.concat(chunks).toString();
          if (response.statusCode !== 200 || !text.includes('"infcode":0'))
            reject(new Error(`direct call failed: ${text.slice(0, 200)}`));
          else resolve(elapsed);
        });
      },
    );
    request.once('error', reject);
    request.end(body);
  });
}

async function main(): Promise<void> {
  const shim = loadShim();
  const sidecar = await startSidecar();
  try {
    shim.setOption('reset', 'all');
    shim.setOption('port', String(sidecar.port));
    const body = Buffer.from(JSON.stringify(request3101(maleOnlyDrugs().slice(0, 3))));
    const infno = Buffer.from('3101');
    const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });

    const viaShim: number[] = [];
    const viaShimFromJs: number[] = [];
    const directFresh: number[] = [];
    const directKeepAlive: number[] = [];
    for (let i = 0; i < WARMUP + CALLS; i++) {
      const jsStarted = performance.now();
      const outcome = await shim.call('utf8', infno, body, 65536);
      const jsElapsed = performance.now() - jsStarted;
      if (outcome.rc !== RC.ok) throw new Error(`shim call failed open: ${outcome.output.toString()}`);
      const fresh = await directPost(sidecar.port, body, false);
      const reused = await directPost(sidecar.port, body, keepAlive);
      if (i >= WARMUP) {
        viaShim.push(outcome.elapsedMs);
        viaShimFromJs.push(jsElapsed);
        directFresh.push(fresh);
        directKeepAlive.push(reused);
      }
    }
    keepAlive.destroy();

    console.log(`\nshim latency: 3101 with 3 order lines to the real sidecar, ${CALLS} calls each, interleaved`);
    console.log(`Node ${process.version}, ${shim.version()}\n`);
    const s = summary('shim prealert_call (C, new connection)', viaShim);
    summary('  same, seen from JS (+ thread-pool hop)', viaShimFromJs);
    const d = summary('direct HTTP from Node (new connection)', directFresh);
    const k = summary('direct HTTP from Node (keep-alive)', directKeepAlive);
    console.log(
      `\nadded by the shim vs direct (new connection): p50 ${(s.p50 - d.p50).toFixed(3)} ms (x${(s.p50 / d.p50).toFixed(2)}), ` +
        `p99 ${(s.p99 - d.p99).toFixed(3)} ms (x${(s.p99 / d.p99).toFixed(2)})`,
    );
    console.log(
      `added by the shim vs direct (keep-alive):      p50 ${(s.p50 - k.p50).toFixed(3)} ms (x${(s.p50 / k.p50).toFixed(2)}), ` +
        `p99 ${(s.p99 - k.p99).toFixed(3)} ms (x${(s.p99 / k.p99).toFixed(2)})\n`,
    );

    // Fail-open paths: nothing listening (a refused connect), then the breaker's immediate answer.
    shim.setOption('port', String(await closedPort()));
    shim.setOption('breaker_open_ms', '0');
    const refused: number[] = [];
    for (let i = 0; i < CALLS; i++) refused.push((await shim.call('utf8', infno, body, 65536)).elapsedMs);
    summary('fail-open, sidecar_unreachable', refused);
    shim.setOption('breaker_open_ms', '60000');
    await shim.call('utf8', infno, body, 65536);
    const breaker: number[] = [];
    for (let i = 0; i < CALLS; i++) breaker.push((await shim.call('utf8', infno, body, 65536)).elapsedMs);
    summary('fail-open, breaker_open', breaker);

    await spoolCost(shim, CALLS);
  } finally {
    await sidecar.stop();
  }
}

/**
 * A 3103 that fails open is written to the spool before the shim answers. Measured on the refused-connect
 * path (breaker off) with the spool off, on, and on over a spool that already holds 2000 decisions (the
 * shim lists the directory once and then keeps its size in memory, so that should cost the same).
 */
async function spoolCost(shim: ReturnType<typeof loadShim>, calls: number): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-bench-spool-'));
  const infno = Buffer.from('3103');
  const body = Buffer.from(JSON.stringify(request3103(['JR-BENCH-0001'], '1')));
  const run = async (label: string): Promise<{ p50: number; p99: number }> => {
    const samples: number[] = [];
    for (let i = 0; i < calls; i++) {
      const outcome = await shim.call('utf8', infno, body, 65536);
      const text = outcome.output.toString();
      if (outcome.rc !== RC.failOpen) throw new Error(`expected a fail-open: ${text}`);
      const spooled = text.includes('"spooled":true');
      if (spooled !== label.includes('spool on')) throw new Error(`${label}: unexpected answer ${text}`);
      samples.push(outcome.elapsedMs);
    }
    return summary(label, samples);
  };
  try {
    shim.setOption('reset', 'all');
    shim.setOption('data_dir', dataDir);
    shim.setOption('port', String(await closedPort()));
    shim.setOption('breaker_open_ms', '0');
    console.log(`
3103 fail-open (refused connect) and the spool, ${calls} calls each, in ${os.tmpdir()}`);
    shim.setOption('spool_max_bytes', '0');
    const off = await run('3103 fail-open, spool off');
    shim.setOption('spool_max_bytes', String(500 * 1024 * 1024));
    const on = await run('3103 fail-open, spool on (fsync)');
    const spool = path.join(dataDir, 'spool');
    for (const file of fs.readdirSync(spool)) fs.rmSync(path.join(spool, file));
    for (let i = 0; i < 2000; i++)
      fs.writeFileSync(path.join(spool, `${String(i).padStart(15, '0')}-1-${i}-3103.req`), 'x'.repeat(600));
    shim.setOption('spool_dir', spool); // a "new" directory for the shim: listed once on the first call
    const full = await run('3103 fail-open, spool on, 2000 files already');
    console.log(
      `spool write adds: p50 ${(on.p50 - off.p50).toFixed(3)} ms, p99 ${(on.p99 - off.p99).toFixed(3)} ms; ` +
        `with 2000 files: p50 ${(full.p50 - off.p50).toFixed(3)} ms, p99 ${(full.p99 - off.p99).toFixed(3)} ms\n`,
    );
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
