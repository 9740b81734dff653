/**
 * pnpm bench:swap — what a library swap costs.
 *
 *  1. Activation in-process (LibrarySync pulling from the provincial platform simulator over loopback): the national
 *     library, a 200,000-point library in full, and the 200,000-point library by delta. For each: wall time, and the
 *     longest the event loop was held (perf_hooks histogram), beside the single block core's compileLibrary alone
 *     would take for the same library.
 *  2. The real sidecar (node sidecar/dist/cli.js serve) under 3101 load (autocannon) while it swaps: p50 / p99 / max
 *     of the responses that completed during the swap window, beside those of the same run outside it.
 *
 * The 200,000-point library is made of real national codes only: each point takes the limit of a real national
 * point (time_window pairs left out) and one of the 19,737 real codes in turn, so every code carries about ten
 * points. A 2-core shared machine: compare figures within one run.
 *
 * Env: BENCH_POINTS (default 200000), BENCH_SECONDS (load run, default 12), BENCH_CONNECTIONS (default 10),
 * PREALERT_SYNC_ACTIVATION_REST_MS (passed to both parts' sync), BENCH_ONLY=activation (part 1 alone, for quick iterations), BENCH_SIDECAR_NODE_OPTIONS (NODE_OPTIONS for the sidecar of
 * part 2, e.g. --max-semi-space-size=2 to compare young-generation pause sizes).
 *
 * Ends with one line to compare runs by:
 *   bench-swap: act_national_ms=… act_200k_ms=… act_200k_delta_ms=… p99_base_ms=… p99_swap_ms=… p99_ratio=…
 * where p99_ratio is the worst, over the swaps, of the p99 during the swap window over the steady p99 (same run, no
 * swap) of the slower of the two libraries swapped between; p99_swap_ms and p99_base_ms are that swap's two figures.
 * The line before it (bench-swap-extra) gives the 200k -> 200k full activation, the fair comparison for the delta.
 * A table before those sets each swap window's p99 beside the p99s of all windows of the same length in the steady
 * run (median and worst): a window of a few thousand responses is decided by any one stall inside it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { compileLibrary, type KnowledgePoint, type LibraryData } from '@prealert/core';
import { generateSigningKeys, readPrivateKey, type WrittenBundle, writeBundle } from '@prealert/rules-cache';
import autocannon from 'autocannon';
import { type ProvincialPlatform, startPlatform } from '../../examples/provincial-platform/src/platform-server';
import { LibraryHolder } from '../../sidecar/src/library-holder';
import { createLogger } from '../../sidecar/src/logging';
import { LibrarySync } from '../../sidecar/src/sync/library-sync';
import { loadSyncConfig } from '../../sidecar/src/sync/sync-config';
import { BundleFactory, tempDir, V2 } from '../../sidecar/test/sync-support';
import { envelope3101, startSidecar } from '../sync-process';

const POINTS = Number(process.env.BENCH_POINTS ?? 200_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 12);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const TOKEN = 'bench-admin-token-0123456789abcdef';
/** The swap window runs on this long after activation: dropping the old library's garbage belongs to the swap. */
const AFTER_MS = 1_000;
const ONLY_ACTIVATION = process.env.BENCH_ONLY === 'activation';

/** What the summary line reports; filled in as the parts run. */
const summary = {
  act_national_ms: Number.NaN,
  act_200k_ms: Number.NaN,
  act_200k_delta_ms: Number.NaN,
  act_200k_to_200k_full_ms: Number.NaN,
  p99_base_ms: Number.NaN,
  p99_swap_ms: Number.NaN,
};

function bigLibrary(national: LibraryData, version: string, changed = 0): LibraryData {
  const templates = national.knowledgePoints.filter((kp) => kp.limit.kind !== 'time_window');
  const codes = [...new Set(national.knowledgePoints.flatMap((kp) => kp.codes))].sort();
  const points: KnowledgePoint[] = [];
  for (let i = 0; i < POINTS; i++) {
    const t = templates[i % templates.length]!;
    // As many codes as the template names (at most 8), taken in turn from all the real ones.
    const own = Array.from({ length: Math.min(8, t.codes.length) }, (_, j) => codes[(i * 7 + j) % codes.length]!);
    // `changed` points get another limit text: what a provincial re-issue of a few points looks like.
    const suffix = i < changed ? '（省级修订）' : '';
    points.push({ ...t, id: `big-${String(i).padStart(6, '0')}`, codes: own, limitText: t.limitText + suffix });
  }
  return {
    meta: { ...national.meta, version, createdAt: new Date(Date.now() + points.length + changed).toISOString() },
    rules: national.rules,
    knowledgePoints: points,
  };
}

/** A full collection between measurements, so one phase's garbage does not land in the next one's figures. */
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

const ms = (n: number) => `${n.toFixed(1)} ms`;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const work = tempDir('bench-swap');
  const factory = new BundleFactory(path.join(work, 'bundles'), generateSigningKeys(path.join(work, 'keys')));
  const key = readPrivateKey(factory.keys.privateKeyFile);
  process.stdout.write(`building bundles (national, ${POINTS} points full, ${POINTS} points + delta) …\n`);
  const national = factory.library(V2, { revision: true });
  const natBundle = factory.write('national', national);
  // Held only as long as needed: part 1 runs in this process, and a collection marking three 200,000-point
  // libraries the bench keeps would show up as the activation's stall.
  let bigA: LibraryData | undefined = bigLibrary(national, 'big-a', 0);
  const bigABundle = writeBundle({ library: bigA, privateKey: key, outDir: path.join(work, 'bundles', 'big-a') });
  // Core's compileLibrary alone, as one block: what a swap without slicing would hold the event loop for.
  const blockStart = performance.now();
  compileLibrary(bigA);
  const compileBlockBig = performance.now() - blockStart;
  bigA = undefined;
  const bigBBundle = writeBundle({
    library: bigLibrary(national, 'big-b', 1_000),
    privateKey: key,
    outDir: path.join(work, 'bundles', 'big-b'),
    parentDir: bigABundle.dir,
  });
  // Another 200,000-point library, full only: 200k -> 200k in full, to compare with the delta from the same start
  // (activating over a big library costs more than over the national one: the collector marks both).
  const bigCBundle = writeBundle({
    library: bigLibrary(national, 'big-c', 2_000),
    privateKey: key,
    outDir: path.join(work, 'bundles', 'big-c'),
  });
  // Back to the national library at the end: a newer bundle of it (a pulled bundle older than the active one is
  // refused), 5 minutes ahead, within the allowed clock skew.
  const natAgain = factory.write(
    'national-again',
    factory.library(`${V2}.1`, { revision: true, createdAt: new Date(Date.now() + 300_000).toISOString() }),
  );
  const size = (b: WrittenBundle) => `${(b.manifest.signed.library.size / 1e6).toFixed(1)} MB`;
  process.stdout.write(
    `  national ${size(natBundle)}, big-a ${size(bigABundle)}, big-b ${size(bigBBundle)} (delta ${(bigBBundle.manifest.signed.delta!.size / 1e6).toFixed(2)} MB)\n`,
  );

  const natStart = performance.now();
  compileLibrary(national);
  const compileBlockNat = performance.now() - natStart;

  const platform = await startPlatform();
  try {
    await measure(platform);
    const n = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
    process.stdout.write(
      `\nbench-swap-extra: act_200k_to_200k_full_ms=${n(summary.act_200k_to_200k_full_ms)}\n` +
        `bench-swap: act_national_ms=${n(summary.act_national_ms)} act_200k_ms=${n(summary.act_200k_ms)} act_200k_delta_ms=${n(summary.act_200k_delta_ms)} p99_base_ms=${n(summary.p99_base_ms)} p99_swap_ms=${n(summary.p99_swap_ms)} p99_ratio=${(summary.p99_swap_ms / summary.p99_base_ms).toFixed(2)}\n`,
    );
  } finally {
    await platform.close();
    fs.rmSync(work, { recursive: true, force: true });
  }

  async function measure(platform: ProvincialPlatform): Promise<void> {
    // ── 1. Activation in-process ───────────────────────────────────────────────────────────────────────────────
    const holder = new LibraryHolder();
    holder.swap(compileLibrary(national), { source: 'bundled' });
    const sync = new LibrarySync({
      config: loadSyncConfig({
        PREALERT_SYNC_URL: platform.bundleUrl,
        PREALERT_SYNC_PUBKEY: factory.keys.publicKeyFile,
        PREALERT_SYNC_TIMEOUT_S: '120',
        ...(process.env.PREALERT_SYNC_ACTIVATION_REST_MS
          ? { PREALERT_SYNC_ACTIVATION_REST_MS: process.env.PREALERT_SYNC_ACTIVATION_REST_MS }
          : {}),
      }),
      dataDir: path.join(work, 'inprocess'),
      holder,
      logger: createLogger({ level: 'silent' }),
      adminEnabled: false,
    });
    await sync.restore();
    const rows: string[][] = [];
    for (const [name, bundle, block, field] of [
      ['national (3,495 points), full', natBundle, compileBlockNat, 'act_national_ms'],
      [`${POINTS} points, full`, bigABundle, compileBlockBig, 'act_200k_ms'],
      [`${POINTS} points, delta (1,000 changed)`, bigBBundle, compileBlockBig, 'act_200k_delta_ms'],
      [`${POINTS} -> ${POINTS} points, full (2,000 changed)`, bigCBundle, compileBlockBig, 'act_200k_to_200k_full_ms'],
    ] as const) {
      platform.publish(bundle.dir);
      collectGarbage();
      const histogram = monitorEventLoopDelay({ resolution: 1 });
      histogram.enable();
      const outcome = await sync.pollNow();
      histogram.disable();
      if (outcome.outcome !== 'activated') throw new Error(`${name}: ${JSON.stringify(outcome)}`);
      const r = outcome.report;
      summary[field] = r.duration_ms;
      rows.push([name, r.path, ms(r.duration_ms), ms(histogram.max / 1e6), String(r.yields), ms(block)]);
    }
    await sync.stop();
    process.stdout.write('\nactivation (download over loopback, verify, parse, compile, swap, store as last-good)\n');
    process.stdout.write(
      `${['library', 'path', 'wall time', 'longest event-loop stall', 'yields', 'compileLibrary as one block'].join(' | ')}\n`,
    );
    for (const row of rows) process.stdout.write(`${row.join(' | ')}\n`);
    if (ONLY_ACTIVATION) return;

    // ── 2. The sidecar under load while it swaps ─────────────────────────────────────────────────────────────────
    platform.publish(natBundle.dir);
    const sidecar = await startSidecar({
      dataDir: path.join(work, 'sidecar'),
      env: {
        PREALERT_SYNC_URL: platform.bundleUrl,
        PREALERT_SYNC_PUBKEY: factory.keys.publicKeyFile,
        PREALERT_SYNC_INTERVAL_S: '3600',
        PREALERT_SYNC_TIMEOUT_S: '120',
        PREALERT_ADMIN_TOKEN: TOKEN,
        ...(process.env.PREALERT_SYNC_ACTIVATION_REST_MS
          ? { PREALERT_SYNC_ACTIVATION_REST_MS: process.env.PREALERT_SYNC_ACTIVATION_REST_MS }
          : {}),
        ...(process.env.BENCH_SIDECAR_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SIDECAR_NODE_OPTIONS } : {}),
      },
      logFile: path.join(work, 'sidecar.log'),
    });
    try {
      await sidecar.post('/v1/admin/sync', undefined, TOKEN);
      const body = JSON.stringify(envelope3101('XL02BBE088E002010102180', '2'));
      process.stdout.write(
        `\nsidecar p99 under load (${CONNECTIONS} connections, ${SECONDS} s per run, 3101 with a firing line)\n`,
      );
      process.stdout.write(
        `${['swap', 'during swap (+1 s): n / p50 / p99 / max', 'rest of run: n / p50 / p99 / max', 'swap took'].join(' | ')}\n`,
      );
      // Each swap is compared with the steady p99 of the libraries it swaps between (the larger of the two): a
      // 200,000-point library that names each code in ~80 points is slower per request than the national one
      // whatever a swap does, and that is the library's cost, not the swap's.
      const steady: Record<string, number> = {};
      /** Each steady run's responses, for the p99 of windows as long as a swap's (see below). */
      const steadySamples: Record<string, { at: number; ms: number }[]> = {};
      const windows: { name: string; from: string; to: string; p99: number; lengthMs: number }[] = [];
      for (const [name, bundle, from, to] of [
        ['none (national, baseline)', undefined, 'national', 'national'],
        [`national -> ${POINTS} points (full)`, bigABundle, 'national', 'big'],
        [`none (${POINTS} points, baseline)`, undefined, 'big', 'big'],
        [`${POINTS} -> ${POINTS} points (delta)`, bigBBundle, 'big', 'big'],
        [`${POINTS} points -> national (full)`, natAgain, 'big', 'national'],
      ] as const) {
        // Published before the load starts: copying and hashing 120 MB here would stall the load generator itself.
        if (bundle) platform.publish(bundle.dir);
        const samples: { at: number; ms: number }[] = [];
        const run = new Promise<autocannon.Result>((resolve, reject) => {
          const instance = autocannon(
            {
              url: `${sidecar.url}/fsi/api/rsfComIfsService/callService`,
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body,
              connections: CONNECTIONS,
              duration: SECONDS,
            },
            (error, finished) => (error ? reject(error) : resolve(finished)),
          );
          instance.on('response', (_client, _status, _bytes, responseTime) =>
            samples.push({ at: Date.now(), ms: responseTime }),
          );
        });
        let window: [number, number] | undefined;
        const swap = (async () => {
          if (!bundle) return;
          await new Promise((r) => setTimeout(r, 2_000));
          const start = Date.now();
          const answer = await sidecar.post<{ outcome: string }>('/v1/admin/sync', undefined, TOKEN);
          window = [start, Date.now()];
          if (answer.body.outcome !== 'activated') throw new Error(`${name}: ${JSON.stringify(answer.body)}`);
        })();
        const result = await run;
        await swap;
        const inside = samples
          .filter((s) => window && s.at >= window[0] && s.at <= window[1] + AFTER_MS)
          .map((s) => s.ms)
          .sort((a, b) => a - b);
        const outside = samples
          .filter((s) => !window || s.at < window[0] || s.at > window[1] + AFTER_MS)
          .map((s) => s.ms)
          .sort((a, b) => a - b);
        if (!bundle) {
          steady[from] = percentile(outside, 99);
          steadySamples[from] = samples;
        } else if (inside.length > 0 && window) {
          windows.push({ name, from, to, p99: percentile(inside, 99), lengthMs: window[1] + AFTER_MS - window[0] });
        }
        const fig = (xs: number[]) =>
          xs.length === 0
            ? '-'
            : `${xs.length} / ${ms(percentile(xs, 50))} / ${ms(percentile(xs, 99))} / ${ms(xs.at(-1)!)}`;
        if (result.errors > 0 || result.non2xx > 0)
          process.stdout.write(`  (${result.errors} errors, ${result.non2xx} non-2xx)\n`);
        process.stdout.write(
          `${[name, fig(inside), fig(outside), window ? ms(window[1] - window[0]) : '-'].join(' | ')}\n`,
        );
      }
      // A swap window holds a few thousand responses: one ordinary stall (a major GC, the machine's other load)
      // falling inside it decides its p99, where the whole steady run dilutes it. So each swap is also set beside
      // the p99s of every window of the same length in the steady run of the slower library (sliding by 250 ms):
      // their median and worst.
      process.stdout.write('\nswap window p99 beside same-length windows of the steady run (slower library)\n');
      process.stdout.write(`${['swap', 'window', 'swap p99', 'steady windows: median p99 / worst p99'].join(' | ')}\n`);
      for (const w of windows) {
        const slower = steady[w.from]! >= steady[w.to]! ? w.from : w.to;
        const p99s = windowP99s(steadySamples[slower] ?? [], w.lengthMs);
        process.stdout.write(
          `${[w.name, ms(w.lengthMs), ms(w.p99), p99s.length ? `${ms(percentile(p99s, 50))} / ${ms(p99s.at(-1)!)}` : '-'].join(' | ')}\n`,
        );
      }
      for (const w of windows) {
        const base = Math.max(steady[w.from]!, steady[w.to]!);
        if (!(w.p99 / base <= summary.p99_swap_ms / summary.p99_base_ms)) {
          summary.p99_swap_ms = w.p99;
          summary.p99_base_ms = base;
        }
      }
    } finally {
      await sidecar.stop();
    }
  }
}

/** The p99 of every window of `lengthMs` over a run's responses, sliding by 250 ms, sorted; the first and last second left out. */
function windowP99s(samples: readonly { at: number; ms: number }[], lengthMs: number): number[] {
  if (samples.length === 0) return [];
  const first = samples[0]!.at + 1_000;
  const last = samples.at(-1)!.at - 1_000;
  const out: number[] = [];
  for (let start = first; start + lengthMs <= last; start += 250) {
    const inside = samples
      .filter((s) => s.at >= start && s.at <= start + lengthMs)
      .map((s) => s.ms)
      .sort((a, b) => a - b);
    if (inside.length > 0) out.push(percentile(inside, 99));
  }
  return out.sort((a, b) => a - b);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
