import { createHash } from 'node:crypto';
import type { AnalysisInput } from '@prealert/core';
import { loadNationalLibrary } from '@prealert/rules-cache';
import { describe, expect, it } from 'vitest';
import { CodeRing, rng } from './support/code-ring';
import { nationalLibrary } from './support/national';
import { analysisInput, type LineSpec, resultsOf, run } from './support/requests';

/**
 * Pins the whole 3101 output for requests made of the frequency-limited codes (限定频次 per day and 周期超频次 per N
 * days), charged over three weeks: golden-output's mixed requests fall on four dates and never make a 周期超频次
 * result, so a change to how windows are counted, which lines they flag, their amounts or their texts went unseen
 * there. A deliberate change updates PINNED in the same commit, with the reason.
 */
const lib = nationalLibrary();
const national = loadNationalLibrary();

const codesOf = (kind: string): CodeRing =>
  new CodeRing(national.knowledgePoints.filter((kp) => kp.limit.kind === kind).flatMap((kp) => kp.codes));
// Drawn apart, as the per-day points outnumber the N-day ones and would crowd them out of the requests.
const nDaysCodes = codesOf('max_qty_per_n_days');
const perDayCodes = codesOf('max_qty_per_period');

const HOURS = ['08:00:00', '09:30:00', '14:00:00', '21:45:00'];

function day(random: () => number): string {
  const d = 1 + Math.floor(random() * 21);
  return `2026-11-${String(d).padStart(2, '0')} ${HOURS[Math.floor(random() * HOURS.length)]}`;
}

/** An inpatient stay with a few frequency-limited codes charged again and again, some as running courses. */
function request(seed: number): AnalysisInput {
  const random = rng(seed);
  const codes = Array.from({ length: 1 + Math.floor(random() * 3) }, () =>
    (random() < 0.6 ? nDaysCodes : perDayCodes).pick(random),
  );
  const lines: LineSpec[] = [];
  const count = 2 + Math.floor(random() * 12);
  for (let i = 0; i < count; i++) {
    const date = day(random);
    const spec: LineSpec = {
      code: codes[Math.floor(random() * codes.length)]!,
      rx_id: `RX${seed}-${i}`,
      cnt: random() < 0.2 ? '2' : 1,
      pric: (Math.floor(random() * 5000) / 100).toFixed(2),
      date,
      current: random() > 0.4,
    };
    if (random() < 0.15) {
      spec.long = true;
      if (random() < 0.5)
        spec.stop = `2026-11-${String(Math.min(28, Number(date.slice(8, 10)) + 5)).padStart(2, '0')} 08:00:00`;
    }
    lines.push(spec);
  }
  const input = analysisInput({
    med_mdtrt_type: '2',
    med_type: '21',
    adm_date: '2026-11-01 08:00:00',
    dscg_date: '2026-11-21 22:00:00',
    lines,
  });
  (input.data as { task_id: string }).task_id = `FREQ-${seed}`;
  return input;
}

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

describe('pinned frequency-limit output', () => {
  it('answers 80 requests of 限定频次 and 周期超频次 codes over three weeks exactly as recorded', () => {
    const outputs = [];
    for (let seed = 1; seed <= 80; seed++) outputs.push(resultsOf(run(lib, request(seed))));
    const results = outputs.flat();
    const byRule = new Map<string, number>();
    for (const r of results) byRule.set(r.rule_name, (byRule.get(r.rule_name) ?? 0) + 1);
    // Both kinds must fire, several windows deep, or the digest pins nothing of them.
    expect(Object.fromEntries(byRule)).toEqual(PINNED.byRule);
    expect(results.filter((r) => r.vola_cont.includes(' 个周期')).length).toBe(PINNED.moreWindows);
    // Every window a 周期超频次 text names says how far over it is, and that is what it holds beyond the limit.
    for (const r of results.filter((x) => x.rule_name === '医疗服务项目周期超频次')) {
      const limit = Number(/限 \d+ 天内 ([\d.]+) 次/.exec(r.vola_cont)?.[1]);
      const windows = [...r.vola_cont.matchAll(/累计 ([\d.]+) 次，超出 ([\d.]+) 次/g)];
      expect(windows.length, r.vola_cont).toBeGreaterThan(0);
      for (const [, total, over] of windows) {
        expect(Number(over), r.vola_cont).toBeGreaterThan(0);
        expect(Number(total) - Number(over), r.vola_cont).toBeCloseTo(limit, 2);
      }
    }
    expect(digest(outputs), `digest ${digest(outputs)}`).toBe(PINNED.digest);
  });
});

// 2026-12-03: 周期超频次 texts name each window's excess (「累计 2 次，超出 1 次」, windows by 「；」, 「；共 N 个周期超出」);
// with that wording undone the outputs hash to the digest before (a5d9a1b2…): flags and amounts are unchanged.
const PINNED = {
  byRule: { 医疗服务项目儿童专用: 7, 医疗服务项目周期超频次: 61, 医疗服务项目限定频次: 13 },
  moreWindows: 15,
  digest: 'f937d8ce4f8f395e380bc3188b0be049c1ef35c14b24a164412146766df87ce9',
};
