import type { KnowledgePoint, LibraryData, Rule } from '@prealert/core';
import { loadNationalLibrary } from '@prealert/rules-cache';

/** A deterministic pseudo-random sequence, so every run measures the same library. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LETTERS = 'ABCDEFGHJKLMNPRSTV';

/** A code in the shape of a national 西药 code (23 chars), unlikely to collide with real ones (ZZ prefix region). */
export function syntheticDrugCode(n: number): string {
  const atc = `${LETTERS[n % 18]}${String(n % 97).padStart(2, '0')}${LETTERS[(n >> 3) % 18]}${LETTERS[(n >> 5) % 18]}`;
  return `X${atc}${String(n).padStart(9, '0')}01010199`;
}

/**
 * 200,000 knowledge points on the national rules, in the proportions of the published kinds that are decided per
 * line (sex, age group, visit type, hospital level, pay days, frequency), each naming two synthetic codes.
 */
export function syntheticLibrary(points: number, seed = 42): LibraryData {
  const national = loadNationalLibrary();
  const rules: Rule[] = national.rules;
  const byKind = (kind: string) => rules.find((r) => r.kind === kind)!;
  const random = rng(seed);
  const kinds: { rule: Rule; make: (i: number) => Pick<KnowledgePoint, 'limit' | 'limitText'> }[] = [
    {
      rule: byKind('sex'),
      make: (i) => ({
        limit: { kind: 'sex', sex: i % 4 === 0 ? 'male' : 'female' },
        limitText: i % 4 === 0 ? '男' : '女',
      }),
    },
    { rule: byKind('age_group'), make: () => ({ limit: { kind: 'age_group', group: 'child' }, limitText: '儿童' }) },
    {
      rule: byKind('visit_type'),
      make: () => ({ limit: { kind: 'visit_type', allowEmergency: false }, limitText: '住院' }),
    },
    {
      rule: byKind('min_hospital_level'),
      make: () => ({ limit: { kind: 'min_hospital_level', level: 2 }, limitText: '二级' }),
    },
    { rule: byKind('max_pay_days'), make: () => ({ limit: { kind: 'max_pay_days', days: 14 }, limitText: '14天' }) },
    {
      rule: byKind('max_qty_per_period'),
      make: () => ({ limit: { kind: 'max_qty_per_period', qty: 1, per: 'day' }, limitText: '1/日' }),
    },
  ];
  const knowledgePoints: KnowledgePoint[] = [];
  const basis = [
    '限转移性前列腺癌患者。',
    '儿童专用。',
    '限住院患者。',
    '限二级及以上医疗机构。',
    '支付不超过14天。',
    '',
  ];
  for (let i = 0; i < points; i++) {
    const k = kinds[Math.floor(random() * kinds.length)]!;
    const { limit, limitText } = k.make(i);
    knowledgePoints.push({
      id: `syn-${i}`,
      ruleId: k.rule.id,
      itemName: `合成药品${i}`,
      itemType: 'drug',
      codes: [syntheticDrugCode(2 * i), syntheticDrugCode(2 * i + 1)],
      limit,
      limitText,
      basis: basis[kinds.indexOf(k)] ?? '',
    });
  }
  return {
    meta: { version: 'synthetic-200k', region: 'bench', createdAt: '2026-11-23T00:00:00+08:00' },
    rules,
    knowledgePoints,
  };
}
