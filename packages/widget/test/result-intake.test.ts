import { describe, expect, it, vi } from 'vitest';
import { expectReading, READINGS } from '../../client/test/fixtures/result-readings';
import { takeResults } from '../src/result-intake';

/** The one result show() takes from `raw`. */
function takenOne(raw: unknown, fixedConfirmReasons: readonly string[] = []) {
  const taken = takeResults([raw], fixedConfirmReasons);
  expect(taken).toHaveLength(1);
  return taken[0]!;
}

describe('show() reads each result as the SDK does (client read-result.ts)', () => {
  for (const { name, raw, expected } of READINGS) {
    it(name, () => expectReading(takenOne(raw), expected));
  }
});

describe('takeResults', () => {
  it('leaves out a result without jr_id alone, the others shown', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const taken = takeResults([null, { jr_id: '' }, READINGS[0]!.raw], []);
      expect(taken.map((r) => r.jr_id)).toEqual(['JR-READ']);
      expect(warn).toHaveBeenCalledTimes(2);
    } finally {
      warn.mockRestore();
    }
  });

  it("drops the widget's own confirm wording from prior_visit_rea, and keeps a doctor's reason", () => {
    const raw = { ...READINGS[0]!.raw, prior_visit_rea: ' 已确认 ', prior_visit_date: '2026-11-24' };
    const own = takenOne(raw, ['已确认']);
    expect(own).not.toHaveProperty('prior_visit_rea');
    expect(own).not.toHaveProperty('prior_visit_date');
    expect(takenOne({ ...raw, prior_visit_rea: '长期服用' }, ['已确认'])).toMatchObject({
      prior_visit_rea: '长期服用',
      prior_visit_date: '2026-11-24',
    });
  });
});
