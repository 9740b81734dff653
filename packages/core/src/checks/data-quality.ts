import { quoteValue } from '../envelope/quote-value';
import type { Encounter, Line } from '../normalize/normalized-types';
import { unreadableGend } from '../normalize/sex-code';
import { visitUnreadable } from './encounter-limits';
import type { Hit, RuleCheck } from './hit';
import { KeyGroups } from './key-groups';

/** ICD-10 (医保版) and 中医病证 codes: a letter, then digits/letters, optional dotted extension ("I63.900x001"). */
const DIAGNOSIS_CODE = /^[A-Z][0-9A-Z]{2}[0-9A-Za-z.+-]{0,16}$/;

function alnumUpperAt(c: string, i: number): boolean {
  const ch = c.charCodeAt(i);
  return (ch >= 48 && ch <= 57) || (ch >= 65 && ch <= 90);
}

/** First, second and last characters: a cheap shape check (a code with stray characters never matches a point). */
function alnumUpper(c: string, from: number): boolean {
  return alnumUpperAt(c, from) && alnumUpperAt(c, from + 1) && alnumUpperAt(c, c.length - 1);
}

/**
 * Shape of hilist_code by hilist_type: 西药 X + 22, 中成药 Z + 19, 饮片 T + ≥9, services 9–15, materials C + 26.
 * Character checks rather than regexes: this runs on every line of every request.
 */
function codeLooksRight(line: Line): boolean {
  const c = line.code;
  switch (line.listType) {
    case '101': {
      const first = c.charCodeAt(0);
      return ((first === 88 && c.length === 23) || (first === 90 && c.length === 20)) && alnumUpper(c, 1);
    }
    case '102':
      return c.charCodeAt(0) === 84 && c.length >= 10 && alnumUpper(c, 1);
    case '201':
      return c.length >= 9 && c.length <= 15 && alnumUpper(c, 0);
    case '301':
      return c.charCodeAt(0) === 67 && c.length === 27 && alnumUpper(c, 1);
    default:
      return c.length > 0;
  }
}

const GRAM_UNITS = new Set(['g', 'G', '克', 'gm', 'GM']);

interface Problem {
  key: string;
  fact: string;
  lines: Line[];
}

function push(problems: Problem[], key: string, line: Line): Problem {
  let p = problems.find((x) => x.key === key);
  if (!p) {
    p = { key, fact: '', lines: [] };
    problems.push(p);
  }
  if (!p.lines.includes(line)) p.lines.push(line);
  return p;
}

/** A field's value as a data-quality reminder quotes it: 未传 when absent. */
function sentValue(v: unknown): string {
  return v === undefined || v === null ? '未传' : quoteValue(v);
}

const twins = new KeyGroups();

function problemsOf(encounter: Encounter): Problem[] {
  const problems: Problem[] = [];
  // Identical lines: a line entered twice has the same code, begin time, amount, quantity, order kind and group.
  // Grouped by a hash, then compared exactly. Orders at different times (葡萄糖测定 at 07:00, 11:00, 17:00, 21:00), in
  // different groups (grpno: two infusions of one day), or a ward doctor's 临时 and 长期 order of one drug
  // (long_drord_flag) are separate orders: too many of them is a frequency rule's to say, not a double entry.
  const lines = encounter.lines;
  twins.begin(lines.length);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const c = line.code;
    const key =
      line.codeHash ^
      Math.imul(line.beginMinutes | 0, 0x27d4eb2d) ^
      Math.imul(Math.round(line.amount * 100), 0x165667b1) ^
      Math.imul(Math.round(line.qty * 1000), 0x61c88647);
    for (let j = twins.add(key, i); j >= 0; j = twins.before(j)) {
      const e = lines[j]!;
      if (
        e.code === c &&
        e.beginMinutes === line.beginMinutes &&
        e.amount === line.amount &&
        e.qty === line.qty &&
        e.dto.long_drord_flag === line.dto.long_drord_flag &&
        (e.dto.grpno ?? '') === (line.dto.grpno ?? '')
      ) {
        if (line.current) push(problems, 'identical-line', line);
        break;
      }
    }
    if (!line.current) continue;
    if (!codeLooksRight(line)) push(problems, 'hilist-code', line);
    if (line.listType === '102' && line.unit !== '' && !GRAM_UNITS.has(line.unit)) push(problems, 'herb-unit', line);
    if (line.doctorCode === '' || line.deptCode === '') push(problems, 'doctor-dept', line);
  }
  let badDiagnoses: string[] | undefined;
  for (const d of encounter.diagnoses) {
    if (DIAGNOSIS_CODE.test(d)) continue;
    badDiagnoses ??= [];
    badDiagnoses.push(d);
  }
  if (encounter.diagnoses.length === 0 || badDiagnoses !== undefined) {
    problems.unshift({
      key: encounter.diagnoses.length === 0 ? 'diagnosis-missing' : 'diagnosis-malformed',
      fact:
        encounter.diagnoses.length === 0
          ? '本次就诊未传诊断编码'
          : `诊断编码格式错误：${(badDiagnoses ?? []).join('、')}`,
      lines: encounter.lines.filter((l) => l.current),
    });
  }
  // brdy is required (3101-3103.md 2.2) but some HIS mappings lose it. Without it no age limit (儿童, 新生儿, 就业年龄 …)
  // can be decided; said here rather than refused, so one patient of a 3102 batch does not cost the others their
  // reminders, and not skipped without a word (rules.md). A malformed brdy is still an error naming the field.
  if (encounter.patient.birth === undefined) {
    problems.push({
      key: 'birth-missing',
      fact: '未传出生日期，年龄限定无法判断',
      lines: encounter.lines.filter((l) => l.current),
    });
  }
  // A gend or visit type the normaliser could not read (sex-code.ts, visit-codes.ts) leaves the sex or 门诊/住院 limits
  // undecided: said, naming the field and what was sent, so the doctor and IT see why none fired (rules.md: no
  // silent skip). Not refused: everything else of the request can still be evaluated.
  if (unreadableGend(encounter.patient.gend)) {
    problems.push({
      key: 'gend-unreadable',
      fact: `性别 gend 值 ${quoteValue(encounter.patient.gend)} 无法识别（应为 1 男、2 女、0/9 未知），性别限定无法判断`,
      lines: encounter.lines.filter((l) => l.current),
    });
  }
  if (visitUnreadable(encounter)) {
    const dto = encounter.dto;
    problems.push({
      key: 'visit-unreadable',
      fact: `就诊类型 med_mdtrt_type ${sentValue(dto.med_mdtrt_type)}、医疗类别 med_type ${sentValue(dto.med_type)} 无法识别门诊或住院，就医方式限定无法判断`,
      lines: encounter.lines.filter((l) => l.current),
    });
  }
  for (const p of problems) {
    const names = (f: (l: Line) => string) => [...new Set(p.lines.map(f))].join('、');
    if (p.key === 'hilist-code')
      p.fact = `医保目录代码缺失或与目录类别不符：${names((l) => `${l.name}(${l.code || '未传'})`)}`;
    else if (p.key === 'herb-unit') p.fact = `中药饮片数量单位应为克：${names((l) => `${l.name}(${l.unit})`)}`;
    else if (p.key === 'doctor-dept') p.fact = '医嘱缺少开单医生或科室';
    else if (p.key === 'identical-line') p.fact = doubleEntryFact(p.lines);
  }
  return problems;
}

function doubleEntryFact(lines: readonly Line[]): string {
  return `同一项目同日同金额重复录入：${[...new Set(lines.map((l) => l.name))].join('、')}`;
}

/** A 「同一项目同日同金额重复录入」 hit of checkDataQuality. */
export function isDoubleEntry(hit: Hit): boolean {
  return hit.discriminator === 'identical-line';
}

/**
 * The double entry without the lines `counted` says are already flagged elsewhere (a frequency card names the line
 * with its amount and a reason to give), naming only the rest; undefined when none is left. Each line is judged on
 * its own: bed and 诊查费 both charged twice on a transfer day meet two frequency cards, one per item.
 */
export function doubleEntryWithout(hit: Hit, counted: (line: Line) => boolean): Hit | undefined {
  const flagged = hit.flagged.filter((f) => !counted(f.line));
  if (flagged.length === hit.flagged.length) return hit;
  if (flagged.length === 0) return undefined;
  const fact = doubleEntryFact(flagged.map((f) => f.line));
  return { ...hit, flagged, fact, message: `数据质量：${fact}。` };
}

/** 结算明细信息异常 / 疾病诊断编码异常: problems that make the order unreliable for supervision. */
export const checkDataQuality: RuleCheck = (_rule, patient) => {
  let hits: Hit[] | undefined;
  for (const encounter of patient.encounters) {
    if (!encounter.hasCurrent) continue;
    for (const p of problemsOf(encounter)) {
      if (p.lines.length === 0) continue;
      hits ??= [];
      hits.push({
        encounter,
        flagged: p.lines.map((line) => ({ line, amount: 0 })),
        involved: [],
        message: `数据质量：${p.fact}。`,
        fact: p.fact,
        amountComputed: true,
        discriminator: p.key,
      });
    }
  }
  return hits;
};
