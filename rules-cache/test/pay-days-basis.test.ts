import { join } from 'node:path';
import {
  libraryFromFiles,
  NATIONAL_BATCH_FILES,
  NATIONAL_REVISION_FILE,
  nationalDataDir,
  parseLimit,
} from '@prealert/rules-cache';
import { describe, expect, it } from 'vitest';

// 注射用益气复脉(冻干) is the one national 限支付疗程 point whose limit_value ("15天") and basis (单次住院最多支付14天)
// disagree, in batch 6 and again in the 2026-01 re-issue. The basis' count is read, and the import names the record.
const BASIS_2026 =
  '限二级及以上医疗机构冠心病心绞痛及冠心病所致左心功能不全Ⅱ-Ⅲ级的患者，住院方可支付，单次最多支付14天。';
const meta = { version: 'test', region: 'national', createdAt: '2026-01-28T00:00:00+08:00' };
const file = (name: string) => join(nationalDataDir(), name);

describe('a pay-days limit that contradicts its basis', () => {
  it('is read by the basis, with a note that names both counts', () => {
    const parsed = parseLimit('max_pay_days', '15天', BASIS_2026);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.limits[0]).toEqual({ kind: 'max_pay_days', days: 14, count: 'admission' });
    expect(parsed.note).toBe('限支付疗程 limit_value "15天" 与依据所写 14 天不一致，按依据 14 天');
  });

  it('a limit that agrees with its basis, or a basis that states no day count, gives no note', () => {
    const agreeing = parseLimit('max_pay_days', '14天', '限新发的急性血栓性脑梗死，支付不超过14天。');
    expect(agreeing.ok && agreeing.note).toBeUndefined();
    expect(agreeing.ok && agreeing.limits[0]).toMatchObject({ days: 14 });
    const silent = parseLimit('max_pay_days', '365天', '限HER2阳性的乳腺癌患者的新辅助治疗。');
    expect(silent.ok && silent.note).toBeUndefined();
    expect(silent.ok && silent.limits[0]).toMatchObject({ days: 365 });
  });

  it('the national import names the one such record (file, row, field), as published and after the re-issue', () => {
    const revised = libraryFromFiles({
      meta,
      sources: NATIONAL_BATCH_FILES.map(file),
      revisions: [file(NATIONAL_REVISION_FILE)],
    });
    expect(revised.ok).toBe(true);
    if (!revised.ok) return;
    // The other notes are about the sources' code lists and what they left out (import-notes.test.ts).
    const limitNotes = (notes: typeof revised.notes) => (notes ?? []).filter((n) => n.field === 'limit_value');
    expect(limitNotes(revised.notes)).toHaveLength(1);
    expect(limitNotes(revised.notes)[0]).toMatchObject({ file: file(NATIONAL_REVISION_FILE), field: 'limit_value' });
    expect(limitNotes(revised.notes)[0]!.row).toBeGreaterThan(0);
    const point = revised.value.knowledgePoints.find(
      (kp) => kp.itemName === '注射用益气复脉(冻干)' && kp.limit.kind === 'max_pay_days',
    );
    expect(point?.limit).toMatchObject({ days: 14, count: 'admission' });
    expect(point?.limitText).toBe('15天');

    const published = libraryFromFiles({ meta, sources: NATIONAL_BATCH_FILES.map(file) });
    expect(published.ok && limitNotes(published.notes).map((n) => n.file)).toEqual([
      file('batches_2_8_knowledge_points.json'),
    ]);
  });
});
