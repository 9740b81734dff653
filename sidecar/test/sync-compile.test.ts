import { analyze, compileLibrary } from '@prealert/core';
import { loadNationalLibrary, Slicer } from '@prealert/rules-cache';
import { describe, expect, it } from 'vitest';
import { analysisInput } from '../../packages/core/test/support/requests';
import { compileInSlices } from '../src/sync/compile-in-slices';

const data = loadNationalLibrary();

describe('compiling in slices', () => {
  it('gives what compileLibrary gives, code by code, while yielding to the event loop', async () => {
    const whole = compileLibrary(data);
    const slicer = new Slicer(0);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const { library: sliced, sliced: wasSliced } = await compileInSlices(data, () => slicer.pause());
    clearInterval(timer);
    expect(wasSliced).toBe(true);
    expect(slicer.yields).toBeGreaterThanOrEqual(3);
    expect(ticks).toBeGreaterThan(0);
    expect(sliced.knowledgePointCount).toBe(whole.knowledgePointCount);
    expect(sliced.codeCount).toBe(whole.codeCount);
    expect(sliced.ruleCount).toBe(whole.ruleCount);
    const codes = new Set(data.knowledgePoints.flatMap((kp) => kp.codes));
    expect(codes.size).toBe(whole.codeCount);
    for (const code of codes) expect(sliced.lookup(code)).toEqual(whole.lookup(code));
  });

  it('answers a prescription exactly as the blocking compile does', async () => {
    const whole = compileLibrary(data);
    const { library: sliced } = await compileInSlices(data, () => undefined);
    // Codes named by several points (and a data-quality problem) so order and merging matter.
    const multi = data.knowledgePoints.flatMap((kp) => kp.codes).find((c, i, all) => all.indexOf(c) !== i)!;
    const input = analysisInput({
      gend: '2',
      brdy: '1950-03-01',
      lines: [{ code: 'XL02BBE088E002010102180' }, { code: multi }, { code: 'ZD01AAF0204010102959' }, { code: 'BAD' }],
    });
    const now = new Date('2026-11-20T10:00:00+08:00');
    const a = analyze(whole, input, { infno: '3101', now });
    const b = analyze(sliced, input, { infno: '3101', now });
    expect(a.ok && b.ok).toBe(true);
    if (a.ok && b.ok) {
      expect(b.output).toEqual(a.output);
      expect(a.output.result.length).toBeGreaterThan(1);
    }
  });
});
