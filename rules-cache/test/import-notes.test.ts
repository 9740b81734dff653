import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coverageLines, libraryCoverage } from '@prealert/core';
import {
  formatIssues,
  libraryFromFiles,
  NATIONAL_BATCH_FILES,
  NATIONAL_REVISION_FILE,
  nationalDataDir,
  readPublishedJson,
} from '@prealert/rules-cache';
import { describe, expect, it } from 'vitest';

// What `bundle build` of the national sources tells IT besides the library (review F3, F7): the re-issue's records
// it says it left out, the published points whose code list is shorter than another point's for the same item, and
// how much of the library can only ask or hangs on a workstation setting.
const meta = { version: 'test', region: 'national', createdAt: '2026-01-28T00:00:00+08:00' };
const file = (name: string) => join(nationalDataDir(), name);
const build = (withRevision: boolean) => {
  const built = libraryFromFiles({
    meta,
    sources: NATIONAL_BATCH_FILES.map(file),
    revisions: withRevision ? [file(NATIONAL_REVISION_FILE)] : [],
  });
  if (!built.ok) throw new Error(formatIssues(built.issues));
  return built;
};

describe('import notes on the national sources', () => {
  const revised = build(true);
  const notes = revised.notes ?? [];

  it('say that the re-issue left 14 points out, naming its file', () => {
    const leftOut = notes.filter((n) => n.field === 'meta.left_out');
    expect(leftOut).toHaveLength(1);
    expect(leftOut[0]).toMatchObject({ file: file(NATIONAL_REVISION_FILE), row: 0 });
    expect(leftOut[0]!.message).toContain('另有 14 个重新发布的知识点未收入');
    expect(leftOut[0]!.message).toContain('仍按原批次的知识点及其编码判断');
    // Published without it: no such note.
    expect((build(false).notes ?? []).filter((n) => n.field === 'meta.left_out')).toEqual([]);
  });

  it('read meta.left_out only where it is a positive count', () => {
    const records =
      '[{"rule_name":"药品区分性别使用","item_name":"x","limit_type":"sex","limit_value":"男","codes":["XL02BBA326A001010102180"]}]';
    const read = (meta: string) => {
      const r = readPublishedJson(`{"meta":${meta},"knowledge_points":${records}}`, 'r.json');
      return r.ok ? r.value.leftOut : r.issues;
    };
    expect(read('{"left_out":14}')).toBe(14);
    expect(read('{"left_out":0}')).toBeUndefined();
    expect(read('{"left_out":"14"}')).toBeUndefined();
    expect(read('{}')).toBeUndefined();
  });

  it('name every point whose code list another point of the same item outgrows, 帕妥珠单抗注射液 among them', () => {
    const short = notes.filter((n) => n.field === 'codes');
    expect(short.map((n) => /^【(.+?)】(\S+) 只列 (\d+) 个编码，同一项目的 (\S+)（/.exec(n.message)!.slice(1))).toEqual(
      [
        ['艾地骨化醇软胶囊', '药品区分性别使用', '56', '药品限适应症'],
        ['黄体酮注射液(Ⅱ)', '药品区分性别使用', '5', '药品限适应症'],
        ['结构脂肪乳注射液(C6～24)', '药品限二线使用', '5', '药品限就医方式'],
        ['磷酸川芎嗪注射液', '药品限适应症', '32', '药品限支付疗程'],
        ['注射用曲克芦丁', '药品限支付疗程', '52', '药品限适应症'],
        ['帕妥珠单抗注射液', '药品限支付疗程', '1', '药品限适应症'],
        ['艾拉莫德片', '药品限二线使用', '20', '药品限适应症'],
        ['巴瑞替尼片', '药品限二线使用', '15', '药品限适应症'],
        ['甲磺酸贝舒地尔片', '药品限二线使用', '1', '药品限适应症'],
        ['盐酸伊立替康脂质体注射液', '药品限二线使用', '3', '药品限适应症'],
        ['注射用卡非佐米', '药品限二线使用', '3', '药品限适应症'],
      ],
    );
    const pertuzumab = short.find((n) => n.message.startsWith('【帕妥珠单抗注射液】'))!;
    expect(pertuzumab).toMatchObject({ file: file('batches_2_8_knowledge_points.json'), row: 138 });
    expect(pertuzumab.message).toBe(
      '【帕妥珠单抗注射液】药品限支付疗程 只列 1 个编码，同一项目的 药品限适应症（batches_9_17_knowledge_points.json 第 17 批）' +
        '列 5 个：其余 4 个（XL01FDP138B002010104021、XL01FDP138B002010104611、XL01FDP138B002010182983 等）不受此项限制',
    );
    // Reported, not widened: the library stays faithful to each published record.
    const payDays = revised.value.knowledgePoints.find(
      (kp) => kp.itemName === '帕妥珠单抗注射液' && kp.limit.kind === 'max_pay_days',
    );
    expect(payDays?.codes).toEqual(['XL01FDP138B002010181735']);
  });

  it('a local row that gives the limit to the other codes (the hospital’s decision) silences its note', () => {
    const dir = mkdtempSync(join(tmpdir(), 'import-notes-'));
    try {
      const local = join(dir, 'local.csv');
      const rows = [
        'XL01FDP138B002010104021',
        'XL01FDP138B002010104611',
        'XL01FDP138B002010182983',
        'XL01FDP138B002010282983',
      ].map(
        (code) => `药品限支付疗程,GZ10000101010000,drug,帕妥珠单抗注射液,max_pay_days,365天,支付不超过12个月,${code}`,
      );
      writeFileSync(
        local,
        ['rule_name,gz_code,item_type,item_name,limit_type,limit_value,basis,code', ...rows].join('\n'),
      );
      const built = libraryFromFiles({
        meta,
        sources: [...NATIONAL_BATCH_FILES.map(file), local],
        revisions: [file(NATIONAL_REVISION_FILE)],
      });
      expect(built.ok).toBe(true);
      const about = (name: string) => (built.ok ? (built.notes ?? []) : []).filter((n) => n.message.startsWith(name));
      expect(about('【帕妥珠单抗注射液】')).toEqual([]);
      expect(about('【注射用卡非佐米】')).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('count what the points can check, one line per class', () => {
    const coverage = libraryCoverage(revised.value.knowledgePoints);
    expect(coverage).toEqual({
      points: 3495,
      factual: 2473,
      indicationTextOnly: 435,
      indicationQuietOnDiagnosis: 75,
      secondLineClassFallback: 50,
      hospitalLevel: 61,
      hospitalLevelSpecialty: 5,
      employmentAge: 1,
      internetVisit: 22,
      inStageOnly: 378,
    });
    const lines = coverageLines(coverage);
    expect(lines[0]).toBe('2,473 decided on what the request carries');
    expect(lines).toContain('435 药品限适应症 text only: remind at sev 3 / confirm, no diagnosis check');
    expect(lines).toHaveLength(8);
    // A class with no point gets no line.
    expect(coverageLines(libraryCoverage([]))).toEqual(['0 decided on what the request carries']);
  });
});
