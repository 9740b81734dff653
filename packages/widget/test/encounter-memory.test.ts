import { describe, expect, it } from 'vitest';
import { EncounterMemory, encounterKey } from '../src/encounter-memory';

// jr_ids as the sidecar makes them differ per patient (they hash patn_id with mdtrt_id); these only need to differ.
const warning = (patient: string, mdtrtId: string, jrId: string) => ({
  jr_id: jrId,
  patn_id: patient,
  mdtrt_id: mdtrtId,
});

/** `count` other patients' encounters shown, each her own, all carrying the per-patient 就诊号 "1". */
function othersShown(memory: EncounterMemory, count: number): void {
  for (let i = 1; i <= count; i++) memory.shown([warning(`P-OTHER-${i}`, '1', `JR-OTHER-${i}`)]);
}

describe('encounterKey', () => {
  it('tells two patients with the same mdtrt_id apart, and is empty for a result without mdtrt_id', () => {
    expect(encounterKey(warning('P-A', '1', 'JR-A'))).not.toBe(encounterKey(warning('P-B', '1', 'JR-B')));
    expect(encounterKey(warning('P-A', '1', 'JR-A'))).toBe(encounterKey(warning('P-A', '1', 'JR-A2')));
    // Without the separator "P-1"+"1" and "P-"+"11" would run together.
    expect(encounterKey(warning('P-1', '1', 'JR'))).not.toBe(encounterKey(warning('P-', '11', 'JR')));
    expect(encounterKey({ jr_id: 'JR-SKELETON' })).toBe('');
  });
});

describe('EncounterMemory', () => {
  it('keeps patient A’s answered warning when patient B with the same mdtrt_id is shown', () => {
    const memory = new EncounterMemory(20);
    const a = warning('P-A', '1', 'JR-A');
    memory.shown([a]);
    memory.rememberAnswered(a);
    const b = warning('P-B', '1', 'JR-B');
    expect(memory.takeAnswered([b])).toEqual(new Set());
    memory.shown([b]);
    expect(memory.keeps(encounterKey(a), 'JR-A')).toBe(true);
    expect(memory.takeAnswered([a])).toEqual(new Set(['JR-A']));
    // Given once: the next analysis of her encounter starts from what is answered then.
    expect(memory.takeAnswered([a])).toEqual(new Set());
  });

  it('keeps an encounter with 19 others shown after it, and lets it go at the 20th, all with mdtrt_id "1"', () => {
    const kept = new EncounterMemory(20);
    const a = warning('P-A', '1', 'JR-A');
    kept.shown([a]);
    kept.rememberAnswered(a);
    othersShown(kept, 19);
    expect(kept.keeps(encounterKey(a), 'JR-A')).toBe(true);
    expect(kept.takeAnswered([a])).toEqual(new Set(['JR-A']));

    const forgotten = new EncounterMemory(20);
    forgotten.shown([a]);
    forgotten.rememberAnswered(a);
    othersShown(forgotten, 20);
    expect(forgotten.keeps(encounterKey(a), 'JR-A')).toBe(false);
    expect(forgotten.takeAnswered([a])).toEqual(new Set());
    // Bounded: the 20 others are kept, the first of them goes with the next.
    expect(forgotten.keeps(encounterKey(warning('P-OTHER-1', '1', '')), 'JR-OTHER-1')).toBe(true);
    othersShown(forgotten, 1);
    expect(forgotten.keeps(encounterKey(warning('P-OTHER-2', '1', '')), 'JR-OTHER-2')).toBe(true);
  });

  it('an empty analysis shows no encounter: the answered warnings stay for when the line is back', () => {
    const memory = new EncounterMemory(20);
    const a = warning('P-A', '1', 'JR-A');
    memory.shown([a]);
    memory.rememberAnswered(a);
    memory.shown([]);
    expect(memory.keeps(encounterKey(a), 'JR-A')).toBe(true);
    expect(memory.takeAnswered([a])).toEqual(new Set(['JR-A']));
  });

  it('bounds results without mdtrt_id too: kept for the last 20 analyses that showed such results', () => {
    const memory = new EncounterMemory(20);
    const skeleton = { jr_id: 'JR-SKELETON-0' };
    memory.shown([skeleton]);
    memory.rememberAnswered(skeleton);
    for (let i = 1; i <= 19; i++) memory.shown([{ jr_id: `JR-SKELETON-${i}` }]);
    expect(memory.keeps('', 'JR-SKELETON-0')).toBe(true);
    memory.shown([{ jr_id: 'JR-SKELETON-20' }]);
    expect(memory.keeps('', 'JR-SKELETON-0')).toBe(false);
    expect(memory.keeps('', 'JR-SKELETON-20')).toBe(true);
    expect(memory.takeAnswered([skeleton])).toEqual(new Set());
  });
});
