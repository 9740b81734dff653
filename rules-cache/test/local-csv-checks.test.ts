/**
 * A hospital's own CSV rows built with the real national sources and the 2026-01 re-issue, as `prealert bundle build`
 * reads them (libraryFromFiles): the robustness review's cases (F1, F2, F4, F8). A row is imported or reported by
 * file and row, never dropped or bent without a word.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compileLibrary, type KnowledgePoint, type LibraryData, type Limit } from '@prealert/core';
import {
  buildLibrary,
  canonicalJson,
  type ImportIssue,
  type ImportResult,
  libraryFromFiles,
  readCsv,
  readFramework,
  readPublishedJson,
} from '@prealert/rules-cache';
import { afterAll, describe, expect, it } from 'vitest';
import { resultsOf, run } from '../../packages/core/test/support/requests';
import { contradictingLocalLimits, type LocalRows } from '../src/local-contradictions';
import { withoutLocalRepeats } from '../src/local-repeats';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-local-csv-checks-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const NHSA = '/work/shared/data/nhsa';
const BATCHES = [
  'first_batch_knowledge_points.json',
  'batches_2_8_knowledge_points.json',
  'batches_9_17_knowledge_points.json',
].map((f) => path.join(NHSA, f));
const REVISION = path.join(NHSA, 'revision_2026_01_knowledge_points.json');
const HEADER = 'rule_name,gz_code,item_type,item_name,limit_type,limit_value,basis,code';
const SEX = 'GZ10000301004000';
const SEX_DRUG = `药品区分性别使用,${SEX},drug`;
/** Two 艾地骨化醇软胶囊 codes the re-issued 限女性 point leaves out (batch 17's indication point lists them). */
const ELDECALCITOL = ['XA11CCA351E002010184386', 'XA11CCA351E002010284386'];
/** 爱普列特片 (限男性), a code of its first-batch point and of its re-issue. */
const EPRISTERIDE = 'XG04CBA088A001010101467';
/** 度他雄胺软胶囊 (限男性, first batch). */
const DUTASTERIDE = 'XG04CBD247E002010101503';
/** 度拉糖肽注射液 (batch 5 and the re-issue: 二级, first prescription only). */
const DULAGLUTIDE = 'XA10BJD332B002010178403';

function csv(name: string, lines: string[]): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, `${lines.join('\r\n')}\r\n`);
  return file;
}

function build(csvFiles: string[], revision = true): ImportResult<LibraryData> {
  return libraryFromFiles({
    meta: { version: 'hosp-2026.11', region: '440000', createdAt: '2026-11-20T08:00:00+08:00' },
    sources: [...BATCHES, ...csvFiles],
    revisions: revision ? [REVISION] : [],
  });
}

function built(csvFiles: string[], revision = true): LibraryData {
  const result = build(csvFiles, revision);
  if (!result.ok) throw new Error(JSON.stringify(result.issues.slice(0, 3)));
  return result.value;
}

function issuesOf(result: ImportResult<LibraryData>): ImportIssue[] {
  if (result.ok) throw new Error('built, though it should have been refused');
  return result.issues;
}

const localPoints = (lib: LibraryData, file: string) =>
  lib.knowledgePoints.filter((kp) => kp.source === path.basename(file));

/** The sex warnings a patient's prescription of `code` gets. */
const sexWarnings = (lib: LibraryData, code: string, gend: '1' | '2') =>
  resultsOf(run(compileLibrary(lib), { gend, lines: [{ code }] }), SEX);

describe('local rows and the 2026-01 re-issue (review F1)', () => {
  const eldecalcitol = csv('local-eldecalcitol.csv', [
    HEADER,
    ...ELDECALCITOL.map((c) => `${SEX_DRUG},艾地骨化醇软胶囊,sex,女,限绝经后妇女骨质疏松。本院同品规,${c}`),
  ]);

  it('keeps a local row whose rule and item name the re-issue re-publishes, and it warns a man', () => {
    const lib = built([eldecalcitol]);
    expect(localPoints(lib, eldecalcitol).map((kp) => ({ rule: kp.ruleId, codes: kp.codes }))).toEqual([
      { rule: SEX, codes: ELDECALCITOL },
    ]);
    // The re-issued national point stands beside it, with its own codes.
    const national = lib.knowledgePoints.filter(
      (kp) => kp.ruleId === SEX && kp.itemName === '艾地骨化醇软胶囊' && kp.source === path.basename(REVISION),
    );
    expect(national).toHaveLength(1);
    expect(national[0]!.codes).not.toContain(ELDECALCITOL[0]);
    for (const code of ELDECALCITOL) {
      const [warning, ...more] = sexWarnings(lib, code, '1');
      expect(more).toEqual([]);
      expect(warning!.vola_cont).toContain('艾地骨化醇软胶囊');
      expect(sexWarnings(lib, code, '2')).toEqual([]);
    }
  });

  it('keeps a local row whose code a re-issued point lists: it repeats that point, so a note names it, one warning', () => {
    // Before review F1 the row vanished without a word; now the re-issued point warns for it and the note says so.
    const own = csv('local-epristeride.csv', [HEADER, `${SEX_DRUG},本院爱普列特片,sex,男,本院规定,${EPRISTERIDE}`]);
    const result = build([own]);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(localPoints(result.value, own)).toEqual([]);
    expect(result.notes).toContainEqual({
      file: own,
      row: 2,
      field: 'code',
      message: expect.stringMatching(
        new RegExp(
          `^与国家知识点重复：revision_2026_01_knowledge_points\\.json.*【爱普列特片】男 已对编码 ${EPRISTERIDE} 提醒`,
        ),
      ),
    });
    expect(sexWarnings(result.value, EPRISTERIDE, '2')).toHaveLength(1);
  });
});

describe('contradicting local rows for one code (review F2)', () => {
  it('refuses 男 and 女 for one code under one rule, naming both rows, and merges the exact repeat', () => {
    const file = csv('local-dup-contradictory.csv', [
      HEADER,
      `${SEX_DRUG},本院度他雄胺,sex,男,本院规定,${DUTASTERIDE}`,
      `${SEX_DRUG},本院度他雄胺,sex,女,本院规定,${DUTASTERIDE}`,
      `${SEX_DRUG},本院度他雄胺,sex,男,本院规定, ${DUTASTERIDE.toLowerCase().replace('002', '００２')} `,
    ]);
    expect(issuesOf(build([file]))).toEqual([
      {
        file,
        row: 3,
        field: 'limit_value',
        message: expect.stringMatching(
          new RegExp(
            `^与 local-dup-contradictory\\.csv:2 矛盾：同一规则、同一编码 ${DUTASTERIDE}，此行限定 "女"，该行限定 "男"`,
          ),
        ),
      },
    ]);
  });

  it('across two files, naming the other file; not on days that do not overlap, nor for another code', () => {
    const dated = `${HEADER},effective_from,effective_to`;
    const male = csv('local-male.csv', [dated, `${SEX_DRUG},本院度他雄胺,sex,男,本院规定,${DUTASTERIDE},,2026-06-30`]);
    const female = csv('local-female.csv', [dated, `${SEX_DRUG},度他雄胺(院内),sex,女,本院规定,${DUTASTERIDE},,`]);
    expect(issuesOf(build([male, female]))).toEqual([
      { file: female, row: 2, field: 'limit_value', message: expect.stringContaining('与 local-male.csv:2 矛盾') },
    ]);
    const later = csv('local-later.csv', [
      dated,
      `${SEX_DRUG},度他雄胺(院内),sex,女,本院规定,${DUTASTERIDE},2026-07-01,`,
      `${SEX_DRUG},本院爱普列特片,sex,女,本院规定,${EPRISTERIDE},,`,
    ]);
    expect(localPoints(built([male, later]), later)).toHaveLength(2);
  });

  it('compares limits whatever their keys’ order, as the repeat check does: one limit is no contradiction', () => {
    // The hospital's row of 度拉糖肽 (二级, first prescription only, as batch 5 says), and the same limit with its keys
    // in canonical order, as a bundle line holds it: one limit, which the repeat check already took for a repeat.
    const row = `药品限医疗机构级别,GZ10000101012000,drug,本院度拉糖肽,min_hospital_level,二级,首次处方时需由二级及以上医疗机构专科医师开具处方。,${DULAGLUTIDE}`;
    const local = readCsv(`${HEADER}\n${row}\n`, 'local.csv');
    if (!local.ok) throw new Error(JSON.stringify(local.issues));
    const result = buildLibrary({
      meta: { version: 'hosp-2026.11', region: '440000', createdAt: '2026-11-20T08:00:00+08:00' },
      sources: [local.value],
      framework: readFramework(),
    });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const [typed] = result.value.knowledgePoints.filter((kp) => kp.source === 'local.csv');
    const sorted = JSON.parse(canonicalJson(typed!.limit)) as Limit;
    expect(Object.keys(sorted)).not.toEqual(Object.keys(typed!.limit));
    const again: KnowledgePoint = { ...typed!, codes: [...typed!.codes], itemName: '度拉糖肽(本院)', limit: sorted };
    const points = [typed!, again];
    const rows = new Map<KnowledgePoint, LocalRows>([
      [typed!, { file: 'local.csv', codeRows: [2] }],
      [again, { file: 'local.csv', codeRows: [3] }],
    ]);
    // It was refused: 「此行限定 "二级"，该行限定 "二级"，不能同时成立」.
    expect(contradictingLocalLimits(points, rows)).toEqual([]);
    expect(withoutLocalRepeats(points, rows)).toEqual([
      { file: 'local.csv', row: 3, field: 'code', message: expect.stringMatching(/^与 local\.csv:2 重复：/) },
    ]);
    expect(points).toEqual([typed]);
  });
});

describe("a local row's gz_code (review F4)", () => {
  it('refuses a code outside the framework, naming the file, row and the code its rule_name has', () => {
    const file = csv('badgz.csv', [
      HEADER,
      `药品区分性别使用,GZ99999999999999,drug,本院度他雄胺,sex,女,本院规定,${DUTASTERIDE}`,
    ]);
    expect(issuesOf(build([file]))).toEqual([
      {
        file,
        row: 2,
        field: 'gz_code',
        message:
          '规则编码 "GZ99999999999999" 不在国家规则框架 1.0 的 79 条规则中：「药品区分性别使用」的规则编码为 GZ10000301004000',
      },
    ]);
  });

  it("refuses another rule's code, and lists the nearest codes for a rule of the hospital's own", () => {
    const file = csv('othergz.csv', [
      HEADER,
      `药品区分性别使用,GZ10000302004000,drug,本院度他雄胺,sex,女,本院规定,${DUTASTERIDE}`,
      `本院性别限定,GZ10000301004001,drug,本院度他雄胺,sex,女,本院规定,${DUTASTERIDE}`,
    ]);
    expect(issuesOf(build([file]))).toEqual([
      {
        file,
        row: 2,
        field: 'gz_code',
        message: expect.stringContaining(
          '规则编码 GZ10000302004000 在规则框架中是「医疗服务项目区分性别使用」，与 rule_name「药品区分性别使用」不符',
        ),
      },
      {
        file,
        row: 3,
        field: 'gz_code',
        message: expect.stringContaining('最接近的框架编码：GZ10000301004000（药品区分性别使用）'),
      },
    ]);
  });

  it('files a row without gz_code under the framework rule its rule_name names, not a second rule of that name', () => {
    const file = csv('nogz.csv', [
      'rule_name,item_type,item_name,limit_type,limit_value,basis,code',
      `药品区分性别使用,drug,本院度他雄胺,sex,女,本院规定,${DUTASTERIDE}`,
    ]);
    const lib = built([file]);
    expect(localPoints(lib, file).map((kp) => kp.ruleId)).toEqual([SEX]);
    expect(lib.rules.filter((r) => r.name === '药品区分性别使用').map((r) => r.id)).toEqual([SEX]);
  });
});

describe('CSV header problems (review F8)', () => {
  it('reports a missing limit_value column as the header’s, naming the column and the rows that need it', () => {
    const file = csv('missingcol.csv', [
      'rule_name,gz_code,item_type,item_name,limit_type,code',
      `${SEX_DRUG},阿帕他胺片,sex,XL02BBA326A001010102180`,
      `${SEX_DRUG},本院度他雄胺,sex,${DUTASTERIDE}`,
    ]);
    expect(issuesOf(build([file]))).toEqual([
      {
        file,
        row: 1,
        field: 'limit_value',
        message: '表头缺少 limit_value 列：第 2 行 等 2 行的 limit_type sex 需要限定值',
      },
    ]);
  });

  it('reads header names whatever their case or spaces, and takes a file without basis (it is optional)', () => {
    const spaced = csv('spacedhdr.csv', [
      ' rule_name , gz_code ,item_type,Item_Name,LIMIT_TYPE,limit_value,basis,Code',
      `${SEX_DRUG},本院度他雄胺,sex,女,本院规定,${DUTASTERIDE}`,
    ]);
    const noBasis = csv('nobasis.csv', [
      'rule_name,gz_code,item_type,item_name,limit_type,limit_value,code',
      `${SEX_DRUG},度他雄胺(院内),sex,女,${EPRISTERIDE}`,
    ]);
    const lib = built([spaced, noBasis]);
    expect(localPoints(lib, spaced).map((kp) => kp.codes)).toEqual([[DUTASTERIDE]]);
    expect(localPoints(lib, noBasis).map((kp) => kp.basis)).toEqual(['']);
  });

  it('names a missing or doubled column in the header, in Chinese', () => {
    const file = csv('nocode.csv', [
      'rule_name,gz_code,item_type,item_name,limit_type,limit_value,basis,CODES,limit_value',
      `${SEX_DRUG},本院度他雄胺,sex,女,本院规定,${DUTASTERIDE},男`,
    ]);
    expect(issuesOf(build([file]))).toEqual([
      { file, row: 1, field: 'code', message: '表头缺少 code 列' },
      { file, row: 1, field: 'limit_value', message: '表头有两个 limit_value 列' },
      { file, row: 1, field: 'codes', message: '表头 codes 列不是已知列，是否为 code？' },
    ]);
  });

  it('reports a CSV that does not parse at the line where it breaks, in Chinese', () => {
    const cut = csv('trunc.csv', [HEADER, `${SEX_DRUG},阿帕他胺片,sex`]);
    expect(issuesOf(build([cut]))).toEqual([
      { file: cut, row: 2, message: expect.stringMatching(/^CSV 无法解析：该行有 5 列，表头有 8 列/) },
    ]);
    const open = csv('unclosed.csv', [
      HEADER,
      `${SEX_DRUG},本院度他雄胺,sex,女,本院规定,${DUTASTERIDE}`,
      `${SEX_DRUG},本院度他雄胺,sex,女,"本院规定,${DUTASTERIDE}`,
      `${SEX_DRUG},本院度他雄胺,sex,女,本院规定,${DUTASTERIDE}`,
    ]);
    const [issue, ...more] = issuesOf(build([open]));
    expect(more).toEqual([]);
    expect(issue).toEqual({ file: open, row: 3, message: expect.stringContaining('没有结束的引号') });
    expect(issue!.message).not.toMatch(/[A-Za-z]{4,}/);
  });
});

describe('header columns that are none of the form', () => {
  const dated = `${HEADER},effective_from,effective_to`;

  it('refuses a misspelt column at row 1, naming it and the column meant, so an end date is not dropped', () => {
    // efective_to: the hospital's 2026-06-30 end was read as no end, and the limit ran for ever.
    const endTypo = csv('typo-end.csv', [
      dated.replace('effective_to', 'Efective_To'),
      `${SEX_DRUG},本院爱普列特片,sex,男,本院规定,${ELDECALCITOL[0]},,2026-06-30`,
    ]);
    const valueTypo = csv('typo-value.csv', [
      HEADER.replace('limit_value', 'limit_valu').replace(',code', ',cdoe'),
      `${SEX_DRUG},本院度他雄胺,sex,男,本院规定,${ELDECALCITOL[1]}`,
    ]);
    const good = csv('typo-good.csv', [HEADER, `${SEX_DRUG},本院艾地骨化醇,sex,女,本院规定,${ELDECALCITOL[0]}`]);
    expect(issuesOf(build([endTypo, valueTypo, good]))).toEqual([
      { file: endTypo, row: 1, field: 'efective_to', message: '表头 efective_to 列不是已知列，是否为 effective_to？' },
      { file: valueTypo, row: 1, field: 'code', message: '表头缺少 code 列' },
      { file: valueTypo, row: 1, field: 'limit_valu', message: '表头 limit_valu 列不是已知列，是否为 limit_value？' },
      { file: valueTypo, row: 1, field: 'cdoe', message: '表头 cdoe 列不是已知列，是否为 code？' },
    ]);
  });

  it('imports a file with a 备注 or notes column, and says in a note that the column was left out', () => {
    const file = csv('remarks.csv', [
      `${HEADER},备注,Notes`,
      `${SEX_DRUG},本院艾地骨化醇,sex,女,本院规定,${ELDECALCITOL[0]},2026-11 医保办核对,ok`,
    ]);
    const result = build([file]);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(localPoints(result.value, file).map((kp) => kp.codes)).toEqual([[ELDECALCITOL[0]]]);
    const columnNotes = (result.notes ?? []).filter((n) => n.file === file);
    expect(columnNotes).toEqual([
      { file, row: 1, field: '备注', message: expect.stringMatching(/^表头 备注 列不是导入格式的列，其内容未导入/) },
      { file, row: 1, field: 'notes', message: expect.stringMatching(/^表头 notes 列不是导入格式的列，其内容未导入/) },
    ]);
  });

  it('notes a column whose header cell is empty by its place, 第 N 列, even beside an empty trailing column', () => {
    // A header deleted in Excel: its values stay under an empty cell; Excel's trailing comma adds another, unfilled.
    const [before, after] = [HEADER.split(',').slice(0, 4), HEADER.split(',').slice(4)];
    const file = csv('unnamed-column.csv', [
      [...before, '', ...after, ''].join(','),
      [SEX_DRUG, '本院艾地骨化醇', '仅限妇科开具', 'sex', '女', '本院规定', ELDECALCITOL[0], ''].join(','),
    ]);
    const result = build([file]);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(localPoints(result.value, file).map((kp) => kp.codes)).toEqual([[ELDECALCITOL[0]]]);
    expect(result.notes?.filter((n) => n.file === file)).toEqual([
      { file, row: 1, message: '表头第 5 列没有列名，其内容未导入' },
    ]);
  });

  it('takes a column near one the header already has for the hospital’s own, noted, not a slip', () => {
    // yb_code (医保编码) is two edits from gz_code and codes one from code; with both present neither is a slip.
    const file = csv('own-columns.csv', [
      `${HEADER},yb_code,codes`,
      `${SEX_DRUG},本院艾地骨化醇,sex,女,本院规定,${ELDECALCITOL[0]},Y01,1`,
    ]);
    const result = build([file]);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(localPoints(result.value, file).map((kp) => kp.codes)).toEqual([[ELDECALCITOL[0]]]);
    expect(result.notes?.filter((n) => n.file === file).map((n) => n.field)).toEqual(['yb_code', 'codes']);
  });
});

describe('local rows repeating a published point', () => {
  it('leave the doctor one warning, the published point’s, and a note naming the row and the point', () => {
    // 度他雄胺软胶囊 限男性 is in the first batch; the hospital typed it again, with one code of its own beside it.
    const file = csv('repeat-dutasteride.csv', [
      HEADER,
      `${SEX_DRUG},本院度他雄胺,sex,男,本院规定,${ELDECALCITOL[0]}`,
      `${SEX_DRUG},本院度他雄胺,sex,男,本院规定,${DUTASTERIDE}`,
    ]);
    const result = build([file]);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const warnings = sexWarnings(result.value, DUTASTERIDE, '2');
    expect(warnings.map((w) => w.kp_id)).toEqual(['kp-ac0c5690f274bb8f']);
    // The row's other code is no repeat: it stays, and warns.
    expect(localPoints(result.value, file).map((kp) => kp.codes)).toEqual([[ELDECALCITOL[0]]]);
    expect(sexWarnings(result.value, ELDECALCITOL[0]!, '2')).toHaveLength(1);
    expect(result.notes?.filter((n) => n.file === file)).toEqual([
      {
        file,
        row: 3,
        field: 'code',
        message:
          `与国家知识点重复：first_batch_knowledge_points.json 第 1 批【度他雄胺软胶囊】男 已对编码 ${DUTASTERIDE} 提醒` +
          '（kp-ac0c5690f274bb8f），本行在其有效期内不再另行提醒，以免同一医嘱提醒两次',
      },
    ]);
  });

  it('are not a repeat under another rule; a dated row within the published point’s days leaves no point', () => {
    const dated = `${HEADER},effective_from,effective_to`;
    const file = csv('repeat-dated.csv', [
      dated,
      `${SEX_DRUG},本院度他雄胺,sex,男,本院规定,${DUTASTERIDE},2026-01-01,2026-12-31`,
      `药品限就医方式,,drug,本院度他雄胺,visit_type,住院,本院规定,${DUTASTERIDE},,`,
    ]);
    const result = build([file]);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(localPoints(result.value, file).map((kp) => kp.limit.kind)).toEqual(['visit_type']);
    expect(result.notes?.filter((n) => n.file === file).map((n) => n.row)).toEqual([2]);
  });

  it('on days a dated published point does not hold, the local row still warns (none published has dates yet)', () => {
    const first = readPublishedJson(fs.readFileSync(BATCHES[0]!, 'utf8'), BATCHES[0]!);
    if (!first.ok) throw new Error(JSON.stringify(first.issues));
    const record = first.value.records.find(
      (r) => r.record.codes.includes(DUTASTERIDE) && r.record.limit_type === 'sex',
    );
    const published = {
      file: BATCHES[0]!,
      records: [{ ...record!, record: { ...record!.record, effective_to: '2026-06-30' } }],
    };
    const local = readCsv(`${HEADER}\n${SEX_DRUG},本院度他雄胺,sex,男,本院规定,${DUTASTERIDE}\n`, 'local.csv');
    if (!local.ok) throw new Error(JSON.stringify(local.issues));
    const result = buildLibrary({
      meta: { version: 'hosp-2026.11', region: '440000', createdAt: '2026-11-20T08:00:00+08:00' },
      sources: [published, local.value],
      framework: readFramework(),
    });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const lib = compileLibrary(result.value);
    const on = (day: string) =>
      resultsOf(
        run(
          lib,
          { gend: '2', adm_date: `${day} 08:30:00`, lines: [{ code: DUTASTERIDE, date: `${day} 09:00:00` }] },
          undefined,
          '3101',
          new Date(`${day}T06:00:00Z`),
        ),
        SEX,
      ).map((r) => r.kp_id);
    expect(on('2026-06-30')).toEqual(['kp-ac0c5690f274bb8f']);
    const [after] = on('2026-07-01');
    expect(after).toMatch(/^kp-.*-x[0-9a-f]{6}$/);
    expect(result.value.knowledgePoints.find((kp) => kp.id === after)?.effectiveFrom).toBe('2026-07-01');
  });
});

describe('local rows repeating each other', () => {
  /** The 女 warnings a man's 3101 line of `code` gets: one per point that holds it. */
  const femaleOnly = (lib: LibraryData, code: string) => sexWarnings(lib, code, '1').map((w) => w.kp_id);

  it('under another item name or basis leave one warning, the first row’s, and a note naming the row repeated', () => {
    // Typed by two people: 艾地骨化醇软胶囊 and 艾地骨化醇软胶囊(本院), one code in both, another only in the second.
    const file = csv('repeat-local.csv', [
      HEADER,
      `${SEX_DRUG},艾地骨化醇软胶囊,sex,女,本院规定,${ELDECALCITOL[0]}`,
      `${SEX_DRUG},艾地骨化醇软胶囊(本院),sex,女,限绝经后妇女骨质疏松,${ELDECALCITOL[0]}`,
      `${SEX_DRUG},艾地骨化醇软胶囊(本院),sex,女,限绝经后妇女骨质疏松,${ELDECALCITOL[1]}`,
    ]);
    const result = build([file]);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    // One 3101 line of the shared code, one result (it was two: one per row's point).
    expect(femaleOnly(result.value, ELDECALCITOL[0]!)).toHaveLength(1);
    const points = localPoints(result.value, file);
    expect(points.map((kp) => [kp.itemName, kp.codes])).toEqual([
      ['艾地骨化醇软胶囊', [ELDECALCITOL[0]]],
      ['艾地骨化醇软胶囊(本院)', [ELDECALCITOL[1]]],
    ]);
    expect(femaleOnly(result.value, ELDECALCITOL[0]!)).toEqual([points[0]!.id]);
    expect(femaleOnly(result.value, ELDECALCITOL[1]!)).toEqual([points[1]!.id]);
    expect(result.notes?.filter((n) => n.file === file)).toEqual([
      {
        file,
        row: 3,
        field: 'code',
        message:
          `与 repeat-local.csv:2 重复：同一规则、同一限定、同一编码 ${ELDECALCITOL[0]}（该行【艾地骨化醇软胶囊】女），` +
          '本行在该行有效期内不再另行提醒，以免同一医嘱提醒两次',
      },
    ]);
  });

  it('across two files: the earlier file keeps the code, the later one’s row names it', () => {
    const first = csv('repeat-first.csv', [HEADER, `${SEX_DRUG},艾地骨化醇软胶囊,sex,女,本院规定,${ELDECALCITOL[0]}`]);
    const second = csv('repeat-second.csv', [
      HEADER,
      `${SEX_DRUG},艾地骨化醇(妇科),sex,女,妇科补录,${ELDECALCITOL[0]}`,
    ]);
    const result = build([first, second]);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(localPoints(result.value, second)).toEqual([]);
    expect(femaleOnly(result.value, ELDECALCITOL[0]!)).toEqual([localPoints(result.value, first)[0]!.id]);
    expect(result.notes?.filter((n) => n.file === second)).toEqual([
      { file: second, row: 2, field: 'code', message: expect.stringMatching(/^与 repeat-first\.csv:2 重复：/) },
    ]);
  });

  it('a row repeating a published point and an earlier row names both', () => {
    // 度他雄胺软胶囊 限男性 is in the first batch; two people of the hospital typed it again, in two files.
    const first = csv('repeat-both-first.csv', [HEADER, `${SEX_DRUG},本院度他雄胺,sex,男,本院规定,${DUTASTERIDE}`]);
    const second = csv('repeat-both-second.csv', [
      HEADER,
      `${SEX_DRUG},度他雄胺(院内),sex,男,泌尿科补录,${DUTASTERIDE}`,
    ]);
    const result = build([first, second]);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(sexWarnings(result.value, DUTASTERIDE, '2').map((w) => w.kp_id)).toEqual(['kp-ac0c5690f274bb8f']);
    const nhsa =
      `与国家知识点重复：first_batch_knowledge_points.json 第 1 批【度他雄胺软胶囊】男 已对编码 ${DUTASTERIDE} 提醒` +
      '（kp-ac0c5690f274bb8f）';
    expect(result.notes?.filter((n) => n.file === first || n.file === second)).toEqual([
      {
        file: first,
        row: 2,
        field: 'code',
        message: `${nhsa}，本行在其有效期内不再另行提醒，以免同一医嘱提醒两次`,
      },
      {
        file: second,
        row: 2,
        field: 'code',
        // It named the published point alone, and the hospital never heard that its own files say it twice.
        message:
          `${nhsa}；也与 repeat-both-first.csv:2 重复（该行【本院度他雄胺】男），` +
          '本行在二者有效期内不再另行提醒，以免同一医嘱提醒两次',
      },
    ]);
  });

  it('a limit over a whole code list (pay days of two packs added up) is repeated only by the same list', () => {
    // 14 days of the drug alone, and 14 days of its two packs together: 8 days of each pack breaks only the second.
    const payDays = (name: string, code: string) =>
      `药品限支付疗程,GZ10000101010000,drug,${name},max_pay_days,14天,本院规定,${code}`;
    const file = csv('pay-days-packs.csv', [
      HEADER,
      payDays('艾地骨化醇软胶囊', ELDECALCITOL[0]!),
      payDays('艾地骨化醇软胶囊(两规格合计)', ELDECALCITOL[0]!),
      payDays('艾地骨化醇软胶囊(两规格合计)', ELDECALCITOL[1]!),
      payDays('艾地骨化醇(两规格)', ELDECALCITOL[1]!),
      payDays('艾地骨化醇(两规格)', ELDECALCITOL[0]!),
    ]);
    const result = build([file]);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    // The two-pack point keeps both codes (it held ELDECALCITOL[1] alone, and added up nothing); the same two-pack
    // list typed again, in another order, is the repeat.
    expect(localPoints(result.value, file).map((kp) => [kp.itemName, [...kp.codes].sort()])).toEqual([
      ['艾地骨化醇软胶囊', [ELDECALCITOL[0]]],
      ['艾地骨化醇软胶囊(两规格合计)', [...ELDECALCITOL].sort()],
    ]);
    expect(result.notes?.filter((n) => n.file === file)).toEqual([
      { file, row: 5, field: 'code', message: expect.stringMatching(/^与 pay-days-packs\.csv:3 重复：/) },
    ]);
  });

  it('stand where they rightly differ: days apart, another limit of a kind one code holds several of', () => {
    const dated = `${HEADER},effective_from,effective_to`;
    const apart = csv('repeat-apart.csv', [
      dated,
      `${SEX_DRUG},艾地骨化醇软胶囊,sex,女,本院规定,${ELDECALCITOL[0]},,2026-06-30`,
      `${SEX_DRUG},艾地骨化醇软胶囊(本院),sex,女,本院规定,${ELDECALCITOL[0]},2026-07-01,`,
      `药品限适应症,GZ10000101008000,drug,艾地骨化醇软胶囊,indication,限骨质疏松|M81,本院规定,${ELDECALCITOL[1]},,`,
      `药品限适应症,GZ10000101008000,drug,艾地骨化醇(本院),indication,限骨质疏松|M80,本院规定,${ELDECALCITOL[1]},,`,
    ]);
    const result = build([apart]);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(localPoints(result.value, apart)).toHaveLength(4);
    expect(result.notes?.filter((n) => n.file === apart)).toEqual([]);
  });

  it('on days the earlier row does not hold, the later row still warns', () => {
    const dated = `${HEADER},effective_from,effective_to`;
    const file = csv('repeat-longer.csv', [
      dated,
      `${SEX_DRUG},艾地骨化醇软胶囊,sex,女,本院规定,${ELDECALCITOL[0]},,2026-06-30`,
      `${SEX_DRUG},艾地骨化醇软胶囊(本院),sex,女,本院规定,${ELDECALCITOL[0]},,`,
    ]);
    const result = build([file]);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const lib = compileLibrary(result.value);
    const on = (day: string) =>
      resultsOf(
        run(
          lib,
          { gend: '1', adm_date: `${day} 08:30:00`, lines: [{ code: ELDECALCITOL[0]!, date: `${day} 09:00:00` }] },
          undefined,
          '3101',
          new Date(`${day}T06:00:00Z`),
        ),
        SEX,
      ).map((r) => r.kp_id);
    const [kept] = localPoints(result.value, file);
    expect(on('2026-06-30')).toEqual([kept!.id]);
    const [after] = on('2026-07-01');
    expect(after).toMatch(/^kp-.*-x[0-9a-f]{6}$/);
    expect(result.value.knowledgePoints.find((kp) => kp.id === after)?.itemName).toBe('艾地骨化醇软胶囊(本院)');
  });
});
