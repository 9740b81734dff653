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
    // 1,183 + 1,509 + 795 records. 4 prose pay-day points of batch 8 also name an interval (评定间隔时间不短于14天,
    // 每周最多支付一次), but each interval is also published as a 周期超频次 point of its own, which decides it alone.
    const records = 1183 + 1509 + 795;
    // Four indication texts of batches 13 and 14 say 住院患者方予支付 / 住院方可支付 for codes no batch-4 point of
    // 药品限就医方式 names: each also becomes a visit-type point (below).
    expect(published.knowledgePoints.length).toBe(records + 4);
    const frequency = (name: string) =>
      published.knowledgePoints.filter((kp) => kp.itemName === name && kp.limit.kind === 'max_qty_per_n_days');
    expect(frequency('手功能评定').map((kp) => kp.limitText)).toEqual(['1/14天']);
    expect(frequency('儿童听力障碍语言训练').map((kp) => kp.limitText)).toEqual(['1/7天']);
    // Every published point lands in a kind: a parser change that drops or re-files points shows here.
    const kinds: Record<string, number> = {};
    for (const kp of published.knowledgePoints) kinds[kp.limit.kind] = (kinds[kp.limit.kind] ?? 0) + 1;
    expect(kinds).toEqual({
      sex: 871,
      age_group: 312,
      age_range: 1,
      insurance_type: 12,
      visit_type: 35 + 4,
      min_hospital_level: 61,
      max_pay_days: 41,
      max_qty_per_period: 67,
      max_qty_per_n_days: 14,
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
    // Six revised pay-day points say "住院方可支付，单次最多支付N天": each also becomes a visit-type point (住院). Of
    // the indication texts, three now name codes no visit-type point holds (the revision moved them out of their
    // siblings' batch-4 points), and one (利钠肽) names only codes a revised pay-days text already gave one.
    expect(revised.knowledgePoints.length).toBe(published.knowledgePoints.length - 4 - 1 + 6 + 3);
    const inpatientOnly = (lib: typeof published) =>
      lib.knowledgePoints
        .filter((kp) => kp.limit.kind === 'visit_type' && kp.batch !== 4)
        .map((kp) => `${kp.ruleId} ${kp.itemName} 第${kp.batch}批 ${kp.codes.join(',')}`);
    // Filed under 药品限就医方式 as batch 4 files the same sentence, never under the rule of the text it was read
    // from (review F6: 药品限支付疗程), each keeping only the codes no other visit-type point holds (review F5).
    expect(inpatientOnly(revised)).toEqual([
      'PA-DRUG-VISIT-TYPE 银杏二萜内酯葡胺注射液 第6批 ZA12HAY0771010101463,ZA12HAY0771020101463,ZA12HAY0771030101463',
      'PA-DRUG-VISIT-TYPE 银杏内酯注射液 第6批 ZA12HAY0759010106725,ZA12HAY0759020106725,ZA12HAY0759020206725,ZA12HAY0759030106725',
      'PA-DRUG-VISIT-TYPE 注射用丹参多酚酸 第6批 ZA12GAZ0555010100940,ZA12GAZ0555010200940',
      'PA-DRUG-VISIT-TYPE 注射用黄芪多糖 第6批 ZC02AAZ0407010100869,ZC02AAZ0407010200869,ZC02AAZ0407020100869',
      'PA-DRUG-VISIT-TYPE 注射用益气复脉(冻干) 第6批 ZA09HAZ0413010100940,ZA09HAZ0413010200940',
      'PA-DRUG-VISIT-TYPE 注射用重组人脑利钠肽 第6批 XC01EBC109B001010102049,XC01EBC109B001010106553,XC01EBC109B001020102049',
      'PA-DRUG-VISIT-TYPE 复方氨基酸注射液(15AA-SF) 第13批 XB05BAF145B002010101949',
      'PA-DRUG-VISIT-TYPE 复方氨基酸注射液(9AA-SF) 第13批 XB05BAF164B002010101949',
      'PA-DRUG-VISIT-TYPE 结构脂肪乳注射液(C6～24) 第13批 XB05BAJ113B002010110137',
    ]);
    expect(inpatientOnly(published)).toEqual([
      'PA-DRUG-VISIT-TYPE 复方氨基酸注射液(15AA) 第13批 XB05BAF145B002010104051',
      'PA-DRUG-VISIT-TYPE 复方氨基酸注射液(6AA) 第13批 XB05BAF162B002010104051',
      'PA-DRUG-VISIT-TYPE 结构脂肪乳注射液(C6～24) 第13批 XB05BAJ113B002010102180,XB05BAJ113B002010110137,XB05BAJ113B002010178432',
      'PA-DRUG-VISIT-TYPE 注射用重组人脑利钠肽 第14批 XC01EBC109B001010102049,XC01EBC109B001010106553,XC01EBC109B001020102049',
    ]);
    // They keep the ids they had under the rule of their text: stored figures by kp_id still find them.
    expect(revised.knowledgePoints.find((kp) => kp.id === 'kp-e16bd409405aaab5-2')?.ruleId).toBe('PA-DRUG-VISIT-TYPE');
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
    // 397 records; six of them also give a visit-type point (住院方可支付).
    expect(revisedPoints).toHaveLength(397 + 6);
    expect(revised.rules.find((r) => r.id === 'PA-DRUG-VISIT-TYPE')).toMatchObject({
      name: '药品限就医方式',
      severity: 1,
    });
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

describe('pay-days points: what the text says is counted', () => {
  it('files every national pay-days point as a span, an admission, an episode or plain distinct days', () => {
    const counted: Record<string, string[]> = {};
    for (const kp of loadNationalLibrary().knowledgePoints) {
      if (kp.limit.kind !== 'max_pay_days') continue;
      const { count = 'plain', months } = kp.limit;
      counted[count] ??= [];
      counted[count].push(`${kp.itemName} ${kp.limit.days}${months ? `/${months}个月` : ''}`);
    }
    expect(counted).toEqual({
      // 支付不超过12个月, 支付不超过一年, 总时间不超过90天.
      span: [
        '帕妥珠单抗注射液 365/12个月',
        '手功能评定 90',
        '手功能评定(徒手) 90',
        '手功能评定(仪器) 90',
        '儿童听力障碍语言训练 365/12个月',
      ],
      // 住院方可支付，单次最多支付14天 (the 2026-01 revision's wording of 单次住院最多支付14天).
      admission: [
        '银杏二萜内酯葡胺注射液 14',
        '银杏内酯注射液 14',
        '注射用丹参多酚酸 14',
        '注射用黄芪多糖 14',
        '注射用益气复脉(冻干) 14', // published "15天"; its basis says 14 (pay-days-basis.test.ts)
        '注射用重组人脑利钠肽 3',
      ],
      // 限新发的…, 在发作48小时内开始使用, 一个疾病过程.
      episode: [
        '奥扎格雷氨丁三醇注射用浓溶液 14',
        '奥扎格雷钠注射液 14',
        '丁苯酞氯化钠注射液 14',
        '丁苯酞软胶囊 20',
        '曲克芦丁注射液 14',
        '依达拉奉右莰醇注射用浓溶液 14',
        '注射用奥扎格雷钠 14',
        '注射用曲克芦丁 14',
        '注射用尤瑞克林 21',
        '平衡功能训练 90',
        '手功能训练 90',
        '关节松动训练(大关节) 90',
      ],
      plain: [
        '吡拉西坦注射液 14',
        '葛根素注射液 14',
        '磷酸川芎嗪注射液 14',
        '磷酸川芎嗪注射液(供静脉注射用) 14',
        '天麻素注射液 14',
        '盐酸川芎嗪注射液 14',
        '银杏达莫注射液 14',
        '银杏叶提取物注射液 14',
        '注射用吡拉西坦 14',
        '注射用葛根素 14',
        '注射用磷酸川芎嗪 14',
        '注射用七叶皂苷钠 10',
        '注射用天麻素 14',
        '注射用盐酸川芎嗪 14',
        '减重支持系统训练 30',
        '轮椅功能训练 30',
        '电动起立床训练 30',
        '职业功能训练 90',
      ],
    });
  });

  it('reads the wording of the original batch 6 and of local limits alike', () => {
    const read = (type: string, value: string, basis: string) => {
      const r = parseLimit(type, value, basis);
      return r.ok ? r.limits[0] : r.error;
    };
    expect(read('max_pay_days', '14天', '限…脑梗死恢复期患者，单次住院最多支付14天。')).toEqual({
      kind: 'max_pay_days',
      days: 14,
      count: 'admission',
    });
    expect(read('max_pay_days', '730天', '支付不超过两年')).toMatchObject({ count: 'span', months: 24 });
    expect(read('max_pay_days', '180天', '支付不超过六个月')).toMatchObject({ count: 'span', months: 6 });
    expect(read('max_pay_days_text', '总时间不超过30天。', '')).toEqual({
      kind: 'max_pay_days',
      days: 30,
      count: 'span',
    });
    expect(read('max_pay_days', '14天', '支付不超过14天。')).toEqual({ kind: 'max_pay_days', days: 14 });
    // A duration that limits the patient or a session, not what is paid, is no span.
    expect(read('max_pay_days', '14天', '限发病不超过6个月的患者，支付不超过14天')).toEqual({
      kind: 'max_pay_days',
      days: 14,
    });
    expect(read('max_pay_days_text', '每日训练总时间不超过2小时，支付不超过30天', '')).toEqual({
      kind: 'max_pay_days',
      days: 30,
    });
  });

  it('reads "说明书包含成人用法用量" as adult dosing, and not its negation', () => {
    const adult = (basis: string) => {
      const r = parseLimit('age_group', '儿童', basis);
      return r.ok && r.limits[0]!.kind === 'age_group' ? (r.limits[0]!.adultDosing ?? false) : r;
    };
    expect(adult('（药品说明书包含成人用法用量）')).toBe(true);
    expect(adult('说明书中包含成人剂量')).toBe(true);
    expect(adult('药品说明书没有成人用法用量')).toBe(false);
    expect(adult('说明书中未包含成人剂量')).toBe(false);
    expect(adult('说明书不含成人用量')).toBe(false);
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
      // The field at fault is the type, not its value.
      expect(source.issues.map((i) => [i.row, i.field])).toEqual([
        [2, 'limit_type'],
        [3, 'effective_from'],
      ]);
  });
});
