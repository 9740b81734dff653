/**
 * The local-additions CSV as hospital IT writes it in Excel on Chinese Windows: saved as GBK by 「CSV (逗号分隔)」,
 * codes typed in lower case, full width or with stray spaces, long numbers mangled by Excel, and rows of commas
 * only. Real files are written here and read through libraryFromFiles, as `prealert bundle build` reads them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compileLibrary, type LibraryData } from '@prealert/core';
import { generateSigningKeys, libraryFromFiles, readPrivateKey, writeBundle } from '@prealert/rules-cache';
import iconv from 'iconv-lite';
import { afterAll, describe, expect, it } from 'vitest';
import { resultsOf, run } from '../../packages/core/test/support/requests';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-local-csv-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const HEADER = 'rule_name,gz_code,item_type,item_name,limit_type,limit_value,basis,code';
/** Female-only drugs and a service of NHSA's first batch (shared/data/nhsa/first_batch_knowledge_points.json). */
const AIFU = 'ZD03AAA0043010100166'; // 艾附暖宫丸
const ANGONG = 'ZD01CAA0063010104080'; // 安宫止血颗粒
const AOTE = 'XJ02ACA397E001010184811'; // 奥特康唑胶囊
const BAOFU = 'ZD02BAB0236010101985'; // 保妇康凝胶
const UTERUS = '002101030300000'; // 子宫造影
/** 子宫内翻复位术: a national incision-group code no published point limits by sex. */
const UTERINE_INVERSION = '003313030240000';
const SEX_DRUG = '药品区分性别使用,GZ10000301004000,drug';
const SEX_SERVICE = '医疗服务项目区分性别使用,GZ10000302004000,service';

/** Writes the rows as Excel does (CRLF) in the given encoding and reads the file as the bundle CLI does. */
function readForm(name: string, rows: string[], encoding: 'gbk' | 'utf8' | 'utf8-bom' = 'utf8') {
  const file = path.join(tmp, name);
  const text = `${[HEADER, ...rows].join('\r\n')}\r\n`;
  const bytes =
    encoding === 'gbk'
      ? iconv.encode(text, 'gbk')
      : Buffer.from(`${encoding === 'utf8-bom' ? '\ufeff' : ''}${text}`, 'utf8');
  fs.writeFileSync(file, bytes);
  const result = libraryFromFiles({
    meta: { version: name.replace(/\W/g, '-'), region: 'H44010001', createdAt: '2026-11-20T08:00:00+08:00' },
    sources: [file],
  });
  return { file, result };
}

function library(name: string, rows: string[], encoding?: 'gbk' | 'utf8' | 'utf8-bom'): LibraryData {
  const { result } = readForm(name, rows, encoding);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.value;
}

/** The sex warnings a male patient's prescription of these codes gets from the library. */
function maleWarnings(lib: LibraryData, codes: string[]) {
  return resultsOf(run(compileLibrary(lib), { gend: '1', lines: codes.map((code) => ({ code })) }));
}

describe('local CSV from Excel', () => {
  const rows = [
    `${SEX_DRUG},艾附暖宫丸,sex,女,理气补血，暖宫调经。用于子宫虚寒，月经量少。,${AIFU}`,
    `${SEX_SERVICE},子宫造影,sex,女,限女性,${UTERUS}`,
  ];

  it('reads a GBK file (Excel 「CSV (逗号分隔)」) with its names and basis intact', () => {
    const lib = library('gbk.csv', rows, 'gbk');
    const points = lib.knowledgePoints.map((p) => ({
      rule: p.ruleId,
      name: p.itemName,
      basis: p.basis,
      codes: p.codes,
    }));
    expect(points).toEqual([
      {
        rule: 'GZ10000301004000',
        name: '艾附暖宫丸',
        basis: '理气补血，暖宫调经。用于子宫虚寒，月经量少。',
        codes: [AIFU],
      },
      { rule: 'GZ10000302004000', name: '子宫造影', basis: '限女性', codes: [UTERUS] },
    ]);
    // The same form saved as UTF-8, with or without BOM, is the same library.
    const strip = (l: LibraryData) => l.knowledgePoints.map(({ source: _, ...p }) => p);
    expect(strip(library('utf8.csv', rows))).toEqual(strip(lib));
    expect(strip(library('utf8-bom.csv', rows, 'utf8-bom'))).toEqual(strip(lib));
    const warnings = maleWarnings(lib, [AIFU]);
    expect(warnings.map((w) => w.rule_id)).toEqual(['GZ10000301004000']);
    expect(JSON.stringify(warnings[0])).toContain('艾附暖宫丸');
  });

  it("takes a rule's national code typed in lower case or with spaces as that rule", () => {
    const lib = library('gz-typed.csv', [`药品区分性别使用, gz10000301004000 ,drug,艾附暖宫丸,sex,女,,${AIFU}`]);
    expect(lib.knowledgePoints.map((p) => p.ruleId)).toEqual(['GZ10000301004000']);
    expect(lib.rules.find((r) => r.id === 'GZ10000301004000')?.name).toBe('药品区分性别使用');
  });

  it('reports a bad row of a GBK file in readable Chinese, saying how the file was read', () => {
    const { file, result } = readForm(
      'gbk-bad.csv',
      [...rows, `${SEX_DRUG},安宫止血颗粒,sex,不详,限女性,${ANGONG}`],
      'gbk',
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual([
      { file, row: 0, message: expect.stringContaining('GBK') },
      { file, row: 4, field: 'limit_value', message: expect.stringContaining('"不详"') },
    ]);
    fs.writeFileSync(path.join(tmp, 'binary.csv'), Buffer.from([0x41, 0x81, 0x20, 0xff, 0x0a]));
    const binary = libraryFromFiles({
      meta: { version: 'b', region: 'H', createdAt: '2026-11-20T08:00:00+08:00' },
      sources: [path.join(tmp, 'binary.csv')],
    });
    expect(binary.ok).toBe(false);
    if (!binary.ok) expect(binary.issues[0]?.message).toContain('既不是 UTF-8 也不是 GBK');
  });

  it('normalises codes typed in lower case, full width or with spaces, so the point fires on the national code', () => {
    const lib = library('codes.csv', [
      `${SEX_DRUG},艾附暖宫丸,sex,女,,${AIFU.toLowerCase()}`,
      `${SEX_DRUG},安宫止血颗粒,sex,女,,${ANGONG.replace(/[0-9A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))}`,
      `${SEX_DRUG},奥特康唑胶囊,sex,女,,"\u3000${AOTE.slice(0, 6)} ${AOTE.slice(6)}\u200b"`,
      `${SEX_DRUG},保妇康凝胶,sex,女,,\u00a0${BAOFU}\u3000`,
    ]);
    expect(lib.knowledgePoints.map((p) => p.codes)).toEqual([[AIFU], [ANGONG], [AOTE], [BAOFU]]);
    const warnings = maleWarnings(lib, [AIFU, ANGONG, AOTE, BAOFU]);
    expect(warnings.map((w) => w.rule_id)).toEqual(Array(4).fill('GZ10000301004000'));
  });

  it('refuses codes Excel mangled or whose shape does not fit the item type, by file, row and field', () => {
    const { file, result } = readForm('mangled.csv', [
      `${SEX_SERVICE},子宫造影,sex,女,,1.201E+12`,
      `${SEX_SERVICE},子宫输卵管碘油造影,sex,女,,2101030310000`,
      `${SEX_DRUG},艾附暖宫丸,sex,女,,${AIFU.slice(0, -1)}`,
      `${SEX_DRUG},奥特康唑胶囊,sex,女,,${UTERUS}`,
      `${SEX_SERVICE},输精管造影,sex,男,,2101030`,
      `${SEX_DRUG},保妇康凝胶,sex,女,,${BAOFU}`,
    ]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual([
      { file, row: 2, field: 'code', message: expect.stringContaining('Excel 科学计数法') },
      { file, row: 3, field: 'code', message: expect.stringContaining('去掉了开头的 0') },
      { file, row: 4, field: 'code', message: expect.stringContaining('与项目类别 drug 不符') },
      { file, row: 5, field: 'code', message: expect.stringContaining('与项目类别 drug 不符') },
      { file, row: 6, field: 'code', message: expect.stringContaining('与项目类别 service 不符') },
    ]);
  });

  it('skips rows of commas only (Excel) and reports a later bad row by its line in the file', () => {
    const empty = ',,,,,,,';
    const lib = library('commas-ok.csv', [rows[0]!, empty, empty, rows[1]!, empty, empty]);
    expect(lib.knowledgePoints.map((p) => p.itemName)).toEqual(['艾附暖宫丸', '子宫造影']);
    const { file, result } = readForm('commas-bad.csv', [
      rows[0]!,
      empty,
      ' , ,,,,,, ',
      `${SEX_DRUG},安宫止血颗粒,sex,不详,,${ANGONG}`,
      empty,
    ]);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues).toEqual([expect.objectContaining({ file, row: 5, field: 'limit_value' })]);
  });
});

const NHSA = '/work/shared/data/nhsa';
const INDICATION = 'GZ10000101008000';
const APREPITANT = 'XA04ADA285B002010102180'; // 阿瑞匹坦注射液, 限放化疗。 (batch 12, six codes)
const APREPITANT_OTHER = 'XA04ADA285B002010102777'; // the same point's next code, which the row does not map
// The top README's own example row, with its two date columns (empty: always).
const README_ROW = `药品限适应症,${INDICATION},drug,阿瑞匹坦注射液,indication,限放化疗。|Z51.0;Z51.1,限放化疗。,${APREPITANT}`;

/** The national library with its revision and a one-row local CSV after it, as the provincial platform builds it. */
function nationalWith(name: string, row: string): LibraryData {
  const csv = path.join(tmp, `${name}.csv`);
  fs.writeFileSync(csv, `${HEADER},effective_from,effective_to\n${row}\n`);
  const built = libraryFromFiles({
    meta: { version: 'prov-2026.11b', region: '440000', createdAt: '2026-11-20T08:00:00+08:00' },
    sources: [
      'first_batch_knowledge_points.json',
      'batches_2_8_knowledge_points.json',
      'batches_9_17_knowledge_points.json',
    ]
      .map((f) => path.join(NHSA, f))
      .concat(csv),
    revisions: [path.join(NHSA, 'revision_2026_01_knowledge_points.json')],
  });
  if (!built.ok) throw new Error(JSON.stringify(built.issues.slice(0, 3)));
  return built.value;
}

/** The indication reminders of one line of `code` prescribed (and requested) on `day`. */
function indicationReminders(lib: LibraryData, code: string, diagnoses: string[], day = '2026-11-20') {
  const request = {
    diagnoses,
    adm_date: `${day} 08:30:00`,
    lines: [{ code, rx_id: 'R1', pric: 50, date: `${day} 09:00:00` }],
  };
  return resultsOf(run(compileLibrary(lib), request, undefined, '3101', new Date(`${day}T06:00:00Z`)), INDICATION);
}

describe('a local indication mapping beside the national text-only point (audit finding 3)', () => {
  const lib = nationalWith('aprepitant', `${README_ROW},,`);
  const reminders = (code: string, diagnoses: string[]) => indicationReminders(lib, code, diagnoses);

  it('takes the code from the national point, which keeps its other five', () => {
    const points = lib.knowledgePoints.filter((kp) => kp.ruleId === INDICATION && kp.itemName === '阿瑞匹坦注射液');
    const national = points.find((kp) => kp.source === 'batches_9_17_knowledge_points.json')!;
    const local = points.find((kp) => kp.source === 'aprepitant.csv')!;
    expect(local.codes).toEqual([APREPITANT]);
    expect(national.codes).toHaveLength(5);
    expect(national.codes).not.toContain(APREPITANT);
    expect(national.codes).toContain(APREPITANT_OTHER);
  });

  it('gives the mapped code one reminder, the mapping’s, and the others the text-only one as published', () => {
    const [mapped, ...more] = reminders(APREPITANT, ['E11.900']);
    expect(more).toEqual([]);
    expect(mapped).toMatchObject({ sev_deg: '2', wf_impact: 'reason' });
    expect(mapped!.vola_cont).toContain('本次诊断为 E11.900，不在限定范围');
    expect(reminders(APREPITANT, ['Z51.100'])).toEqual([]);
    const [textOnly, ...others] = reminders(APREPITANT_OTHER, ['E11.900']);
    expect(others).toEqual([]);
    expect(textOnly).toMatchObject({ sev_deg: '3', wf_impact: 'confirm' });
  });
});

/**
 * rules.md's text-only reminder stands "until a local mapping adds prefixes": where the mapping is not in effect
 * (before its effective_from, after its effective_to) the national point still speaks for the code, or the line would
 * get no reminder at all. Inside the window the mapping alone speaks, as above.
 */
describe('a local indication mapping with effective dates', () => {
  const expired = nationalWith('aprepitant-expired', `${README_ROW},,2026-06-30`);
  const future = nationalWith('aprepitant-future', `${README_ROW},2027-01-01,`);
  const spring = nationalWith('aprepitant-spring', `${README_ROW},2026-03-01,2026-06-30`);
  const textOnly = { sev_deg: '3', wf_impact: 'confirm' };
  const mapping = { sev_deg: '2', wf_impact: 'reason' };
  const severities = (lib: LibraryData, day: string) =>
    indicationReminders(lib, APREPITANT, ['E11.900'], day).map((r) => ({ sev_deg: r.sev_deg, wf_impact: r.wf_impact }));

  it('after the mapping’s effective_to, reminds the code with the national text again', () => {
    expect(severities(expired, '2026-11-20')).toEqual([textOnly]);
    expect(severities(expired, '2026-07-01')).toEqual([textOnly]);
    expect(severities(expired, '2026-06-30')).toEqual([mapping]);
  });

  it('before the mapping’s effective_from, reminds the code with the national text', () => {
    expect(severities(future, '2026-11-20')).toEqual([textOnly]);
    expect(severities(future, '2026-12-31')).toEqual([textOnly]);
    expect(severities(future, '2027-01-01')).toEqual([mapping]);
    expect(indicationReminders(future, APREPITANT, ['Z51.100'], '2027-02-01')).toEqual([]);
  });

  it('on both sides of a closed window, and the national point’s other codes stay as published', () => {
    expect(severities(spring, '2026-02-28')).toEqual([textOnly]);
    expect(severities(spring, '2026-03-01')).toEqual([mapping]);
    expect(severities(spring, '2026-06-30')).toEqual([mapping]);
    expect(severities(spring, '2026-07-01')).toEqual([textOnly]);
    const other = indicationReminders(spring, APREPITANT_OTHER, ['E11.900'], '2026-04-01');
    expect(other.map((r) => r.sev_deg)).toEqual(['3']);
    // The copies before and after are points of their own: a bundle refuses two points with one id.
    const ids = spring.knowledgePoints.map((kp) => kp.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('outside the days of all mappings of the code, not between two that meet', () => {
    const halves = nationalWith(
      'aprepitant-halves',
      `${README_ROW},2026-01-01,2026-03-31\n${README_ROW},2026-04-01,2026-06-30`,
    );
    expect(severities(halves, '2025-12-31')).toEqual([textOnly]);
    expect(severities(halves, '2026-03-31')).toEqual([mapping]);
    expect(severities(halves, '2026-04-01')).toEqual([mapping]);
    expect(severities(halves, '2026-07-01')).toEqual([textOnly]);
    // The two rows differ in their dates only: two points, which a bundle carries only under two ids.
    const keys = generateSigningKeys(path.join(tmp, 'keys'));
    const written = writeBundle({
      library: halves,
      privateKey: readPrivateKey(keys.privateKeyFile),
      outDir: path.join(tmp, 'halves-bundle'),
    });
    expect(written.manifest.signed.library.knowledge_points).toBe(halves.knowledgePoints.length);
  });

  it('gives each window the same id whatever the row order, and the national point its own', () => {
    const spring = `${README_ROW},2026-01-01,2026-03-31`;
    const summer = `${README_ROW},2026-04-01,2026-06-30`;
    // A point of the hospital's own (a limit NHSA does not publish for the code) in two windows.
    const ownSpring = `${SEX_SERVICE},子宫内翻复位术(院内),sex,女,限女性,${UTERINE_INVERSION},2026-01-01,2026-03-31`;
    const ownSummer = `${SEX_SERVICE},子宫内翻复位术(院内),sex,女,限女性,${UTERINE_INVERSION},2026-04-01,2026-06-30`;
    const idsByWindow = (lib: LibraryData) =>
      Object.fromEntries(
        lib.knowledgePoints
          .filter((kp) => kp.source?.endsWith('.csv'))
          .map((kp) => [`${kp.itemName} ${kp.effectiveFrom}..${kp.effectiveTo}`, kp.id]),
      );
    const forward = nationalWith('windows-forward', [spring, summer, ownSpring, ownSummer].join('\n'));
    const backward = nationalWith('windows-backward', [ownSummer, summer, ownSpring, spring].join('\n'));
    expect(Object.keys(idsByWindow(forward))).toHaveLength(4);
    // Stats by kp_id and the delta join a window to the same window of the next build, however the CSV was sorted.
    expect(idsByWindow(backward)).toEqual(idsByWindow(forward));
    const ids = backward.knowledgePoints.map((kp) => kp.id);
    expect(new Set(ids).size).toBe(ids.length);
    const published = (lib: LibraryData) =>
      lib.knowledgePoints.find(
        (kp) => kp.source === 'batches_9_17_knowledge_points.json' && kp.codes.includes(APREPITANT_OTHER),
      );
    expect(published(forward)?.id).toBe('kp-75819a1059a32a1d');
    expect(published(backward)?.id).toBe('kp-75819a1059a32a1d');
  });
});
