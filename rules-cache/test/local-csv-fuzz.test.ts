/**
 * Local CSVs mutated from real valid rows (real national records, one of each limit type with its first codes), fed
 * to libraryFromFiles and, where they import, to writeBundle: what `prealert bundle build` calls. The property: a
 * file either imports and its bundle is written, or it is refused with a report whose every issue names the file and
 * a row of it; nothing throws; and what imports can apply: no point's effective_from is after its effective_to, no
 * count or period is 0, no age range is inverted (local-csv-void-rows.test.ts). A seeded generator (no property library is a dependency of rules-cache), so a failure
 * names its case and replays. The cases it found are pinned by plain tests of their own (local-csv-figures.test.ts).
 * To hunt further: PREALERT_CSV_FUZZ_SEED=7 PREALERT_CSV_FUZZ_CASES=20000 (5–10 ms a case).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KnowledgePoint } from '@prealert/core';
import { generateSigningKeys, libraryFromFiles, readPrivateKey, writeBundle } from '@prealert/rules-cache';
import { afterAll, describe, expect, it } from 'vitest';
import { CSV_COLUMNS } from '../src/csv-header';

const NHSA = '/work/shared/data/nhsa';
const SOURCES = [
  'first_batch_knowledge_points.json',
  'batches_2_8_knowledge_points.json',
  'batches_9_17_knowledge_points.json',
];
const HEADER = CSV_COLUMNS.join(',');
const SEED = Number(process.env.PREALERT_CSV_FUZZ_SEED ?? 20261201);
const CASES = Number(process.env.PREALERT_CSV_FUZZ_CASES ?? 400);
/** Built with the national sources too (repeats, contradictions, indication mappings): each such build takes ~0.3 s. */
const NATIONAL_CASES = 8;
const NATIONAL = SOURCES.map((name) => path.join(NHSA, name));

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prealert-local-csv-fuzz-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const privateKey = readPrivateKey(generateSigningKeys(path.join(tmp, 'keys')).privateKeyFile);

interface NationalRecord {
  rule_name: string;
  gz_code: string | null;
  item_type: string;
  item_name: string;
  limit_type: string;
  limit_value: string | null;
  basis: string;
  codes: string[];
}

/**
 * The first record of each limit type as rows, one per code (a pair keeps both codes), cells not yet CSV; a pair's
 * rows are one group, so a case takes both or neither.
 */
function realRows(): string[][][] {
  const seen = new Set<string>();
  const groups: string[][][] = [];
  for (const name of SOURCES) {
    const { knowledge_points: points } = JSON.parse(fs.readFileSync(path.join(NHSA, name), 'utf8')) as {
      knowledge_points: NationalRecord[];
    };
    for (const p of points) {
      if (seen.has(p.limit_type)) continue;
      seen.add(p.limit_type);
      const codes = p.limit_type === 'time_window' ? p.codes.slice(0, 2) : p.codes.slice(0, 1);
      groups.push(
        codes.map((code) => [
          p.rule_name,
          p.gz_code ?? '',
          p.item_type,
          p.item_name,
          p.limit_type,
          p.limit_value ?? '',
          p.basis,
          code,
          '2026-01-01',
          '',
        ]),
      );
    }
  }
  return groups;
}

/** mulberry32: small, seeded, the same sequence on every platform. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const cell = (text: string): string => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

const NUMBERS = [
  '1'.repeat(400),
  '9'.repeat(309),
  `${'1'.repeat(400)}.5`,
  '9'.repeat(20),
  '-5',
  'NaN',
  'Infinity',
  '1e309',
  '0',
  '0.0000001',
  '1.5.3',
  '００',
];
/** Limit texts of every kind that are near the form but wrong, or at its edges. */
const VALUES = [
  `${'1'.repeat(400)}/日`,
  `1/${'9'.repeat(400)}天`,
  `${'2'.repeat(400)}小时`,
  '1/0天',
  '0/日',
  '-1/日',
  '1/日/日',
  '0小时',
  '[150,0]',
  '[1e3,5]',
  `儿童（${'9'.repeat(30)}岁以上）`,
  '儿童（0-0天）',
  '|',
  'ICD:',
  `限2型糖尿病患者。|${'E11;'.repeat(2000)}`,
  '限：1.；2.；3.',
  '0',
  '6',
  '主任医师副',
  '\u0000',
];
/** The real rows start on 2026-01-01: an effective_to before it is a window of no day. */
const DATES = [
  '9999-12-31',
  '0000-01-01',
  '0001-01-01',
  '2026-13-01',
  '2026-02-30',
  '1970-01-01',
  '2025-12-31',
  '275760-09-13',
  '2026/01/01',
  '',
];

/** Mutations of one row's cells, each something a hand-edited Excel file has or a fuzzer would try. */
/** A figure of the limit (or, less often, of the basis) replaced: the class of the Infinity crash, so it is drawn most. */
function numberMutation(random: Random, cells: string[]): void {
  const i = /\d/.test(cells[5]!) && random() < 0.8 ? 5 : 6;
  cells[i] = /\d+/.test(cells[i]!) ? cells[i]!.replace(/\d+/, pick(random, NUMBERS)) : pick(random, NUMBERS);
}

const CELL_MUTATIONS: ((random: Random, cells: string[]) => void)[] = [
  numberMutation,
  numberMutation,
  numberMutation,
  (random, cells) => {
    cells[Math.floor(random() * cells.length)] = '';
  },
  (random, cells) => {
    cells[5] = pick(random, VALUES);
  },
  (random, cells) => {
    cells[pick(random, [8, 9])] = pick(random, DATES);
  },
  (random, cells) => {
    // Two cells swapped, as a column pasted one place off.
    const i = Math.floor(random() * cells.length);
    const j = Math.floor(random() * cells.length);
    [cells[i], cells[j]] = [cells[j]!, cells[i]!];
  },
  (random, cells) => {
    const i = Math.floor(random() * cells.length);
    cells[i] = cells[i]!.replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
  },
  (random, cells) => {
    const i = Math.floor(random() * cells.length);
    cells[i] = cells[i]!.repeat(2 + Math.floor(random() * 2000)).slice(0, 20_000 + Math.floor(random() * 80_000));
  },
  (random, cells) => {
    const i = Math.floor(random() * cells.length);
    cells[i] = `\ufeff${cells[i]}`;
  },
  (random, cells) => {
    const i = Math.floor(random() * cells.length);
    cells[i] = pick(random, ['\u0000', '\ufffd', '\u200b', ' ', '\t', '\u3000', '🙂', '\\']) + cells[i]!;
  },
  (random, cells) => {
    // Another row's kind under this row's value, or the reverse.
    cells[4] = pick(random, KINDS);
  },
  (random, cells) => {
    // Names of Object's own members in the free-text cells looked up in tables: rule_name `constructor` found a
    // function where a rule id was looked for.
    cells[pick(random, [0, 2, 4])] = pick(random, [
      'constructor',
      '__proto__',
      'toString',
      'valueOf',
      'hasOwnProperty',
    ]);
  },
];

/** Mutations of the file's text after the rows are written as CSV. */
const TEXT_MUTATIONS: ((random: Random, text: string) => string)[] = [
  (random, text) => {
    const at = Math.floor(random() * text.length);
    return `${text.slice(0, at)}"${text.slice(at)}`;
  },
  (_random, text) => text.replace(/\r\n/g, '\r'),
  (_random, text) => text.replace(/\r\n/g, '\n'),
  (_random, text) => `\ufeff${text}`,
  (_random, text) => `\ufeff\ufeff${text}`,
  () => `${HEADER}\r\n`,
  () => HEADER,
  (_random, text) => `${HEADER}\r\n${text}`,
  (random, text) => text.replace(HEADER, `${HEADER},${pick(random, CSV_COLUMNS)}`),
  (random, text) => {
    const lines = text.split('\r\n');
    const i = 1 + Math.floor(random() * Math.max(1, lines.length - 2));
    lines[i] = pick(random, [`${lines[i]},`, lines[i]!.replace(/,[^,]*$/, ''), ',,,,,,,', '']);
    return lines.join('\r\n');
  },
  (random, text) => {
    const at = Math.floor(random() * text.length);
    return text.slice(0, at);
  },
  (_random, text) => text.replace(/,/g, '，'),
];

/** How the text is saved: UTF-8 as Excel's 「CSV UTF-8」, UTF-16 with a BOM, or bytes valid in no encoding. */
const ENCODINGS: ((text: string) => Buffer)[] = [
  (text) => Buffer.from(text, 'utf8'),
  (text) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
  (text) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf16le')]),
  (text) => Buffer.concat([Buffer.from(text, 'utf8'), Buffer.from([0xff, 0xff, 0x80])]),
];

interface Case {
  text: string;
  bytes: Buffer;
  steps: string[];
}

function mutatedCase(random: Random, groups: readonly string[][][]): Case {
  const chosen = groups.filter(() => random() < 0.3);
  const cells = (chosen.length > 0 ? chosen : [pick(random, groups)]).flat().map((r) => [...r]);
  const steps: string[] = [];
  // A third of the cases change one cell and nothing else: with several changes most files are refused for the
  // first one found, and what a later one would have done is never reached.
  const single = random() < 0.35;
  for (let n = single ? 0 : Math.floor(random() * 3); n >= 0; n--) {
    const m = Math.floor(random() * CELL_MUTATIONS.length);
    CELL_MUTATIONS[m]!(random, pick(random, cells));
    steps.push(`cell ${m}`);
  }
  let text = `${[HEADER, ...cells.map((r) => r.map(cell).join(','))].join('\r\n')}\r\n`;
  if (!single && random() < 0.6) {
    const m = Math.floor(random() * TEXT_MUTATIONS.length);
    text = TEXT_MUTATIONS[m]!(random, text);
    steps.push(`text ${m}`);
  }
  const e = random() < 0.85 ? 0 : Math.floor(random() * ENCODINGS.length);
  if (e > 0) steps.push(`encoding ${e}`);
  return { text, bytes: ENCODINGS[e]!(text), steps };
}

/** How the cases ended, so a run where every case is refused (or none is) shows the property was not exercised. */
const outcomes = { imported: 0, refused: 0 };

/**
 * Why an imported point can never apply as meant, or undefined: no day in its window, a count or period of 0, an age
 * range with its lower bound above its upper. Read from the point as the evaluator reads it, not by the importer's
 * own check, so the property does not restate the code it tests.
 */
function voidPoint(kp: KnowledgePoint): string | undefined {
  if (kp.effectiveFrom && kp.effectiveTo && kp.effectiveFrom > kp.effectiveTo)
    return `no day: ${kp.effectiveFrom}…${kp.effectiveTo}`;
  const limit = kp.limit;
  if ('qty' in limit && limit.qty === 0) return 'a quantity of 0';
  if ('days' in limit && limit.days === 0) return 'a period of 0 days';
  if (limit.kind === 'time_window' && limit.window === 'hours' && limit.hours === 0) return 'a window of 0 hours';
  if (limit.kind === 'age_range' && 'minYears' in limit && limit.minYears > limit.maxYears)
    return 'an inverted age range';
  const { min, max } = limit.kind === 'age_group' ? limit : {};
  if (min && max && min.unit === max.unit && min.value > max.value) return 'an inverted age range';
  return undefined;
}

/**
 * What is wrong with one case: a throw, a refusal whose issue names no row of the file, or an imported point that
 * can never apply as meant. Undefined: it held.
 */
function problemOf(index: number, text: string, bytes: Buffer, national = false): string | undefined {
  const file = path.join(tmp, `fuzz-${index}.csv`);
  fs.writeFileSync(file, bytes);
  const lines = text.split(/\r\n|\r|\n/).length;
  try {
    const meta = { version: `fuzz-${index}`, region: '440000', createdAt: '2026-11-20T08:00:00+08:00' };
    const result = libraryFromFiles({ meta, sources: [...(national ? NATIONAL : []), file] });
    if (result.ok) {
      for (const kp of result.value.knowledgePoints) {
        const why = voidPoint(kp);
        if (why !== undefined) return `imported ${kp.id} (${kp.limitText}), which can never apply as meant: ${why}`;
      }
      writeBundle({ library: result.value, privateKey, outDir: path.join(tmp, 'bundle') });
      outcomes.imported++;
      return undefined;
    }
    if (result.issues.length === 0) return 'refused with no issue';
    outcomes.refused++;
    for (const issue of result.issues) {
      if (issue.file !== file && !NATIONAL.includes(issue.file))
        return `an issue names another file: ${JSON.stringify(issue)}`;
      if (!Number.isInteger(issue.row) || issue.row < 0 || issue.row > lines)
        return `an issue names no row of the file: ${JSON.stringify(issue)}`;
      if (typeof issue.message !== 'string' || issue.message === '' || /\n\s+at /.test(issue.message))
        return `an issue's message is empty or a stack: ${JSON.stringify(issue).slice(0, 300)}`;
    }
    return undefined;
  } catch (error) {
    return `threw ${String(error).slice(0, 300)}`;
  }
}

const KINDS = [
  'sex',
  'age_group',
  'age_range',
  'insurance_type',
  'visit_type',
  'min_hospital_level',
  'max_pay_days',
  'max_pay_days_text',
  'max_qty_per_period',
  'max_qty_per_n_days',
  'time_window',
  'same_incision_group',
  'tcm_not_paid',
  'tcm_single_not_paid',
  'internet_visit',
  'indication',
  'dept_limit',
  'doctor_title_limit',
  'second_line',
];

describe('mutated local CSVs import or are refused naming a row; nothing throws', () => {
  const groups = realRows();

  it('the real rows themselves import and bundle', () => {
    const text = `${[HEADER, ...groups.flat().map((r) => r.map(cell).join(','))].join('\r\n')}\r\n`;
    expect(problemOf(-1, text, Buffer.from(text))).toBeUndefined();
    const result = libraryFromFiles({
      meta: { version: 'fuzz-base', region: '440000', createdAt: '2026-11-20T08:00:00+08:00' },
      sources: [path.join(tmp, 'fuzz--1.csv')],
    });
    expect(result.ok).toBe(true);
  });

  it(`${CASES} cases from seed ${SEED}`, () => {
    const random = generator(SEED);
    const failures: string[] = [];
    for (let i = 0; i < CASES; i++) {
      const { text, bytes, steps } = mutatedCase(random, groups);
      const problem = problemOf(i, text, bytes);
      if (problem !== undefined)
        failures.push(`case ${i} (${steps.join(', ')}): ${problem}\n  ${JSON.stringify(text.slice(0, 300))}`);
    }
    expect(failures).toEqual([]);
    expect(outcomes.imported).toBeGreaterThan(CASES / 10);
    expect(outcomes.refused).toBeGreaterThan(CASES / 10);
  });

  it(`${NATIONAL_CASES} cases from seed ${SEED + 1}, with the national sources`, () => {
    const random = generator(SEED + 1);
    const failures: string[] = [];
    for (let i = 0; i < NATIONAL_CASES; i++) {
      const { text, bytes, steps } = mutatedCase(random, groups);
      const problem = problemOf(CASES + i, text, bytes, true);
      if (problem !== undefined)
        failures.push(`case ${i} (${steps.join(', ')}): ${problem}\n  ${JSON.stringify(text.slice(0, 300))}`);
    }
    expect(failures).toEqual([]);
  });
});
