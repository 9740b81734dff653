import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileLibrary } from '@prealert/core';
import {
  loadNationalLibrary,
  NATIONAL_VERSION,
  NATIONAL_VERSION_PUBLISHED,
  nationalDataDir,
  parseLimit,
  readFramework,
  readPublishedJson,
} from '@prealert/rules-cache';
import { describe, expect, it } from 'vitest';

const shared = join(nationalDataDir(), '..', '..', '..', 'shared', 'data', 'nhsa');

describe('embedded national library', () => {
  it('ships the published files unchanged', () => {
    for (const file of [
      'first_batch_knowledge_points.json',
      'batches_2_8_knowledge_points.json',
      'batches_9_17_knowledge_points.json',
      'revision_2026_01_knowledge_points.json',
      'rule_framework_1_0.json',
    ]) {
      let original: string;
      try {
        original = readFileSync(join(shared, file), 'utf8');
      } catch {
        continue; // shared/ is beside the checkout in development and CI; an installed copy has only its own.
      }
      expect(readFileSync(join(nationalDataDir(), file), 'utf8')).toBe(original);
    }
  });

  it('holds every published batch: 11,290 batch-1 codes and all 3,487 points, revised in place', () => {
    const published = loadNationalLibrary({ withRevision: false });
    expect(published.meta.version).toBe(NATIONAL_VERSION_PUBLISHED);
    const batch1 = published.knowledgePoints.filter((kp) => kp.batch === 1);
    expect(batch1).toHaveLength(1183);
    expect(batch1.reduce((n, kp) => n + kp.codes.length, 0)).toBe(11290);
    // 1,183 + 1,509 + 795 records; 4 prose pay-day points of batch 8 also name an interval, which is a point of its own.
    const records = 1183 + 1509 + 795;
    expect(published.knowledgePoints.length).toBe(records + 4);
    // Every published point lands in a kind: a parser change that drops or re-files points shows here.
    const kinds: Record<string, number> = {};
    for (const kp of published.knowledgePoints) kinds[kp.limit.kind] = (kinds[kp.limit.kind] ?? 0) + 1;
    expect(kinds).toEqual({
      sex: 871,
      age_group: 312,
      age_range: 1,
      insurance_type: 12,
      visit_type: 35,
      min_hospital_level: 61,
      max_pay_days: 41,
      max_qty_per_period: 67,
      max_qty_per_n_days: 18,
      time_window: 900,
      same_incision_group: 378,
      indication: 510,
      second_line: 110,
      internet_visit: 22,
      tcm_single_not_paid: 116,
      tcm_not_paid: 37,
    });

    const revised = loadNationalLibrary();
    expect(revised.meta.version).toBe(NATIONAL_VERSION);
    // One unrevised point names only codes a revised point of the same rule and kind now holds, under another
    // spelling of the drug (小儿清热止咳口服液(小儿清热止咳合剂) beside the revised 小儿清热止咳合剂(小儿清热止咳口服液)):
    // the revision is the rule's word on them, so that point goes and its codes meet one point each.
    expect(revised.knowledgePoints.length).toBe(published.knowledgePoints.length - 1);
    const namingCode = (lib: typeof published, code: string) =>
      lib.knowledgePoints.filter((kp) => kp.ruleId === 'GZ10000301002000' && kp.codes.includes(code));
    expect(namingCode(published, 'ZA06DAX0489010100430').map((kp) => kp.itemName)).toEqual([
      '小儿清热止咳口服液(小儿清热止咳合剂)',
    ]);
    expect(namingCode(revised, 'ZA06DAX0489010100430').map((kp) => kp.itemName)).toEqual([
      '小儿清热止咳合剂(小儿清热止咳口服液)',
    ]);
    // No code of a per-code kind is named by two points of one rule (incision groups and pairs rightly share).
    const seen = new Map<string, string>();
    for (const kp of revised.knowledgePoints) {
      if (kp.limit.kind === 'same_incision_group' || kp.limit.kind === 'time_window') continue;
      for (const code of kp.codes) {
        const key = `${kp.ruleId} ${kp.limit.kind} ${code}`;
        expect(seen.get(key), key).toBeUndefined();
        seen.set(key, kp.id);
      }
    }
    const apalutamide = (lib: typeof published) =>
      lib.knowledgePoints.find((kp) => kp.ruleId === 'GZ10000301004000' && kp.itemName === '阿帕他胺片')!;
    expect(apalutamide(revised).id).toBe(apalutamide(published).id);
    const revisedPoints = revised.knowledgePoints.filter(
      (kp) => kp.source === 'revision_2026_01_knowledge_points.json',
    );
    expect(revisedPoints).toHaveLength(397);
  });

  it('names rules from the 79-rule framework and compiles into a code index', () => {
    const lib = compileLibrary(loadNationalLibrary());
    expect(readFramework()).toHaveLength(79);
    expect(lib.rule('GZ10000301004000')?.name).toBe('药品区分性别使用');
    expect(lib.rule('GZ10000301004000')?.ruleClass).toBe('医疗类');
    expect(lib.rule('GZ10000101001000')?.ruleClass).toBe('政策类');
    expect(lib.codeCount).toBeGreaterThan(11290);
    expect(lib.lookup('XL02BBA326A001010102180')).toBeDefined();
  });
});

describe('age_group points: the range the basis states', () => {
  it('reads the ages of every 儿童 point that states them (or that its label gives adult dosing), and no others', () => {
    const y = (value: number, inclusive = true) => ({ value, unit: 'year', inclusive });
    const stated: Record<string, unknown> = {};
    for (const kp of loadNationalLibrary().knowledgePoints) {
      if (kp.limit.kind !== 'age_group') continue;
      const { kind: _kind, group: _group, ...range } = kp.limit;
      if (Object.keys(range).length > 0) stated[kp.itemName] = range;
    }
    expect(stated).toEqual({
      盐酸可乐定缓释片: { min: y(6), max: y(17) }, // 限6-17岁
      波生坦分散片: { min: y(3), max: y(12) }, // 限3-12岁
      '复方聚乙二醇(3350)电解质散': { min: y(2), max: y(11) }, // 限2岁至11岁
      玛巴洛沙韦干混悬剂: { min: y(5), max: y(12, false) }, // 限5至12岁以下
      硫酸氢司美替尼胶囊: { min: y(3) }, // 限3岁及3岁以上
      孟鲁司特钠口溶膜: { min: y(1), max: y(14) }, // 限：1.1岁至14岁…；2.2岁至14岁…
      '小儿多种维生素注射液(13)': { max: y(11, false) }, // 11周岁以下
      消旋卡多曲颗粒: { min: { value: 1, unit: 'month', inclusive: true } }, // 用于1月以上婴儿和儿童
      // （药品说明书包含成人用法用量）: no ceiling.
      小儿乳酸菌素片: { adultDosing: true },
      小儿硫酸庆大霉素颗粒: { adultDosing: true },
      小儿复方磺胺嘧啶颗粒: { adultDosing: true },
    });
    // 荆肤止痒颗粒 "疗程3至6天" is a course, not an age: the point keeps the group's ceiling.
    const course = loadNationalLibrary().knowledgePoints.find((kp) => kp.itemName === '荆肤止痒颗粒')!;
    expect(course.basis).toContain('疗程3至6天');
    expect(course.limit).toEqual({ kind: 'age_group', group: 'child' });
  });

  it('reads ranges, bounds and units as written; a range in the limit itself wins over the basis', () => {
    const read = (value: string, basis: string) => {
      const r = parseLimit('age_group', value, basis);
      return r.ok ? r.limits[0] : r.error;
    };
    const b = (value: number, unit: string, inclusive: boolean) => ({ value, unit, inclusive });
    expect(read('儿童', '限2岁至<18岁儿童')).toMatchObject({ min: b(2, 'year', true), max: b(18, 'year', false) });
    expect(read('儿童', '限12至＜18岁')).toMatchObject({ min: b(12, 'year', true), max: b(18, 'year', false) });
    expect(read('儿童', '适用于 ≥ 6 岁儿童')).toMatchObject({ min: b(6, 'year', true) });
    expect(read('儿童', '未满12周岁')).toMatchObject({ max: b(12, 'year', false) });
    expect(read('儿童', '12岁及以下')).toMatchObject({ max: b(12, 'year', true) });
    expect(read('婴幼儿', '限3月龄及以上')).toMatchObject({ group: 'infant', min: b(3, 'month', true) });
    expect(read('新生儿', '出生7天以内')).toMatchObject({ group: 'neonate', max: b(7, 'day', false) });
    expect(read('新生儿', '限2周以上新生儿')).toMatchObject({ min: b(14, 'day', true) });
    expect(read('儿童（6-17岁）', '限3-12岁')).toMatchObject({ min: b(6, 'year', true), max: b(17, 'year', true) });
    // Alternatives: an alternative without an age leaves the range open; durations are no ages.
    expect(read('儿童', '限：1.50岁以上的AMD；2.糖尿病性黄斑水肿')).toEqual({ kind: 'age_group', group: 'child' });
    expect(read('儿童', '用药3个月以上无效者；疗程7-14天')).toEqual({ kind: 'age_group', group: 'child' });
    expect(read('儿童（很小）', '')).toMatch(/年龄范围/);
  });
});

describe('published JSON import', () => {
  it('reports bad rows with their numbers and yields nothing', () => {
    const text = JSON.stringify({
      knowledge_points: [
        {
          rule_name: '药品区分性别使用',
          gz_code: 'GZ10000301004000',
          item_name: '阿帕他胺片',
          limit_type: 'sex',
          limit_value: '男',
          codes: ['XL02BBA326A001010102180'],
        },
        {
          rule_name: '药品区分性别使用',
          item_name: '',
          limit_type: 'sex',
          limit_value: '男',
          codes: ['XL02BBA326A001010178537'],
        },
        { rule_name: '药品区分性别使用', item_name: '艾附暖宫丸', limit_type: 'sex', limit_value: '女', codes: [] },
      ],
    });
    const r = readPublishedJson(text, 'batch.json');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.issues).toEqual([
        { file: 'batch.json', row: 2, field: 'item_name', message: '缺少必填字段' },
        { file: 'batch.json', row: 3, field: 'codes', message: 'codes 应为非空的国家编码数组' },
      ]);
    }
    expect(readPublishedJson('{"knowledge_points": [', 'x.json').ok).toBe(false);
  });

  it('an unknown limit_type in one row is reported while reading, and nothing is read', () => {
    const source = readPublishedJson(
      JSON.stringify([
        { rule_name: 'a', item_name: 'b', limit_type: 'sex', limit_value: '男', codes: ['XL02BBA326A001010102180'] },
        { rule_name: 'a', item_name: 'c', limit_type: 'colour', limit_value: '红', codes: ['XL02BBA326A001010178537'] },
        {
          rule_name: 'a',
          item_name: 'd',
          limit_type: 'sex',
          limit_value: '女',
          codes: ['ZD03AAA0043010100166'],
          effective_from: '2026-02-30',
        },
      ]),
      'local.json',
    );
    expect(source.ok).toBe(false);
    if (!source.ok)
      expect(source.issues.map((i) => [i.row, i.field])).toEqual([
        [2, 'limit_value'],
        [3, 'effective_from'],
      ]);
  });
});
